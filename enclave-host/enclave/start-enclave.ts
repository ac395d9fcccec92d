import { chmodSync, lstatSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { DevNsm } from '../attestation/dev-nsm';
import { SyntheticNsm } from '../attestation/synthetic-nsm';
import type { EnclaveImageConfig, Nsm, PcrValues } from '../contract';
import { serveFrames } from '../protocol/serve-frames';
import { parseEnclaveAddress } from '../protocol/socket-enclave-client';
import { createEnclave } from './create-enclave';
import { sdkEnclaveKms } from './sdk-enclave-kms';

/**
 * What the enclave process takes on its command line: where to listen, and (local mode only) how
 * to make its synthetic NSM. Nothing here is trusted: the deployment, the approval key and the
 * sealing key are compiled in, and no flag or environment variable can change them.
 */
export interface EnclaveProcessArgs {
  /** A Unix socket path, or host:port (production: the path socat bridges the vsock port to). */
  readonly listen?: string;
  /** Local mode: a JSON file describing the synthetic NSM (see {@link SyntheticNsmFile}). */
  readonly syntheticNsm?: string;
  /** Print the compiled-in image configuration (public values only) and exit. */
  readonly printConfig: boolean;
}

/**
 * The synthetic NSM's file in local mode. The module makes its own test root at start and writes
 * it (PEM) to `rootCertificatePath`, which the local runtime reads once the enclave answers health
 * and pins in the KMS stand-in's verifier: that root is worth nothing outside this one run.
 */
export interface SyntheticNsmFile {
  /** The measurements it reports (48-byte lowercase hex), as the local runtime's key policy expects. */
  readonly pcrs?: PcrValues;
  readonly moduleId?: string;
  readonly rootCertificatePath: string;
}

export function parseEnclaveArgs(argv: readonly string[]): EnclaveProcessArgs {
  let listen: string | undefined;
  let syntheticNsm: string | undefined;
  let printConfig = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new RangeError(`${arg} needs a value`);
      i += 1;
      return next;
    };
    if (arg === '--listen') listen = value();
    else if (arg === '--synthetic-nsm') syntheticNsm = value();
    else if (arg === '--print-config') printConfig = true;
    else throw new RangeError(`unknown argument ${String(arg)} (use --listen, --synthetic-nsm, --print-config)`);
  }
  return { listen, syntheticNsm, printConfig };
}

/**
 * The module for this image's mode: /dev/nsm (DevNsm) in production, which refuses any synthetic
 * module outright (a production image that accepted one would attest whatever the host liked); the
 * synthetic module in local mode, which requires its file.
 */
export function nsmFor(config: EnclaveImageConfig, args: EnclaveProcessArgs): Nsm {
  if (config.mode === 'production') {
    if (args.syntheticNsm !== undefined) {
      throw new RangeError('a production enclave image refuses a synthetic NSM: it attests only with /dev/nsm');
    }
    return new DevNsm();
  }
  if (args.syntheticNsm === undefined) throw new RangeError('local mode needs --synthetic-nsm <file>');
  const file = JSON.parse(readFileSync(args.syntheticNsm, 'utf8')) as SyntheticNsmFile;
  if (typeof file.rootCertificatePath !== 'string' || file.rootCertificatePath.length === 0) {
    throw new RangeError(`${args.syntheticNsm}: rootCertificatePath is required`);
  }
  const nsm = new SyntheticNsm({
    ...(file.pcrs === undefined ? {} : { pcrs: file.pcrs }),
    ...(file.moduleId === undefined ? {} : { moduleId: file.moduleId }),
  });
  writeFileSync(file.rootCertificatePath, nsm.rootCertificatePem, { mode: 0o600 });
  return nsm;
}

/** One structured line on stderr; callers pass only ops, codes, timings and addresses. */
export type EnclaveLog = (line: Record<string, unknown>) => void;

const stderrLog: EnclaveLog = (line) =>
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);

export interface RunningEnclave {
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts the enclave program: the module for its mode, KMS through the compiled-in endpoint, the
 * frame server on `--listen`. A stale Unix socket file from an earlier run is removed first (and
 * only a socket: a path that is anything else is an error, not something to delete).
 */
export async function startEnclave(
  config: EnclaveImageConfig,
  args: EnclaveProcessArgs,
  log: EnclaveLog = stderrLog,
): Promise<RunningEnclave> {
  if (args.listen === undefined) throw new RangeError('--listen <socket path or host:port> is required');
  const address = parseEnclaveAddress(args.listen);
  const nsm = nsmFor(config, args);
  const enclave = createEnclave({ config, nsm, kms: sdkEnclaveKms(config) });
  const server = createServer();
  serveFrames(server, enclave, {
    onServed: (served) => log({ level: served.code === undefined ? 'info' : 'warn', msg: 'served', ...served }),
    // The name only: an unexpected error's message could hold anything.
    onInternalError: (error) =>
      log({ level: 'error', msg: 'internal error', name: error instanceof Error ? error.name : typeof error }),
  });
  if ('path' in address) removeStaleSocket(address.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = (): void => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in address) server.listen(address.path, listening);
    else server.listen(address.port, address.host, listening);
  });
  if ('path' in address) chmodSync(address.path, 0o600); // only the enclave's user (and socat) may connect
  log({ level: 'info', msg: 'listening', listen: args.listen, mode: config.mode, deployment: config.deploymentId });
  return {
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new RangeError(`${path} exists and is not a socket`);
  unlinkSync(path);
}

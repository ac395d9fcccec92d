/**
 * The production `Nsm`: the Nitro Secure Module at `/dev/nsm`, reached through a small helper binary.
 *
 * NOT RUNNABLE HERE. It needs a Nitro Enclave (the device exists only inside one) and the helper
 * `nsm-attest` built into the enclave image; neither is on a development machine or in CI, and no test
 * here has ever talked to a real NSM. What the unit tests check is only how this adapter calls the
 * helper and reads its answers (with a fake helper).
 *
 * Why a helper: the NSM is driven by an ioctl on `/dev/nsm` carrying CBOR requests, and Node has no
 * ioctl. The helper is a few lines of Rust over AWS's `aws-nitro-enclaves-nsm-api` crate (build and
 * source in README.md, beside this file). Its interface:
 *   - `nsm-attest attest`: reads one JSON object from stdin, `{"publicKey"?, "userData"?, "nonce"?}`
 *     (each base64), and writes the raw attestation document (COSE_Sign1 bytes) to stdout;
 *   - `nsm-attest random <n>`: writes n random bytes from the NSM (GetRandom) to stdout;
 *   - on any failure: a non-zero exit status and one line on stderr, nothing on stdout.
 */
import { spawn } from 'node:child_process';
import type { Nsm } from '../contract';
import { MAX_ATTESTED_FIELD_BYTES, MAX_DOCUMENT_BYTES } from './attestation-document';

/** Where the enclave image installs the helper (see README.md). */
export const DEFAULT_NSM_HELPER_PATH = '/usr/local/bin/nsm-attest';
const MAX_RANDOM_BYTES = 64 * 1024;

export interface DevNsmOptions {
  /** Default `/usr/local/bin/nsm-attest`. */
  readonly helperPath?: string;
  /** How long one call may take before the helper is killed. Default 5 s (an NSM call takes milliseconds). */
  readonly timeoutMs?: number;
}

/** The helper failed, timed out or answered something that is not what was asked. */
export class NsmError extends Error {
  override readonly name = 'NsmError';
}

export class DevNsm implements Nsm {
  private readonly helperPath: string;
  private readonly timeoutMs: number;

  constructor(options: DevNsmOptions = {}) {
    this.helperPath = options.helperPath ?? DEFAULT_NSM_HELPER_PATH;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async attest(request: {
    readonly publicKey?: Uint8Array;
    readonly userData?: Uint8Array;
    readonly nonce?: Uint8Array;
  }): Promise<Uint8Array> {
    const input: Record<string, string> = {};
    for (const field of ['publicKey', 'userData', 'nonce'] as const) {
      const value = request[field];
      if (value === undefined) continue;
      if (!(value instanceof Uint8Array) || value.length > MAX_ATTESTED_FIELD_BYTES)
        throw new RangeError(`${field} must be at most ${MAX_ATTESTED_FIELD_BYTES} bytes`);
      input[field] = Buffer.from(value).toString('base64');
    }
    const document = await this.run(['attest'], JSON.stringify(input), MAX_DOCUMENT_BYTES);
    if (document.length === 0) throw new NsmError('nsm-attest attest wrote no document');
    return document;
  }

  async random(length: number): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 0 || length > MAX_RANDOM_BYTES)
      throw new RangeError(`length must be an integer from 0 to ${MAX_RANDOM_BYTES}`);
    if (length === 0) return new Uint8Array(0);
    const bytes = await this.run(['random', String(length)], '', length);
    if (bytes.length !== length) throw new NsmError(`nsm-attest random wrote ${bytes.length} bytes, not ${length}`);
    return bytes;
  }

  /** Runs the helper with `args`, writes `stdin`, and resolves to its stdout if it exits 0. */
  private run(args: readonly string[], stdin: string, maxBytes: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.helperPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = '';
      let failure: NsmError | undefined;
      // Our own timer rather than spawn's `timeout`, whose timer outlives a helper that never started.
      const timer = setTimeout(() => {
        failure ??= new NsmError(`nsm-attest ${args[0]} took longer than ${this.timeoutMs} ms`);
        child.kill();
      }, this.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > maxBytes) {
          failure ??= new NsmError(`nsm-attest ${args[0]} wrote more than ${maxBytes} bytes`);
          child.kill();
        } else out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (err.length < 1000) err += chunk.toString('utf8');
      });
      // A helper that cannot be started may never emit 'close': settle here (a promise settles once).
      child.on('error', (error) => {
        clearTimeout(timer);
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream.destroy();
        reject(failure ?? new NsmError(`cannot run ${this.helperPath}: ${error.message}`, { cause: error }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (failure !== undefined) return reject(failure);
        if (signal !== null) return reject(new NsmError(`nsm-attest ${args[0]} was stopped by ${signal}`));
        if (code !== 0)
          return reject(new NsmError(`nsm-attest ${args[0]} exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`));
        resolve(new Uint8Array(Buffer.concat(out)));
      });
      // A helper that exits before reading stdin (or a missing binary) makes this write fail: reported above.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    });
  }
}

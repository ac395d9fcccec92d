import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAnvilBinary } from './anvil-binary';
import { ANVIL_DEV_MNEMONIC, anvilDevAccounts, type DevAccount } from './anvil-dev-accounts';
import { freePort } from './process/free-port';
import { startSupervised, type SupervisedProcess } from './process/supervised-process';

export { ANVIL_BIN_ENV, findAnvilBinary } from './anvil-binary';
export type { DevAccount } from './anvil-dev-accounts';

/**
 * anvil (Foundry's local EVM node) for tests and the local runtime: the binary found by
 * {@link findAnvilBinary}, run under a supervisor (its own process group, dies with this process)
 * on 127.0.0.1, with anvil's default development accounts.
 */

export const DEFAULT_ANVIL_CHAIN_ID = 31337;
export const DEFAULT_ANVIL_ACCOUNTS = 10;
/** Ether per development account (anvil's own default). */
export const DEFAULT_ANVIL_BALANCE_ETHER = 10_000n;
/** The file under `dataDir` that holds the chain between runs. */
export const ANVIL_STATE_FILE = 'anvil-state.json';

const HOST = '127.0.0.1';
const PORT_ATTEMPTS = 5;
const POLL_INTERVAL_MS = 25;
const RPC_TIMEOUT_MS = 2_000;

/** 'auto': one block per transaction; 'manual': blocks only on evm_mine/anvil_mine; or one block every N seconds. */
export type AnvilMining = 'auto' | 'manual' | { readonly blockTimeSeconds: number };

export interface StartAnvilOptions {
  readonly chainId?: number;
  /** Default 'auto'. */
  readonly mining?: AnvilMining;
  /** Number of funded development accounts (default 10). */
  readonly accounts?: number;
  /** Balance of each development account, in whole ether (default 10 000). */
  readonly balanceEther?: bigint;
  /** Keep the chain in `<dataDir>/anvil-state.json`: loaded at start, written on stop. In memory when absent. */
  readonly dataDir?: string;
  /** A fixed port; a free one when absent. */
  readonly port?: number;
  /** How long to wait for it to answer (default 30 s). */
  readonly startTimeoutMs?: number;
  /** The binary; {@link findAnvilBinary} when absent. */
  readonly binary?: string;
  /** Print anvil's log (every RPC call) into its output buffer; off by default. */
  readonly logs?: boolean;
}

/** A running anvil. */
export interface Anvil {
  readonly rpcUrl: string;
  readonly port: number;
  readonly chainId: number;
  /** The funded development accounts, in anvil's order. */
  readonly accounts: readonly DevAccount[];
  /** The supervisor's pid; anvil runs in its own process group under it. */
  readonly pid: number;
  /** Stops anvil (writing its state when it has a `dataDir`) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts anvil and waits until it answers `eth_chainId` with its chain id. */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<Anvil> {
  const chainId = options.chainId ?? DEFAULT_ANVIL_CHAIN_ID;
  const accountCount = options.accounts ?? DEFAULT_ANVIL_ACCOUNTS;
  const balance = options.balanceEther ?? DEFAULT_ANVIL_BALANCE_ETHER;
  const mining = options.mining ?? 'auto';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  if (!Number.isSafeInteger(chainId) || chainId <= 0)
    throw new Error(`anvil: chainId must be a positive integer, got ${chainId}`);
  if (!Number.isSafeInteger(accountCount) || accountCount < 0)
    throw new Error(`anvil: accounts must be a non-negative integer, got ${accountCount}`);
  if (balance < 0n) throw new Error(`anvil: balanceEther must not be negative, got ${balance}`);
  if (typeof mining === 'object' && !(mining.blockTimeSeconds > 0))
    throw new Error(`anvil: blockTimeSeconds must be positive, got ${mining.blockTimeSeconds}`);

  const binary = options.binary ?? findAnvilBinary();
  const statePath = options.dataDir === undefined ? undefined : join(options.dataDir, ANVIL_STATE_FILE);
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'strongroom-anvil-'));

  try {
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      // anvil writes --config-out only after it has bound its port, which tells our anvil apart from
      // another process that took the port between freePort() and the bind.
      const configOut = join(scratch, `config-${attempt}.json`);
      const args = [
        '--host',
        HOST,
        '--port',
        String(port),
        '--chain-id',
        String(chainId),
        '--accounts',
        String(accountCount),
        '--balance',
        String(balance),
        '--mnemonic',
        ANVIL_DEV_MNEMONIC,
        '--config-out',
        configOut,
        ...miningArgs(mining),
        // Dumped every few seconds too, so a runtime that is killed rather than stopped loses little.
        ...(statePath === undefined ? [] : ['--state', statePath, '--state-interval', '2']),
        ...(options.logs === true ? [] : ['--quiet']),
      ];
      const child = startSupervised(binary, args);
      const rpcUrl = `http://${HOST}:${port}`;
      let outcome: 'ready' | 'port-taken';
      try {
        outcome = await waitUntilReady({ child, rpcUrl, port, configOut, chainId, timeoutMs });
      } catch (error) {
        await child.stop();
        throw error;
      }
      if (outcome === 'ready') {
        let stopping: Promise<void> | undefined;
        const stop = (): Promise<void> =>
          (stopping ??= child.stop().finally(() => rm(scratch, { recursive: true, force: true })));
        let accounts: readonly DevAccount[] | undefined;
        return {
          rpcUrl,
          port,
          chainId,
          // Derived on first use: the seed's PBKDF2 costs a few hundred ms that many callers never need.
          get accounts() {
            return (accounts ??= anvilDevAccounts(accountCount));
          },
          pid: child.pid,
          stop,
        };
      }
      await child.stop();
      if (options.port !== undefined || attempt >= PORT_ATTEMPTS) {
        throw new Error(
          `anvil could not listen on ${HOST}:${port}: the port is in use (attempt ${attempt})\n${child.output()}`,
        );
      }
    }
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

function miningArgs(mining: AnvilMining): string[] {
  if (mining === 'auto') return [];
  if (mining === 'manual') return ['--no-mining'];
  return ['--block-time', String(mining.blockTimeSeconds)];
}

interface ReadinessCheck {
  readonly child: SupervisedProcess;
  readonly rpcUrl: string;
  readonly port: number;
  readonly configOut: string;
  readonly chainId: number;
  readonly timeoutMs: number;
}

async function waitUntilReady({
  child,
  rpcUrl,
  port,
  configOut,
  chainId,
  timeoutMs,
}: ReadinessCheck): Promise<'ready' | 'port-taken'> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  let lastError: unknown;
  for (;;) {
    if (exited) {
      // The last output may arrive after the exit event, so ask the port itself as well.
      if (/address already in use/i.test(child.output()) || (await acceptsConnections(port))) return 'port-taken';
      throw new Error(`anvil exited while starting (exit ${String(await child.exited)}):\n${child.output()}`);
    }
    if (existsSync(configOut)) {
      try {
        const answered = await rpcChainId(rpcUrl);
        if (answered === chainId) return 'ready';
        lastError = new Error(`it answered chain id ${answered}, expected ${chainId}`);
      } catch (error) {
        lastError = error;
      }
    }
    if (Date.now() > deadline) {
      const reason = lastError === undefined ? 'it never bound its port' : String(lastError);
      throw new Error(
        `anvil did not answer eth_chainId on ${rpcUrl} within ${timeoutMs} ms (${reason}):\n${child.output()}`,
        { cause: lastError },
      );
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, POLL_INTERVAL_MS));
  }
}

async function rpcChainId(rpcUrl: string): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
  if (typeof body.result !== 'string')
    throw new Error(`no chain id in the answer: ${JSON.stringify(body).slice(0, 200)}`);
  return Number(BigInt(body.result));
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1_000);
    const done = (answer: boolean): void => {
      socket.destroy();
      resolvePromise(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

import type { Address } from '../domain/address';
import { classifyIncoming } from '../domain/deposits/classify-incoming';
import { depositIdOf } from '../domain/deposits/deposit-id';
import {
  decodeScanState,
  encodeScanState,
  initialScanState,
  type DepositScanState,
  type PendingDeposit,
  type ScannedBlock,
} from '../domain/deposits/deposit-scan-state';
import { ConflictError } from '../domain/errors';
import { depositConfirmed, depositReorged, depositSeen } from '../domain/ledger/deposit-postings';
import type { ChainGateway, IncomingTransfer, OutgoingTransfer } from '../ports/chain';
import type { CursorStore } from '../ports/cursor-store';
import type { LedgerStore } from '../ports/ledger-store';
import type { UnexplainedOutflowException } from '../domain/reconciliation/reconciliation-exception';
import {
  detectUnexplainedOutflows,
  type DetectUnexplainedOutflowsDeps,
} from './reconciliation/detect-unexplained-outflows';

export interface WatchDepositsDeps {
  readonly chain: ChainGateway;
  readonly cursors: CursorStore;
  readonly ledger: LedgerStore;
  /** Custody addresses (lower case) → wallet id, as of now. */
  readonly custodyAddresses: () => Promise<ReadonlyMap<string, string>>;
  /** Told about transfers to our addresses that are not credited (unknown tokens): to record, never to credit. */
  readonly onIgnored?: (transfer: IncomingTransfer, reason: string) => Promise<void>;
  /**
   * With these, each scan also looks at what left the custody addresses in the same blocks and
   * handles what no transfer of ours explains (ARCHITECTURE §1.10): the outflow watcher rides on this
   * scanner's cursor and reorg check instead of scanning the chain a second time.
   */
  readonly outflows?: Omit<DetectUnexplainedOutflowsDeps, 'clock'>;
  readonly clock: () => Date;
}

/** What one scan did, for logs and tests. */
export interface DepositScanReport {
  readonly scanned?: { readonly fromBlock: bigint; readonly toBlock: bigint };
  readonly seen: readonly PendingDeposit[];
  readonly confirmed: readonly PendingDeposit[];
  readonly reorged: readonly PendingDeposit[];
  readonly ignored: readonly IncomingTransfer[];
  /** Outgoing value of our own signed transactions, and unexplained outflows recorded by this scan. */
  readonly outflows: { readonly explained: number; readonly unexplained: readonly UnexplainedOutflowException[] };
  /** Another scanner moved the cursor first; its postings and ours are the same replays. */
  readonly raced: boolean;
}

const cursorName = (chainId: number): string => `deposits-${chainId}`;

/**
 * The last block the scanner of a chain has finished (deposits credited, outflows handled), and the
 * cursor version that says so; undefined before its first scan. Reconciliation compares at or below it.
 */
export async function scannedThrough(
  cursors: CursorStore,
  chainId: number,
): Promise<{ readonly block: bigint; readonly version: number } | undefined> {
  const cursor = await cursors.read(cursorName(chainId));
  if (cursor === undefined) return undefined;
  const { nextBlock } = decodeScanState(cursor.position);
  return nextBlock === 0n ? undefined : { block: nextBlock - 1n, version: cursor.version };
}

/**
 * One pass of the deposit scanner of a chain: undo deposits whose blocks left the chain, scan the
 * next blocks for native value and ERC-20 Transfer logs to custody addresses (tokens of the registry
 * only), credit what was found as pendingIn, and make spendable what has its confirmations. The
 * state lives in one cursor; every posting is idempotent, so a crash or a rescan credits nothing twice.
 *
 * With `outflows`, the same pass handles value that left custody addresses in those blocks (see
 * `detectUnexplainedOutflows`). An unexplained outflow is booked when first seen, not after its
 * confirmations: the wallet is frozen at once, which is the safe side. If its block is reorged away the
 * booking stays (its id leaves out the block hash, so the transaction re-mined elsewhere is not booked
 * again); should it never return, the balance reconciliation sees the chain above the books and
 * records a mismatch for a human, rather than the scanner reversing a booking on its own.
 */
export async function watchDeposits(deps: WatchDepositsDeps): Promise<DepositScanReport> {
  const { chain } = deps;
  const config = chain.config;
  const name = cursorName(config.chainId);
  const cursor = await deps.cursors.read(name);
  let state = cursor === undefined ? initialScanState(config.depositStartBlock) : decodeScanState(cursor.position);
  const head = await chain.headBlockNumber();
  const report = {
    seen: [] as PendingDeposit[],
    confirmed: [] as PendingDeposit[],
    reorged: [] as PendingDeposit[],
    ignored: [] as IncomingTransfer[],
    outflows: { explained: 0, unexplained: [] as UnexplainedOutflowException[] },
  };

  state = await undoReorgs(deps, state, report.reorged);

  let scanned: DepositScanReport['scanned'];
  const toBlock = min(head, state.nextBlock + BigInt(config.depositScanBlocks) - 1n);
  if (toBlock >= state.nextBlock) {
    const fromBlock = state.nextBlock;
    const outcome = await scan(deps, fromBlock, toBlock, report);
    if (outcome === undefined) return { ...report, raced: false }; // the chain moved under the scan: next pass
    state = {
      nextBlock: toBlock + 1n,
      recentBlocks: keepRecent([...state.recentBlocks, ...outcome.blocks], toBlock, config.confirmations),
      pending: [...state.pending, ...outcome.seen],
    };
    scanned = { fromBlock, toBlock };
  }

  state = await confirm(deps, state, head, report);

  try {
    await deps.cursors.advance(name, cursor, encodeScanState(state), deps.clock());
  } catch (error) {
    if (error instanceof ConflictError) return { ...report, scanned, raced: true };
    throw error;
  }
  return { ...report, scanned, raced: false };
}

/** Finds the oldest remembered block that is no longer canonical and reverses every deposit from there on. */
async function undoReorgs(
  deps: WatchDepositsDeps,
  state: DepositScanState,
  reorged: PendingDeposit[],
): Promise<DepositScanState> {
  let forkAt: bigint | undefined;
  for (const block of state.recentBlocks) {
    const canonical = await deps.chain.block(block.number);
    if (canonical?.hash !== block.hash) {
      forkAt = block.number;
      break;
    }
  }
  // A pending deposit older than the remembered blocks is checked by its own block.
  for (const deposit of state.pending) {
    if (forkAt !== undefined && deposit.blockNumber >= forkAt) continue;
    const canonical = await deps.chain.block(deposit.blockNumber);
    if (canonical?.hash !== deposit.blockHash)
      forkAt = forkAt === undefined ? deposit.blockNumber : min(forkAt, deposit.blockNumber);
  }
  if (forkAt === undefined) return state;
  const fork = forkAt;
  const [gone, kept] = partition(state.pending, (d) => d.blockNumber >= fork);
  for (const deposit of gone) {
    await deps.ledger.post(depositReorged(deposit, deps.clock()));
    reorged.push(deposit);
  }
  return {
    nextBlock: min(state.nextBlock, fork),
    recentBlocks: state.recentBlocks.filter((b) => b.number < fork),
    pending: kept,
  };
}

async function scan(
  deps: WatchDepositsDeps,
  fromBlock: bigint,
  toBlock: bigint,
  report: {
    seen: PendingDeposit[];
    ignored: IncomingTransfer[];
    outflows: { explained: number; unexplained: UnexplainedOutflowException[] };
  },
): Promise<{ blocks: ScannedBlock[]; seen: PendingDeposit[] } | undefined> {
  const { chain } = deps;
  const wallets = await deps.custodyAddresses();
  const addresses = [...wallets.keys()] as Address[];
  const transfers = await chain.incomingTransfers({ fromBlock, toBlock }, addresses);
  const outgoing: readonly OutgoingTransfer[] =
    deps.outflows === undefined ? [] : await chain.outgoingTransfers({ fromBlock, toBlock }, addresses);
  // The hashes of the blocks we keep, read after the transfers: a transfer whose block hash differs
  // was read from a block that has since been replaced, and the whole range is scanned again later.
  const blocks: ScannedBlock[] = [];
  const first = max(fromBlock, toBlock - BigInt(chain.config.confirmations));
  for (let number = first; number <= toBlock; number++) {
    const block = await chain.block(number);
    if (block === undefined) return undefined;
    blocks.push({ number, hash: block.hash });
  }
  const hashes = new Map(blocks.map((b) => [b.number, b.hash]));
  for (const transfer of [...transfers, ...outgoing]) {
    const known = hashes.get(transfer.blockNumber) ?? (await chain.block(transfer.blockNumber))?.hash;
    if (known !== transfer.blockHash) return undefined;
  }

  const seen: PendingDeposit[] = [];
  for (const transfer of transfers) {
    const classified = classifyIncoming(transfer, wallets, chain.config.tokens);
    if (!classified.credit) {
      if (classified.reason === 'UNKNOWN_TOKEN') {
        report.ignored.push(transfer);
        await deps.onIgnored?.(transfer, classified.reason);
      }
      continue;
    }
    const deposit: PendingDeposit = {
      depositId: depositIdOf(chain.config.chainId, transfer),
      walletId: classified.walletId,
      asset: classified.asset,
      amount: transfer.amount,
      txHash: transfer.txHash,
      blockNumber: transfer.blockNumber,
      blockHash: transfer.blockHash,
      to: transfer.to,
    };
    await deps.ledger.post(depositSeen(deposit, deps.clock()));
    seen.push(deposit);
    report.seen.push(deposit);
  }
  if (deps.outflows !== undefined && outgoing.length > 0) {
    const found = await detectUnexplainedOutflows(
      { ...deps.outflows, clock: deps.clock },
      { chainId: chain.config.chainId, tokens: chain.config.tokens, wallets, outgoing },
    );
    report.outflows.explained += found.explained;
    report.outflows.unexplained.push(...found.unexplained);
  }
  return { blocks, seen };
}

/** Deposits with their confirmations, still in their block, become spendable; the rest wait. */
async function confirm(
  deps: WatchDepositsDeps,
  state: DepositScanState,
  head: bigint,
  report: { confirmed: PendingDeposit[] },
): Promise<DepositScanState> {
  const required = BigInt(deps.chain.config.confirmations);
  const waiting: PendingDeposit[] = [];
  for (const deposit of state.pending) {
    if (head - deposit.blockNumber + 1n < required) {
      waiting.push(deposit);
      continue;
    }
    await deps.ledger.post(depositConfirmed(deposit, deps.clock()));
    report.confirmed.push(deposit);
  }
  return { ...state, pending: waiting };
}

/** The blocks within reach of a reorg that could still undo an unconfirmed deposit. */
function keepRecent(blocks: readonly ScannedBlock[], toBlock: bigint, confirmations: number): ScannedBlock[] {
  return blocks.filter((b) => b.number + BigInt(confirmations) > toBlock);
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

import { sameAddress } from '../../domain/address';
import { NATIVE, type Asset } from '../../domain/asset';
import type { TokenConfig } from '../../domain/chain/chain-config';
import { InsufficientFundsError, LedgerInvariantError } from '../../domain/errors';
import { unexplainedOutflowPosting } from '../../domain/ledger/outflow-postings';
import {
  outflowIdOf,
  type OutflowBooking,
  type OutflowEvidence,
  type UnexplainedOutflowException,
} from '../../domain/reconciliation/reconciliation-exception';
import type { AlarmSink } from '../../ports/alarm-sink';
import type { AuditLog } from '../../ports/audit-log';
import type { OutgoingTransfer } from '../../ports/chain';
import type { LedgerStore } from '../../ports/ledger-store';
import type { NonceStore } from '../../ports/nonce-store';
import type { ReconciliationStore } from '../../ports/reconciliation-store';
import type { TransferEventStore } from '../../ports/transfer-event-store';
import type { WalletStore } from '../../ports/wallet-store';
import { freezeForException } from './freeze-for-exception';

/** The ports the outflow watcher needs besides the chain scan it rides on. */
export interface DetectUnexplainedOutflowsDeps {
  readonly nonces: Pick<NonceStore, 'get'>;
  readonly events: Pick<TransferEventStore, 'load'>;
  readonly ledger: Pick<LedgerStore, 'post'>;
  readonly wallets: WalletStore;
  readonly audit: AuditLog;
  readonly reconciliation: ReconciliationStore;
  readonly alarms: AlarmSink;
  readonly clock: () => Date;
}

/** What one look at outgoing value found. */
export interface OutflowReport {
  /** Outflows of transactions we signed (a transfer's attempt at its reserved nonce). */
  readonly explained: number;
  /** Unexplained outflows recorded now (a rescan of the same blocks records none again). */
  readonly unexplained: readonly UnexplainedOutflowException[];
}

/**
 * Looks at value that left custody addresses (ARCHITECTURE §1.10, §4 Reconcile). An outflow is ours
 * when its transaction was sent by the custody address at a nonce reserved for a transfer whose
 * signed attempts include that transaction's hash; anything else (a spender's `transferFrom`, a
 * transaction signed with the custody key outside the workflow, our nonce used by another hash) is
 * unexplained: booked in the ledger so the books follow the chain, the wallet frozen, an alarm
 * raised, and the evidence recorded as a reconciliation exception under an id derived from the chain,
 * the transaction and the log index. An outflow whose exception exists is skipped, so rescanning the
 * same blocks, or the same transaction re-mined in another block after a reorg, books nothing twice.
 * Tokens outside the chain's registry are not on the books and are left out.
 */
export async function detectUnexplainedOutflows(
  deps: DetectUnexplainedOutflowsDeps,
  scan: {
    readonly chainId: number;
    readonly tokens: readonly TokenConfig[];
    /** Custody addresses (lower case) → wallet id. */
    readonly wallets: ReadonlyMap<string, string>;
    readonly outgoing: readonly OutgoingTransfer[];
  },
): Promise<OutflowReport> {
  const ours = new Map<string, Promise<boolean>>();
  const isOurs = (transfer: OutgoingTransfer): Promise<boolean> => {
    const key = transfer.txHash.toLowerCase();
    let known = ours.get(key);
    if (known === undefined) {
      known = signedByUs(deps, scan.chainId, scan.wallets, transfer);
      ours.set(key, known);
    }
    return known;
  };
  let explained = 0;
  const unexplained: UnexplainedOutflowException[] = [];
  for (const transfer of scan.outgoing) {
    const walletId = scan.wallets.get(transfer.from.toLowerCase());
    const asset = assetOf(transfer, scan.tokens);
    const amount = transfer.kind === 'native' ? transfer.amount + transfer.fee : transfer.amount;
    if (walletId === undefined || asset === undefined || amount === 0n) continue;
    if (await isOurs(transfer)) {
      explained++;
      continue;
    }
    const evidence: OutflowEvidence = {
      chainId: scan.chainId,
      blockNumber: transfer.blockNumber,
      blockHash: transfer.blockHash,
      txHash: transfer.txHash,
      ...(transfer.logIndex === undefined ? {} : { logIndex: transfer.logIndex }),
      asset,
      amount,
      from: transfer.from,
      ...(transfer.to === undefined ? {} : { to: transfer.to }),
      txFrom: transfer.txFrom,
      txNonce: transfer.txNonce,
    };
    const recorded = await recordUnexplained(deps, walletId, evidence);
    if (recorded !== undefined) unexplained.push(recorded);
  }
  return { explained, unexplained };
}

/** Books, freezes, alarms, then records: a crash before the record repeats only idempotent steps. */
async function recordUnexplained(
  deps: DetectUnexplainedOutflowsDeps,
  walletId: string,
  evidence: OutflowEvidence,
): Promise<UnexplainedOutflowException | undefined> {
  const id = outflowIdOf(evidence.chainId, evidence);
  if ((await deps.reconciliation.get(id)) !== undefined) return undefined;
  const at = deps.clock();
  const booking = await book(deps, { outflowId: id, walletId, asset: evidence.asset, amount: evidence.amount }, at);
  const exception: UnexplainedOutflowException = {
    kind: 'UNEXPLAINED_OUTFLOW',
    id,
    walletId,
    chainId: evidence.chainId,
    asset: evidence.asset,
    detectedAt: at,
    evidence,
    booking,
  };
  await freezeForException(deps, { walletId, exceptionId: id, reason: `unexplained outflow ${id}`, at });
  await deps.alarms.raise({
    kind: 'UNEXPLAINED_OUTFLOW',
    walletId,
    chainId: evidence.chainId,
    asset: evidence.asset,
    exceptionId: id,
    message:
      `${evidence.amount} base units of ${evidence.asset} left ${evidence.from} in transaction ${evidence.txHash} ` +
      `(block ${evidence.blockNumber}) without a transfer of ours; ` +
      (booking.booked ? 'booked as an unexplained outflow' : `not booked: ${booking.reason}`),
    at,
  });
  const { recorded } = await deps.reconciliation.record(exception);
  return recorded ? exception : undefined;
}

async function book(
  deps: Pick<DetectUnexplainedOutflowsDeps, 'ledger'>,
  outflow: { readonly outflowId: string; readonly walletId: string; readonly asset: Asset; readonly amount: bigint },
  at: Date,
): Promise<OutflowBooking> {
  const posting = unexplainedOutflowPosting(outflow, at);
  try {
    await deps.ledger.post(posting);
    return { booked: true, postingId: posting.id };
  } catch (error) {
    // The books hold less than left the chain: they missed more than this outflow. Booking part of it
    // would hide that; the exception carries it whole for a human.
    if (error instanceof LedgerInvariantError || error instanceof InsufficientFundsError)
      return { booked: false, reason: `${error.code}: ${error.message}` };
    throw error;
  }
}

/** Whether the transaction is one we signed: a signed attempt of the transfer that holds its nonce. */
async function signedByUs(
  deps: Pick<DetectUnexplainedOutflowsDeps, 'nonces' | 'events'>,
  chainId: number,
  wallets: ReadonlyMap<string, string>,
  transfer: OutgoingTransfer,
): Promise<boolean> {
  if (!wallets.has(transfer.txFrom.toLowerCase())) return false;
  const reservation = await deps.nonces.get(chainId, transfer.txFrom, transfer.txNonce);
  if (reservation === undefined) return false;
  const state = await deps.events.load(reservation.transferId);
  return (
    state?.attempts.some((a) => a.txHash !== undefined && a.txHash.toLowerCase() === transfer.txHash.toLowerCase()) ??
    false
  );
}

function assetOf(transfer: OutgoingTransfer, tokens: readonly TokenConfig[]): Asset | undefined {
  if (transfer.kind === 'native') return NATIVE;
  const token = transfer.token;
  return token === undefined ? undefined : tokens.find((t) => sameAddress(t.address, token))?.address;
}

import { sameAddress } from '../../domain/address';
import { NotFinalError } from '../../domain/errors';
import { broadcast, settle, settleCancelled } from '../../domain/ledger/transfer-postings';
import {
  TERMINAL_STATUSES,
  type PreparedTransaction,
  type TransferStatus,
} from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { loadTransfer } from './load-transfer';
import { recordAudit } from './record-audit';
import { reservationOf } from './reservation-of';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter, type NewTransferEvent } from './transfer-events-builder';

export type SettleTransferDeps = Pick<TransferDeps, 'events' | 'ledger' | 'chains' | 'audit' | 'clock'>;

const ACTOR = 'workflow:settle';

/**
 * Settle (ARCHITECTURE.md §4.9), once the nonce is final: the transfer mined → pendingOut becomes
 * settled outflow with the actual fee and the unused allowance returns (COMPLETED); our cancellation
 * mined, or the call reverted → the principal returns and the fee is paid (CANCELLED or FAILED, on
 * chain evidence). The chain is asked again: a reorg since the check sends the workflow back to tracking.
 */
export async function settleTransfer(
  deps: SettleTransferDeps,
  input: { readonly transferId: string },
): Promise<{ status: TransferStatus }> {
  const state = await loadTransfer(deps.events, input.transferId);
  if (TERMINAL_STATUSES.has(state.status)) return { status: state.status };
  const transaction = state.transaction;
  const chain = deps.chains.get(state.chainId);
  const signed = state.attempts.filter((a) => a.txHash !== undefined);
  if (transaction === undefined || signed.length === 0)
    throw new NotFinalError('CHAIN.NOT_FINAL', `transfer ${state.id} has nothing signed to settle`);
  const seen = await chain.observe({
    from: transaction.from,
    nonce: transaction.nonce,
    attempts: signed.map((a) => a.txHash as `0x${string}`),
  });
  if (seen.kind !== 'MINED' || seen.confirmations < chain.config.confirmations) {
    throw new NotFinalError(
      'CHAIN.NOT_FINAL',
      `transfer ${state.id}: nonce ${transaction.nonce} is not final (${seen.kind})`,
    );
  }
  const mined = signed.find((a) => a.txHash?.toLowerCase() === seen.txHash.toLowerCase());
  const reservation = reservationOf(state);
  const at = deps.clock();
  await deps.ledger.post(broadcast(reservation, at)); // a replay when Broadcast recorded it
  let events: NewTransferEvent[];
  if (!seen.succeeded || isCancellation(mined?.transaction, transaction)) {
    await deps.ledger.post(settleCancelled(reservation, seen.fee, at));
    const outcome = seen.succeeded
      ? ({ kind: 'CANCELLATION_MINED', txHash: seen.txHash, blockNumber: seen.blockNumber, fee: seen.fee } as const)
      : ({ kind: 'REVERTED_MINED', txHash: seen.txHash, blockNumber: seen.blockNumber, fee: seen.fee } as const);
    events = [
      { type: 'CHAIN_OUTCOME', data: { outcome } },
      {
        type: 'FUNDS_RELEASED',
        data: { reason: seen.succeeded ? 'our cancellation consumed the nonce' : 'the call reverted on chain' },
      },
      endOf(state, seen.succeeded),
    ];
  } else {
    await deps.ledger.post(settle(reservation, seen.fee, at));
    events = [
      {
        type: 'CONFIRMED',
        data: { txHash: seen.txHash, blockNumber: seen.blockNumber, confirmations: seen.confirmations, fee: seen.fee },
      },
    ];
  }
  const ended = await deps.events.append(state, eventsAfter(state, ACTOR, at, events));
  await recordAudit(deps.audit, {
    traceId: state.traceId,
    actor: ACTOR,
    action: `SETTLED_${ended.status}`,
    inputs: { txHash: seen.txHash, blockNumber: seen.blockNumber },
    result: `fee ${seen.fee}`,
    at,
  });
  return { status: ended.status };
}

/** A zero-value transfer to itself at a nonce whose prepared transaction was something else. */
function isCancellation(attempt: PreparedTransaction | undefined, prepared: PreparedTransaction): boolean {
  if (attempt === undefined) return false;
  const selfNothing = (tx: PreparedTransaction): boolean =>
    sameAddress(tx.to, tx.from) && tx.value === 0n && tx.data === '0x';
  return selfNothing(attempt) && !selfNothing(prepared);
}

function endOf(state: TransferState, cancellationMined: boolean): NewTransferEvent {
  if (cancellationMined && state.cancelRequested !== undefined)
    return {
      type: 'CANCELLED',
      data: { reason: `cancelled by ${state.cancelRequested.by}; the nonce was consumed by our cancellation` },
    };
  if (cancellationMined && state.pendingFailure !== undefined) return { type: 'FAILED', data: state.pendingFailure };
  return {
    type: 'FAILED',
    data: cancellationMined
      ? { stage: 'CHAIN', errorName: 'Cancelled', reason: 'the nonce was consumed by our cancellation' }
      : {
          stage: 'CHAIN',
          errorName: 'Reverted',
          reason: 'the transaction was mined but its call reverted: the fee is spent, the principal did not move',
        },
  };
}

import { sameAddress } from '../../domain/address';
import { NotFinalError } from '../../domain/errors';
import { broadcast, settle, settleCancelled } from '../../domain/ledger/transfer-postings';
import {
  TERMINAL_STATUSES,
  type PreparedTransaction,
  type TransferStatus,
} from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { auditEntry } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
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
export function settleTransfer(
  deps: SettleTransferDeps,
  input: StepInput,
): Promise<StepOutput<{ status: TransferStatus }>> {
  return runTransferStep(deps.events, input, async (state) => {
    const ended = await settleOnChain(deps, state);
    return { result: { status: ended.status }, state: ended };
  });
}

async function settleOnChain(deps: SettleTransferDeps, state: TransferState): Promise<TransferState> {
  if (TERMINAL_STATUSES.has(state.status)) return state;
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
  // Broadcast books pendingOut with the first accepted attempt; when no node ever accepted one (the
  // step failed and tracking took over), it is booked here first.
  if (!state.attempts.some((a) => a.broadcast)) await deps.ledger.post(broadcast(reservation, at));
  let events: NewTransferEvent[];
  let posting;
  if (!seen.succeeded || isCancellation(mined?.transaction, transaction)) {
    posting = settleCancelled(reservation, seen.fee, at);
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
    posting = settle(reservation, seen.fee, at);
    events = [
      {
        type: 'CONFIRMED',
        data: { txHash: seen.txHash, blockNumber: seen.blockNumber, confirmations: seen.confirmations, fee: seen.fee },
      },
    ];
  }
  return deps.events.append(state, eventsAfter(state, ACTOR, at, events), {
    posting,
    audit: auditEntry({
      traceId: state.traceId,
      actor: ACTOR,
      action: `SETTLED_${events[events.length - 1]?.type === 'CONFIRMED' ? 'COMPLETED' : (events[events.length - 1]?.type ?? '')}`,
      inputs: { txHash: seen.txHash, blockNumber: seen.blockNumber },
      result: `fee ${seen.fee}`,
      at,
    }),
  });
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

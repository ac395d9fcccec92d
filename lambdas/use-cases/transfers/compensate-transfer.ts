import { TERMINAL_STATUSES, type TransferEventData } from '../../domain/lifecycle/transfer-events';
import { signingStarted, type TransferState } from '../../domain/lifecycle/transfer-state';
import { endTransfer, releaseIfDue } from './end-transfer';
import { runTransferStep, type StepOutput } from './run-transfer-step';
import { APPROVAL_ERRORS } from './resume-waiting-task';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter, type NewTransferEvent } from './transfer-events-builder';

export type CompensateTransferDeps = Pick<TransferDeps, 'events' | 'ledger' | 'audit' | 'clock'>;

/**
 * COMPENSATED: ended, funds released. IN_DOUBT: a signature may exist, so the chain decides (tracking).
 * CANCEL_AT_NONCE: the nonce was reserved but never signed: it is filled by a cancellation first, so
 * later transfers are not stuck behind a gap, and the transfer ends when that is mined.
 */
export type CompensationOutcome = 'COMPENSATED' | 'IN_DOUBT' | 'CANCEL_AT_NONCE';

const ACTOR = 'workflow:compensate';

/**
 * Compensate (ARCHITECTURE.md §4, Failures): before any signing attempt, the transfer ends as what
 * stopped it (REJECTED, EXPIRED, CANCELLED, FAILED) and its reservation is released; after one,
 * nothing is released on a guess.
 */
export function compensateTransfer(
  deps: CompensateTransferDeps,
  input: { readonly transferId: string; readonly error?: unknown; readonly cause?: unknown },
): Promise<StepOutput<{ outcome: CompensationOutcome }>> {
  // Always the stored state: a step failed, so what it handed on may be behind.
  return runTransferStep<{ outcome: CompensationOutcome }>(deps.events, { transferId: input.transferId }, (state) =>
    compensate(deps, input, state),
  );
}

async function compensate(
  deps: CompensateTransferDeps,
  input: { readonly error?: unknown; readonly cause?: unknown },
  state: TransferState,
): Promise<{ result: { outcome: CompensationOutcome }; state: TransferState }> {
  if (TERMINAL_STATUSES.has(state.status))
    return { result: { outcome: 'COMPENSATED' }, state: await releaseIfDue(deps, state, ACTOR) };
  if (signingStarted(state)) return { result: { outcome: 'IN_DOUBT' }, state };
  const errorName = typeof input.error === 'string' ? input.error : 'Unknown';
  const reason = causeMessage(input.cause) ?? errorName;
  const failure: TransferEventData['FAILED'] = { stage: state.status, errorName, reason };
  if (state.transaction !== undefined && state.cancelling !== true) {
    const next = await deps.events.append(
      state,
      eventsAfter(state, ACTOR, deps.clock(), [
        { type: 'REPLACEMENT_REQUESTED', data: { reason: 'CANCEL', replacesAttempt: 0, failure } },
      ]),
    );
    return { result: { outcome: 'CANCEL_AT_NONCE' }, state: next };
  }
  const before: NewTransferEvent[] =
    state.transaction !== undefined
      ? [
          {
            type: 'RECONCILIATION_REQUIRED',
            data: {
              reason: `nonce ${state.transaction.nonce} was reserved and could not be filled: later transfers wait behind it`,
            },
          },
        ]
      : [];
  const ended = await endTransfer(deps, state, ACTOR, terminalEvent(state, errorName, reason, failure), before);
  return { result: { outcome: 'COMPENSATED' }, state: ended };
}

function terminalEvent(
  state: TransferState,
  errorName: string,
  reason: string,
  failure: TransferEventData['FAILED'],
): Parameters<typeof endTransfer>[3] {
  if (state.cancelRequested !== undefined)
    return { type: 'CANCELLED', data: { reason: `cancelled by ${state.cancelRequested.by}` } };
  if (errorName === APPROVAL_ERRORS.REJECTED && state.status === 'PENDING_AUTHORIZATION')
    return { type: 'REJECTED', data: { stage: 'APPROVAL', reason } };
  if (
    (errorName === APPROVAL_ERRORS.EXPIRED || errorName === 'States.Timeout') &&
    state.status === 'PENDING_AUTHORIZATION'
  )
    return { type: 'EXPIRED', data: { reason } };
  if (
    errorName === 'TransferHaltedError' &&
    (state.status === 'QUEUED' || state.status === 'PENDING_AUTHORIZATION' || state.status === 'PENDING_SCREENING')
  ) {
    return { type: 'REJECTED', data: { stage: 'AUTHORIZATION', reason } };
  }
  return { type: 'FAILED', data: state.pendingFailure ?? failure };
}

/** The message inside a Step Functions cause (`{"errorType", "errorMessage"}` JSON), if it has one. */
function causeMessage(cause: unknown): string | undefined {
  if (typeof cause !== 'string') return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage.slice(0, 500) : cause.slice(0, 500);
  } catch {
    return cause.slice(0, 500);
  }
}

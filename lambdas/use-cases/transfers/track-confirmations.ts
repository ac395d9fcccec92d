import { nextConfirmationStep } from '../../domain/chain/next-confirmation-step';
import type { MinedAt } from '../../domain/chain/nonce-observation';
import { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { recordAudit } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter, type NewTransferEvent } from './transfer-events-builder';

export type TrackConfirmationsDeps = Pick<
  TransferDeps,
  'events' | 'chains' | 'audit' | 'clock' | 'confirmationPollSeconds'
>;

/** What the state machine does next: wait and check again, settle, authorize a replacement, stop. */
export type TrackAction = 'WAIT' | 'FINAL' | 'REPLACE' | 'RECONCILE' | 'ENDED';

const ACTOR = 'workflow:track';

/**
 * One confirmation check (ARCHITECTURE.md §4.8), by (from, nonce) over every signed attempt: mined
 * to N confirmations → FINAL (Settle books it); mined with fewer → WAIT; dropped → the stored attempt
 * is sent again; stuck past the deadline, or a cancellation asked for → REPLACE (Authorize builds
 * the replacement); the nonce taken by a transaction that is not ours → RECONCILE, funds untouched.
 */
export function trackConfirmations(
  deps: TrackConfirmationsDeps,
  input: StepInput,
): Promise<StepOutput<{ action: TrackAction; waitSeconds: number }>> {
  return runTransferStep(deps.events, input, async (state) => {
    let ended = state;
    const append = async (events: readonly NewTransferEvent[]): Promise<void> => {
      if (events.length > 0) ended = await deps.events.append(state, eventsAfter(state, ACTOR, deps.clock(), events));
    };
    const result = await check(deps, state, append);
    return { result, state: ended };
  });
}

async function check(
  deps: TrackConfirmationsDeps,
  state: TransferState,
  append: (events: readonly NewTransferEvent[]) => Promise<void>,
): Promise<{ action: TrackAction; waitSeconds: number }> {
  const wait = { waitSeconds: deps.confirmationPollSeconds };
  if (TERMINAL_STATUSES.has(state.status)) return { action: 'ENDED', ...wait };
  const signed = state.attempts.filter((a) => a.txHash !== undefined);
  const transaction = state.transaction;
  if (signed.length === 0 || transaction === undefined) {
    await append([
      {
        type: 'RECONCILIATION_REQUIRED',
        data: { reason: 'a signing attempt exists but no signed transaction was recorded' },
      },
    ]);
    return { action: 'RECONCILE', ...wait };
  }
  const chain = deps.chains.get(state.chainId);
  const previouslyMined: MinedAt | undefined =
    state.latestConfirmation?.blockHash === undefined
      ? undefined
      : {
          txHash: state.latestConfirmation.txHash,
          blockNumber: state.latestConfirmation.blockNumber,
          blockHash: state.latestConfirmation.blockHash,
        };
  const observation = await chain.observe({
    from: transaction.from,
    nonce: transaction.nonce,
    attempts: signed.map((a) => a.txHash as `0x${string}`),
    ...(previouslyMined ? { previouslyMined } : {}),
  });
  const now = deps.clock();
  const step = nextConfirmationStep(observation, {
    requiredConfirmations: chain.config.confirmations,
    stuckAfterSeconds: chain.config.stuckAfterSeconds,
    // Only a pending nonce is judged on how long it waited: only then is the stream read for it.
    latestAttemptBroadcastAt: observation.kind === 'PENDING' ? await latestBroadcastAt(deps, state) : now,
    now,
  });
  if (step.reorgedOut !== undefined) {
    await recordAudit(deps.audit, {
      traceId: state.traceId,
      actor: ACTOR,
      action: 'REORG_DETECTED',
      inputs: step.reorgedOut,
      result: `${step.reorgedOut.txHash} left block ${step.reorgedOut.blockNumber}`,
      at: now,
    });
  }
  const latest = signed[signed.length - 1];
  switch (step.action) {
    case 'FINAL':
    case 'FINAL_REVERTED':
      // Nothing to write: Settle asks the chain again and records what it books.
      return { action: 'FINAL', ...wait };
    case 'WAIT': {
      const events: NewTransferEvent[] = [];
      if (
        step.mined !== undefined &&
        (state.latestConfirmation?.txHash !== step.mined.txHash ||
          state.latestConfirmation.confirmations !== step.confirmations ||
          state.latestConfirmation.blockHash !== step.mined.blockHash)
      ) {
        events.push({ type: 'CONFIRMATION_OBSERVED', data: { ...step.mined, confirmations: step.confirmations } });
      }
      if (
        step.mined === undefined &&
        state.cancelRequested !== undefined &&
        state.cancelling !== true &&
        !state.replacementRequested &&
        latest !== undefined
      ) {
        // A cancellation after signing: a zero-value replacement at the nonce, and the chain decides.
        events.push({ type: 'REPLACEMENT_REQUESTED', data: { reason: 'CANCEL', replacesAttempt: latest.attempt } });
        await append(events);
        return { action: 'REPLACE', ...wait };
      }
      await append(events);
      return { action: 'WAIT', ...wait };
    }
    case 'REBROADCAST':
      if (latest?.rawTransaction !== undefined) await chain.broadcast(latest.rawTransaction);
      return { action: 'WAIT', ...wait };
    case 'REPLACE':
      // A replacement asked for before and not authorized (its fees would pass the ceiling): keep waiting.
      if (state.replacementRequested) return { action: 'WAIT', ...wait };
      await append([
        {
          type: 'REPLACEMENT_REQUESTED',
          data: {
            reason: state.cancelRequested !== undefined || state.cancelling === true ? 'CANCEL' : 'STUCK',
            replacesAttempt: latest?.attempt ?? 0,
          },
        },
      ]);
      return { action: 'REPLACE', ...wait };
    case 'RECONCILE':
      await append([{ type: 'RECONCILIATION_REQUIRED', data: { reason: step.reason } }]);
      return { action: 'RECONCILE', ...wait };
  }
}

/** When the newest attempt was signed or accepted by a node: a replacement restarts the stuck clock. */
async function latestBroadcastAt(deps: Pick<TrackConfirmationsDeps, 'events'>, state: TransferState): Promise<Date> {
  const events = await deps.events.read(state.id);
  const last = [...events].reverse().find((e) => e.type === 'BROADCAST_ACCEPTED' || e.type === 'SIGNED');
  return last?.at ?? state.updatedAt;
}

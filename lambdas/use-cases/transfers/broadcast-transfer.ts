import { broadcast } from '../../domain/ledger/transfer-postings';
import type { BroadcastState } from '../../ports/chain';
import { auditEntry } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import { reservationOf } from './reservation-of';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type BroadcastTransferDeps = Pick<TransferDeps, 'events' | 'ledger' | 'chains' | 'audit' | 'clock'>;

const ACTOR = 'workflow:broadcast';

/**
 * Broadcast (ARCHITECTURE.md §4.7): sends the newest signed attempt; success is our hash known to the
 * node or mined, whatever its words. The reservation moves to pendingOut (once: a replacement's
 * broadcast replays the same posting). An unreachable node fails the step, which is retried and then
 * handed to confirmation tracking: the transaction may be out, so nothing is released.
 */
export function broadcastTransfer(
  deps: BroadcastTransferDeps,
  input: StepInput,
): Promise<StepOutput<{ state: BroadcastState | 'NOTHING_TO_SEND' }>> {
  return runTransferStep<{ state: BroadcastState | 'NOTHING_TO_SEND' }>(deps.events, input, async (state) => {
    const attempt = [...state.attempts].reverse().find((a) => a.rawTransaction !== undefined);
    if (attempt?.rawTransaction === undefined || attempt.txHash === undefined)
      return { result: { state: 'NOTHING_TO_SEND' }, state };
    const result = await deps.chains.get(state.chainId).broadcast(attempt.rawTransaction);
    if (attempt.broadcast) return { result: { state: result.state }, state };
    const at = deps.clock();
    // The reservation moves to pendingOut with the first accepted attempt (recorded in the same write,
    // so a replacement's broadcast finds it done).
    const posted = state.attempts.some((a) => a.broadcast);
    const next = await deps.events.append(
      state,
      eventsAfter(state, ACTOR, at, [
        { type: 'BROADCAST_ACCEPTED', data: { attempt: attempt.attempt, txHash: attempt.txHash } },
      ]),
      {
        ...(posted ? {} : { posting: broadcast(reservationOf(state), at) }),
        audit: auditEntry({
          traceId: state.traceId,
          actor: ACTOR,
          action: 'BROADCAST_ACCEPTED',
          inputs: { txHash: attempt.txHash },
          result: result.state,
          at,
        }),
      },
    );
    return { result: { state: result.state }, state: next };
  });
}

import { broadcast } from '../../domain/ledger/transfer-postings';
import type { BroadcastState } from '../../ports/chain';
import { loadTransfer } from './load-transfer';
import { recordAudit } from './record-audit';
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
export async function broadcastTransfer(
  deps: BroadcastTransferDeps,
  input: { readonly transferId: string },
): Promise<{ state: BroadcastState | 'NOTHING_TO_SEND' }> {
  const state = await loadTransfer(deps.events, input.transferId);
  const attempt = [...state.attempts].reverse().find((a) => a.rawTransaction !== undefined);
  if (attempt?.rawTransaction === undefined || attempt.txHash === undefined) return { state: 'NOTHING_TO_SEND' };
  const result = await deps.chains.get(state.chainId).broadcast(attempt.rawTransaction);
  const at = deps.clock();
  await deps.ledger.post(broadcast(reservationOf(state), at));
  if (!attempt.broadcast) {
    await deps.events.append(
      state,
      eventsAfter(state, ACTOR, at, [
        { type: 'BROADCAST_ACCEPTED', data: { attempt: attempt.attempt, txHash: attempt.txHash } },
      ]),
    );
    await recordAudit(deps.audit, {
      traceId: state.traceId,
      actor: ACTOR,
      action: 'BROADCAST_ACCEPTED',
      inputs: { txHash: attempt.txHash },
      result: result.state,
      at,
    });
  }
  return { state: result.state };
}

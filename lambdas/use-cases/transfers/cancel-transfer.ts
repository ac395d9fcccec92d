import { ConflictError, StrongroomError } from '../../domain/errors';
import { TERMINAL_STATUSES, type TransferStatus } from '../../domain/lifecycle/transfer-events';
import { requireWalletInScope, type Principal } from '../../domain/principal';
import { loadTransfer } from './load-transfer';
import { recordAudit } from './record-audit';
import { resumeWaitingTask } from './resume-waiting-task';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type CancelTransferDeps = Pick<TransferDeps, 'events' | 'approvals' | 'workflow' | 'audit' | 'clock'>;

/**
 * Cancel (ARCHITECTURE.md §4): appends CANCEL_REQUESTED. A transfer waiting for approval is failed
 * at once with `TransferCancelled` (its funds come back through compensation); every other step
 * checks the flag before it acts; once signed, cancelling means a zero-value replacement at the
 * nonce, and the chain decides. Only its initiator, an operator or an admin may cancel.
 */
export async function cancelTransfer(
  deps: CancelTransferDeps,
  request: { readonly principal: Principal; readonly transferId: string; readonly reason?: string },
): Promise<{ id: string; status: TransferStatus; cancelRequested: true }> {
  for (let attempt = 0; ; attempt++) {
    const state = await loadTransfer(deps.events, request.transferId);
    requireWalletInScope(request.principal, state.walletId);
    const mayCancel =
      state.initiatorId === request.principal.id ||
      request.principal.roles.includes('admin') ||
      request.principal.roles.includes('operator');
    if (!mayCancel)
      throw new StrongroomError('AUTH.FORBIDDEN', 'only the initiator, an operator or an admin may cancel a transfer', {
        details: { transferId: state.id },
      });
    if (state.cancelRequested !== undefined) return { id: state.id, status: state.status, cancelRequested: true };
    if (TERMINAL_STATUSES.has(state.status)) {
      throw new StrongroomError('TRANSFER.NOT_CANCELLABLE', `transfer ${state.id} is ${state.status}`, {
        details: { transferId: state.id, status: state.status },
      });
    }
    const at = deps.clock();
    let next;
    try {
      next = await deps.events.append(
        state,
        eventsAfter(state, request.principal.id, at, [
          {
            type: 'CANCEL_REQUESTED',
            data: {
              requestedBy: request.principal.id,
              ...(request.reason === undefined ? {} : { reason: request.reason }),
            },
          },
        ]),
      );
    } catch (error) {
      if (error instanceof ConflictError && attempt < 4) continue;
      throw error;
    }
    await recordAudit(deps.audit, {
      traceId: state.traceId,
      actor: request.principal.id,
      action: 'CANCEL_REQUESTED',
      inputs: { reason: request.reason },
      result: state.status,
      at,
    });
    if (next.status === 'PENDING_AUTHORIZATION' && next.approvalRequestId !== undefined) {
      const { won, resolution } = await deps.approvals.resolve({
        requestId: next.approvalRequestId,
        outcome: 'CANCELLED',
        at,
        by: request.principal.id,
      });
      if (won) await resumeWaitingTask(deps, next, resolution.outcome, request.principal.id);
    }
    return { id: next.id, status: next.status, cancelRequested: true };
  }
}

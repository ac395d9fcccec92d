import { recordAudit } from './record-audit';
import { resumeWaitingTask } from './resume-waiting-task';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type ExpireApprovalsDeps = Pick<TransferDeps, 'events' | 'approvals' | 'workflow' | 'audit' | 'clock'>;

/**
 * The expiry sweep (scheduled in the cloud, an interval locally): every transfer still waiting for
 * approval past its request's `expiresAt` gets the EXPIRED resolution, if nothing resolved it first,
 * and its workflow is failed with `ApprovalExpired` (compensation then releases the funds). The state
 * timeout of RequestApproval is only the backstop.
 */
export async function expireApprovals(deps: ExpireApprovalsDeps): Promise<{ expired: readonly string[] }> {
  const now = deps.clock();
  const expired: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.events.listByStatus('PENDING_AUTHORIZATION', {
      limit: 100,
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    for (const summary of page.items) {
      const state = await deps.events.load(summary.id);
      if (state?.status !== 'PENDING_AUTHORIZATION' || state.approvalRequestId === undefined) continue;
      const request = await deps.approvals.get(state.approvalRequestId);
      if (request === undefined || now < request.expiresAt) continue;
      const { won } = await deps.approvals.resolve({ requestId: request.id, outcome: 'EXPIRED', at: now });
      if (!won) continue;
      const next = await deps.events.append(
        state,
        eventsAfter(state, 'workflow:expiry', now, [
          { type: 'APPROVAL_EXPIRED', data: { approvalRequestId: request.id } },
        ]),
      );
      await recordAudit(deps.audit, {
        traceId: state.traceId,
        actor: 'workflow:expiry',
        action: 'APPROVAL_EXPIRED',
        inputs: { requestId: request.id },
        result: `expired at ${request.expiresAt.toISOString()}`,
        at: now,
      });
      await resumeWaitingTask(deps, next, 'EXPIRED');
      expired.push(state.id);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { expired };
}

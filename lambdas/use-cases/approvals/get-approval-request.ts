import { StrongroomError } from '../../domain/errors';
import type { ApprovalResolution, StoredApprovalRequest } from '../../ports/approval-store';
import type { TransferDeps } from '../transfers/transfer-deps';

export interface ApprovalRequestView extends StoredApprovalRequest {
  /** Who decided what, and when; comments stay with the audit trail's digest and the store. */
  readonly decisions: readonly {
    readonly approverId: string;
    readonly decision: 'approve' | 'reject';
    readonly at: Date;
  }[];
  readonly resolution?: ApprovalResolution;
}

/**
 * An approval request as JSON for an authenticated reader (`GET /v1/approvals/{id}`): what it needs,
 * who decided, how it ended. The callback token is never read here. The HTML page behind an
 * approver's link (`?t=…`) comes with the link flow.
 */
export async function getApprovalRequest(
  deps: Pick<TransferDeps, 'approvals'>,
  request: { readonly requestId: string },
): Promise<ApprovalRequestView> {
  const stored = await deps.approvals.get(request.requestId);
  if (stored === undefined)
    throw new StrongroomError('APPROVAL.REQUEST_NOT_FOUND', `no approval request ${request.requestId}`, {
      details: { requestId: request.requestId },
    });
  const [decisions, resolution] = await Promise.all([
    deps.approvals.decisions(stored.id),
    deps.approvals.resolution(stored.id),
  ]);
  return {
    ...stored,
    decisions: decisions.map(({ approverId, decision, at }) => ({ approverId, decision, at })),
    ...(resolution === undefined ? {} : { resolution }),
  };
}

import type { ApprovalResolution } from '../../ports/approval-store';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { TransferDeps } from './transfer-deps';

/** The error names the state machine's Catch sees when an approval ends without a quorum. */
export const APPROVAL_ERRORS = {
  REJECTED: 'ApprovalRejected',
  EXPIRED: 'ApprovalExpired',
  CANCELLED: 'TransferCancelled',
} as const;

/**
 * Resumes the execution waiting on a transfer's approval with the resolution that stands: success
 * on a quorum, otherwise a named failure that Compensate turns into REJECTED, EXPIRED or CANCELLED.
 */
export async function resumeWaitingTask(
  deps: Pick<TransferDeps, 'approvals' | 'workflow'>,
  state: TransferState,
  outcome: ApprovalResolution['outcome'],
  by?: string,
): Promise<void> {
  const requestId = state.approvalRequestId;
  if (requestId === undefined) return;
  const token = await deps.approvals.callbackToken(requestId);
  if (outcome === 'APPROVED') {
    await deps.workflow.sendTaskSuccess(token, { approvalRequestId: requestId });
    return;
  }
  const cause = JSON.stringify({
    errorMessage: `approval ${requestId} ${outcome.toLowerCase()}${by === undefined ? '' : ` by ${by}`}`,
  });
  await deps.workflow.sendTaskFailure(token, APPROVAL_ERRORS[outcome], cause);
}

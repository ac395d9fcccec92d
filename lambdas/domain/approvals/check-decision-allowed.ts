import { ApprovalError, type ErrorCode } from '../errors';
import type { ApprovalGroup } from './approval-group';
import type { ApprovalDecision, ApprovalRequest } from './approval-request';
import { requiredGroupsOf } from './required-groups-of';
import { tallyApprovals } from './tally-approvals';

export interface CheckDecisionAllowedParams {
  readonly request: ApprovalRequest;
  readonly groups: ReadonlyMap<string, ApprovalGroup>;
  readonly existingDecisions: readonly ApprovalDecision[];
  readonly approverId: string;
  readonly now: Date;
  /** Whether a resolution (quorum, reject, expiry, cancel) is recorded for the request. */
  readonly resolved: boolean;
}

/**
 * Refuses, before anything is written, a decision that would not count: the request is resolved
 * (recorded, or already decided by the existing decisions), expired, or the approver is the
 * initiator, a member of none of the required groups, or has decided already. The tally stays the
 * authority; this only lets the API answer 403/409 instead of recording a decision that is ignored.
 */
export function checkDecisionAllowed(params: CheckDecisionAllowedParams): void {
  const { request, approverId, now } = params;
  const refuse = (code: ErrorCode, message: string): never => {
    throw new ApprovalError(code, message, { details: { requestId: request.id, approverId } });
  };
  const { outcome } = tallyApprovals({ request, groups: params.groups, decisions: params.existingDecisions, now });
  if (outcome === 'EXPIRED') refuse('APPROVAL.EXPIRED', 'the approval request has expired');
  if (outcome !== 'PENDING' || params.resolved)
    refuse('APPROVAL.ALREADY_RESOLVED', 'the approval request is resolved already');
  if (approverId === request.initiatorId)
    refuse('APPROVAL.INITIATOR_CANNOT_APPROVE', 'the initiator of a transfer cannot decide on it');
  if (requiredGroupsOf(request.requirement, params.groups, approverId).length === 0) {
    refuse('APPROVAL.NOT_A_MEMBER', 'the approver is not a member of any group this approval needs');
  }
  if (params.existingDecisions.some((d) => d.requestId === request.id && d.approverId === approverId)) {
    refuse('APPROVAL.DUPLICATE_DECISION', 'this approver has decided already');
  }
}

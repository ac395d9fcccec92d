import type { ApprovalGroupMember } from '../domain/approvals/approval-group';

/** A message telling approvers that a transfer waits for them. It never carries a secret. */
export interface ApprovalNotice {
  readonly approvalRequestId: string;
  readonly transferId: string;
  readonly walletId: string;
  readonly summary: string;
  readonly expiresAt: Date;
  readonly members: readonly ApprovalGroupMember[];
}

/** SNS in the cloud (one filter policy per approver); an outbox the local server lists on one machine. */
export interface Notifier {
  notifyApprovers(notice: ApprovalNotice): Promise<void>;
}

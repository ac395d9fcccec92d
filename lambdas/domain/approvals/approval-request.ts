/**
 * What approving one transfer needs, as the policy engine produces it: every named group must reach
 * its own quorum of distinct approvers, and `quorum` distinct approvers must have approved overall (so
 * one person who sits in two groups cannot alone satisfy a two-person rule). Approvals are collected
 * for at most `timeoutSeconds`.
 */
export interface ApprovalRequirement {
  readonly quorum: number;
  readonly groups: readonly { readonly group: string; readonly quorum: number }[];
  readonly timeoutSeconds: number;
}

/** A pending question to approvers about one transfer; decisions at or after `expiresAt` never count. */
export interface ApprovalRequest {
  readonly id: string;
  readonly transferId: string;
  /** Who submitted the transfer: never counts towards its own quorum. */
  readonly initiatorId: string;
  readonly requirement: ApprovalRequirement;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** One approver's answer to a request; the first one per approver is the one that counts. */
export interface ApprovalDecision {
  readonly requestId: string;
  readonly approverId: string;
  readonly decision: 'approve' | 'reject';
  readonly at: Date;
  readonly comment?: string;
}

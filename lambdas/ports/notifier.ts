import type { ApprovalGroupMember } from '../domain/approvals/approval-group';

/** One approver to tell, with the link that is theirs alone. */
export interface ApprovalRecipient extends ApprovalGroupMember {
  /**
   * `<public base URL>/v1/approvals/{id}?t=<secret>`: a secret that lets this member, and no one else,
   * decide. A notifier delivers it to this member only, and never logs it or puts it in a subject.
   */
  readonly link: string;
}

/** A message telling approvers that a transfer waits for them: one per member, each with its own link. */
export interface ApprovalNotice {
  readonly approvalRequestId: string;
  readonly transferId: string;
  readonly walletId: string;
  /** What is asked, in plain words: amount in human units, asset, destination, wallet, requester. No secret. */
  readonly summary: string;
  readonly expiresAt: Date;
  readonly members: readonly ApprovalRecipient[];
}

/**
 * What a member is sent to enroll a passkey. `link` carries the enrollment's secret: it is for this
 * member's channel alone, and a notifier never logs it or puts it in a subject line.
 */
export interface EnrollmentMessage {
  readonly enrollmentId: string;
  readonly memberId: string;
  readonly memberName: string;
  /** `<public base URL>/v1/passkeys/enroll/{id}?t=<secret>` (`enrollmentLinkUrl`). */
  readonly link: string;
  readonly expiresAt: Date;
}

/** One governance member to tell, with the link that is theirs alone (`changeLinkUrl`). */
export interface GovernanceRecipient {
  readonly id: string;
  readonly name: string;
  readonly link: string;
}

/**
 * A message telling the governance group that a change waits for its decision: one per member, each
 * with its own link to the change's decision page (approve, or veto during the time-lock).
 */
export interface GovernanceNotice {
  readonly changeId: string;
  /** What the change does and why it weakens a control, in plain words. No secret. */
  readonly summary: string;
  readonly expiresAt: Date;
  /** How long after its quorum the change takes effect: the members' window to veto. */
  readonly timeLockSeconds: number;
  readonly members: readonly GovernanceRecipient[];
}

/**
 * SNS in the cloud (one filter policy per member: each message carries its member's id); an outbox the
 * local server lists on one machine.
 */
export interface Notifier {
  notifyApprovers(notice: ApprovalNotice): Promise<void>;
  /** Sends a member the link to enroll their passkey: the only way that link leaves the service. */
  notifyEnrollment(message: EnrollmentMessage): Promise<void>;
  /** Tells every governance member of a proposed change, each with their own link to decide it. */
  notifyGovernance(notice: GovernanceNotice): Promise<void>;
}

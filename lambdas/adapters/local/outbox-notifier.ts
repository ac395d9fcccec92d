import type { ApprovalNotice, EnrollmentMessage, GovernanceNotice, Notifier } from '../../ports/notifier';
import { governanceMessage } from '../../domain/governance/change-link';
import { approvalMessage } from '../../domain/approvals/approval-message';
import { enrollmentText } from '../../domain/passkeys/enrollment-message';

/** One message as it would go out through SNS to one member: an approval request, or a passkey enrollment. */
export interface OutboxMessage {
  readonly to: string;
  readonly channel: string;
  /** Set on approval messages. */
  readonly approvalRequestId?: string;
  readonly transferId?: string;
  /** Set on enrollment messages. */
  readonly enrollmentId?: string;
  /** Set on governance messages. */
  readonly changeId?: string;
  readonly text: string;
  /** The member's own link (a secret): the local outbox stands for their inbox. */
  readonly link: string;
  readonly at: Date;
}

/** The local runtime's notifier: messages are kept in order for the local server to list and print. */
export class OutboxNotifier implements Notifier {
  private readonly messages: OutboxMessage[] = [];

  constructor(
    private readonly clock: () => Date = () => new Date(),
    private readonly onMessage?: (message: OutboxMessage) => void,
  ) {}

  async notifyApprovers(notice: ApprovalNotice): Promise<void> {
    for (const member of notice.members) {
      const channel =
        member.notify?.email !== undefined
          ? 'email'
          : member.notify?.sms !== undefined
            ? 'sms'
            : member.notify?.https !== undefined
              ? 'https'
              : 'none';
      const message: OutboxMessage = {
        to: member.id,
        channel,
        approvalRequestId: notice.approvalRequestId,
        transferId: notice.transferId,
        text: approvalMessage(notice, member),
        link: member.link,
        at: this.clock(),
      };
      this.messages.push(message);
      this.onMessage?.(message);
    }
  }

  async notifyEnrollment(message: EnrollmentMessage): Promise<void> {
    const sent: OutboxMessage = {
      to: message.memberId,
      channel: 'passkey enrollment',
      enrollmentId: message.enrollmentId,
      text: enrollmentText(message),
      link: message.link,
      at: this.clock(),
    };
    this.messages.push(sent);
    this.onMessage?.(sent);
  }

  async notifyGovernance(notice: GovernanceNotice): Promise<void> {
    for (const member of notice.members) {
      const sent: OutboxMessage = {
        to: member.id,
        channel: 'governance',
        changeId: notice.changeId,
        text: governanceMessage(notice, member),
        link: member.link,
        at: this.clock(),
      };
      this.messages.push(sent);
      this.onMessage?.(sent);
    }
  }

  list(): readonly OutboxMessage[] {
    return [...this.messages];
  }
}

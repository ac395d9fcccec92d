import type { ApprovalNotice, Notifier } from '../../ports/notifier';
import { approvalMessage } from '../../domain/approvals/approval-message';

/** One message as it would go out through SNS to one approver. */
export interface OutboxMessage {
  readonly to: string;
  readonly channel: string;
  readonly approvalRequestId: string;
  readonly transferId: string;
  readonly text: string;
  /** The member's own approval link (a secret): the local outbox stands for their inbox. */
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

  list(): readonly OutboxMessage[] {
    return [...this.messages];
  }
}

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DependencyUnavailableError } from '../../domain/errors';
import { approvalMessage } from '../../domain/approvals/approval-message';
import { enrollmentText } from '../../domain/passkeys/enrollment-message';
import type { ApprovalNotice, EnrollmentMessage, GovernanceNotice, Notifier } from '../../ports/notifier';
import { governanceMessage } from '../../domain/governance/change-link';

/** The message attribute each approver's subscription filters on (one filter policy per member). */
export const MEMBER_ATTRIBUTE = 'strongroom.member';

/**
 * Tells approvers through the approvers' SNS topic: one message per member, carrying the member's id
 * as a message attribute, so that a subscription whose filter policy names member A never receives
 * B's message, which holds B's link. The text says what is asked and until when, then the member's
 * own link; the subject carries nothing but the request id (subjects show in mail previews and
 * lists). Nothing here is logged. A publish that fails fails the task (NOTIFY.UNAVAILABLE):
 * approvers are never assumed told.
 */
export class SnsApprovalNotifier implements Notifier {
  constructor(
    private readonly topicArn: string,
    private readonly sns: SNSClient = new SNSClient({}),
  ) {}

  async notifyApprovers(notice: ApprovalNotice): Promise<void> {
    for (const member of notice.members) {
      try {
        await this.sns.send(
          new PublishCommand({
            TopicArn: this.topicArn,
            Subject: `strongroom approval ${notice.approvalRequestId}`,
            Message: approvalMessage(notice, member),
            MessageAttributes: {
              [MEMBER_ATTRIBUTE]: { DataType: 'String', StringValue: member.id },
              'strongroom.approvalRequestId': { DataType: 'String', StringValue: notice.approvalRequestId },
            },
          }),
        );
      } catch (error) {
        throw new DependencyUnavailableError(
          'NOTIFY.UNAVAILABLE',
          `approval request ${notice.approvalRequestId}: the approvers' topic could not be published to`,
          { cause: error, details: { approvalRequestId: notice.approvalRequestId } },
        );
      }
    }
  }

  /** The enrollment link, to its member's subscription only (the same member attribute); no secret in the subject. */
  async notifyEnrollment(message: EnrollmentMessage): Promise<void> {
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: `strongroom passkey enrollment ${message.enrollmentId}`,
          Message: enrollmentText(message),
          MessageAttributes: { [MEMBER_ATTRIBUTE]: { DataType: 'String', StringValue: message.memberId } },
        }),
      );
    } catch (error) {
      throw new DependencyUnavailableError(
        'NOTIFY.UNAVAILABLE',
        `enrollment ${message.enrollmentId}: the approvers' topic could not be published to`,
        { cause: error, details: { enrollmentId: message.enrollmentId } },
      );
    }
  }

  /** One message per governance member, to their subscription only; the subject carries the change id alone. */
  async notifyGovernance(notice: GovernanceNotice): Promise<void> {
    for (const member of notice.members) {
      try {
        await this.sns.send(
          new PublishCommand({
            TopicArn: this.topicArn,
            Subject: `strongroom governance change ${notice.changeId}`,
            Message: governanceMessage(notice, member),
            MessageAttributes: {
              [MEMBER_ATTRIBUTE]: { DataType: 'String', StringValue: member.id },
              'strongroom.changeId': { DataType: 'String', StringValue: notice.changeId },
            },
          }),
        );
      } catch (error) {
        throw new DependencyUnavailableError(
          'NOTIFY.UNAVAILABLE',
          `change ${notice.changeId}: the approvers' topic could not be published to`,
          { cause: error, details: { changeId: notice.changeId } },
        );
      }
    }
  }
}

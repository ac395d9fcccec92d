import { DependencyUnavailableError } from '../domain/errors';
import type { ApprovalNotice, EnrollmentMessage, GovernanceNotice, Notifier } from '../ports/notifier';

/**
 * The notifier of a deployment that has none yet (the SNS notifier arrives with approval links): every
 * function that never notifies starts and works, and one that must notify fails safe, with
 * NOTIFY.UNAVAILABLE, instead of pretending approvers were told.
 */
export class UnconfiguredNotifier implements Notifier {
  async notifyApprovers(notice: ApprovalNotice): Promise<void> {
    throw new DependencyUnavailableError(
      'NOTIFY.UNAVAILABLE',
      `approval request ${notice.approvalRequestId}: this deployment has no approver notifier configured`,
      { details: { approvalRequestId: notice.approvalRequestId } },
    );
  }

  async notifyEnrollment(message: EnrollmentMessage): Promise<void> {
    throw new DependencyUnavailableError(
      'NOTIFY.UNAVAILABLE',
      `enrollment ${message.enrollmentId}: this deployment has no notifier configured`,
      { details: { enrollmentId: message.enrollmentId } },
    );
  }

  async notifyGovernance(notice: GovernanceNotice): Promise<void> {
    throw new DependencyUnavailableError(
      'NOTIFY.UNAVAILABLE',
      `change ${notice.changeId}: this deployment has no notifier configured`,
      { details: { changeId: notice.changeId } },
    );
  }
}

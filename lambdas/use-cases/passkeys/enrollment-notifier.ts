import type { Notifier } from '../../ports/notifier';

export type { EnrollmentMessage } from '../../ports/notifier';

/**
 * Delivers an enrollment link to the member it was made for. It is the only way the link leaves
 * `inviteToEnroll`: the admin who invites never sees it, so no admin can enroll a passkey in another
 * member's name.
 */
export type EnrollmentNotifier = Pick<Notifier, 'notifyEnrollment'>;

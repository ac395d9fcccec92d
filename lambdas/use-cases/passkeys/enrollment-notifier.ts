/**
 * What a member is sent to enroll a passkey. `link` carries the enrollment's secret: it is for this
 * member's channel alone, and a notifier never logs it or puts it in a subject line.
 */
export interface EnrollmentMessage {
  readonly memberId: string;
  readonly memberName: string;
  /** `<public base URL>/v1/passkeys/enroll/{id}?t=<secret>` (`enrollmentLinkUrl`). */
  readonly link: string;
  readonly expiresAt: Date;
}

/**
 * Delivers an enrollment link to the member it was made for. It is the only way the link leaves
 * `inviteToEnroll`: the admin who invites never sees it, so no admin can enroll a passkey in another
 * member's name.
 */
export interface EnrollmentNotifier {
  notifyEnrollment(message: EnrollmentMessage): Promise<void>;
}

/** What an enrollment message says (the notifier port's shape, restated so the domain imports no port). */
export interface EnrollmentMessageParts {
  readonly memberName: string;
  readonly link: string;
  readonly expiresAt: Date;
}

/** The text a member receives to enroll a passkey: who it is for, until when, then their own link. */
export function enrollmentText(message: EnrollmentMessageParts): string {
  return [
    `${message.memberName}, create the passkey you will approve transfers and changes with.`,
    `This link is yours alone and works once, until ${message.expiresAt.toISOString()} (UTC):`,
    message.link,
    'If you did not expect it, do not open it: tell your security team.',
  ].join('\n');
}

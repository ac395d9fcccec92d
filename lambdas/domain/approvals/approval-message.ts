/** What a notice needs to say to one member (the notifier port's shapes, restated so the domain imports no port). */
export interface ApprovalMessageParts {
  readonly summary: string;
  readonly expiresAt: Date;
}

/** The text one member receives: what is asked, until when, and their link (theirs alone: do not forward). */
export function approvalMessage(
  notice: ApprovalMessageParts,
  member: { readonly name: string; readonly link: string },
): string {
  return [
    `${member.name}, your approval is asked: ${notice.summary}.`,
    `Decide before ${notice.expiresAt.toISOString()} (UTC) at this link, which is yours alone (do not forward it):`,
    member.link,
  ].join('\n\n');
}

import type { ChangeRequest } from './change-request';

/**
 * A governance member's link to one change request:
 * `<public base URL>/v1/governance/changes/{id}/decide?t=<secret>`. The secret follows the approval
 * links' rules (`LINK_SECRET`, only its SHA-256 kept, one per member, compared in constant time by
 * `memberOfLink`); opening the page decides nothing, only its buttons do.
 */
export function changeLinkUrl(base: string, changeId: string, secret: string): string {
  return `${base.replace(/\/+$/, '')}/v1/governance/changes/${encodeURIComponent(changeId)}/decide?t=${secret}`;
}

/** What a change does, in plain words, for a notice or a page: no secret. */
export function changeSummary(change: ChangeRequest): string {
  return `${change.action.kind} of ${change.action.subject}, proposed by ${change.proposedBy} ("${change.reason}"); it ${change.weakening.join('; ')}`;
}

/** The text one governance member receives: the change, the time-lock, until when, and their own link. */
export function governanceMessage(
  notice: { readonly summary: string; readonly expiresAt: Date; readonly timeLockSeconds: number },
  member: { readonly name: string; readonly link: string },
): string {
  return [
    `${member.name}, a change that weakens a control waits for the governance group: ${notice.summary}.`,
    `Approve it before ${notice.expiresAt.toISOString()} (UTC), or veto it until it takes effect ` +
      `${notice.timeLockSeconds} seconds after its quorum, at this link, which is yours alone (do not forward it):`,
    member.link,
  ].join('\n\n');
}

import { memberOfLink } from '../../domain/approvals/approval-link';
import {
  changeStatusOf,
  CLOSED_CHANGE_STATUSES,
  eligibleApprovers,
  governanceError,
  type ChangeDecision,
  type ChangeView,
  type GovernanceMember,
} from '../../domain/governance/change-request';
import { checkString, ID_RULE } from '../../domain/validation';
import { decideChange } from '../governance/decide-change';
import { changeDecisionDeps, type ChangeDeciderPorts } from './change-decision-deps';
import { passkeyPrompt, type PasskeyPrompt } from '../passkeys/passkey-prompt';
import { changeChallenges } from './change-passkeys';

/** Where a governance member's link stands, for the page to show: the decision form, or why there is none. */
export type ChangeLinkState =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'wrong-link' }
  | { readonly kind: 'closed'; readonly change: ChangeView }
  | { readonly kind: 'decided'; readonly decision: ChangeDecision; readonly change: ChangeView }
  | {
      readonly kind: 'open';
      readonly member: GovernanceMember;
      readonly change: ChangeView;
      /** False for the proposer, a member the change adds, and anyone once the quorum is reached: they may only veto. */
      readonly mayApprove: boolean;
      /** The member's passkeys and what each decision signs, when the member has any. */
      readonly passkey?: PasskeyPrompt<{ readonly approve: string; readonly veto: string }>;
    };

/**
 * Opens a governance member's link (`GET /v1/governance/changes/{id}/decide?t=…`): reads, never
 * writes (scanners fetch links). The secret is compared with every member's hash in constant time; a
 * wrong secret learns only that it is wrong. A closed change (applied, vetoed, expired, failed) is
 * reported before anything member-specific.
 */
export async function openChangeLink(
  deps: Pick<ChangeDeciderPorts, 'governance' | 'passkeys' | 'deploymentId' | 'publicBaseUrl' | 'clock'>,
  input: { readonly changeId: string; readonly secret: string },
): Promise<ChangeLinkState> {
  const changeId = checkString(input.changeId, 'changeId', ID_RULE);
  const [stored, links] = await Promise.all([deps.governance.get(changeId), deps.governance.links(changeId)]);
  if (stored === undefined) return { kind: 'not-found' };
  const memberId = memberOfLink(links, input.secret);
  if (memberId === undefined) return { kind: 'wrong-link' };
  const change = changeStatusOf(stored.request, stored.decisions, stored, deps.clock());
  if (CLOSED_CHANGE_STATUSES.has(change.status)) return { kind: 'closed', change };
  const own = stored.decisions.find((d) => d.memberId === memberId);
  if (own !== undefined) return { kind: 'decided', decision: own, change };
  const member = change.governance.members.find((m) => m.id === memberId) ?? { id: memberId, name: memberId };
  const passkey = passkeyPrompt(await deps.passkeys.credentialsOf(memberId), deps.publicBaseUrl(), () =>
    changeChallenges(deps.deploymentId, change),
  );
  return {
    kind: 'open',
    member,
    change,
    mayApprove: change.status === 'PENDING_GOVERNANCE' && eligibleApprovers(change).some((m) => m.id === memberId),
    ...(passkey === undefined ? {} : { passkey }),
  };
}

/**
 * A decision sent with a member's link secret (`POST /v1/governance/changes/{id}/decide`, the secret
 * in the body): the secret names the member, who then decides exactly as through the API (the same
 * rules, passkey verification and applying). A secret that matches nobody decides nothing.
 */
export async function decideChangeByLink(
  ports: ChangeDeciderPorts,
  input: { readonly changeId: string; readonly secret: string; readonly body: unknown },
): Promise<ChangeView> {
  const changeId = checkString(input.changeId, 'changeId', ID_RULE);
  const memberId = memberOfLink(await ports.governance.links(changeId), input.secret);
  if (memberId === undefined) {
    if ((await ports.governance.get(changeId)) === undefined)
      throw governanceError('CHANGE_NOT_FOUND', `no change ${changeId}`, { changeId });
    throw governanceError('LINK_INVALID', 'this link does not let anyone decide this change', { changeId });
  }
  // Membership of the change's governance group is the authority here; the link has no roles.
  return decideChange(changeDecisionDeps(ports), {
    principal: { id: memberId, roles: [] },
    changeId,
    body: input.body,
  });
}

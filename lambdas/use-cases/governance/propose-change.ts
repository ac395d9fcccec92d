import { randomBytes } from 'node:crypto';
import { linkSecretHash } from '../../domain/approvals/approval-link';
import { AuthError, ValidationError } from '../../domain/errors';
import { changeLinkUrl, changeSummary } from '../../domain/governance/change-link';
import {
  CHANGE_APPROVAL_WINDOW_SECONDS,
  CHANGE_KINDS,
  changeStatusOf,
  eligibleApprovers,
  governanceError,
  MAX_TIME_LOCK_SECONDS,
  parseChangeReason,
  parseGovernanceGroup,
  type ChangeAction,
  type ChangeKind,
  type ChangeRequest,
  type ChangeView,
} from '../../domain/governance/change-request';
import { describe } from '../../domain/money';
import type { Principal } from '../../domain/principal';
import { checkString, ID_RULE } from '../../domain/validation';
import { recordAudit } from '../transfers/record-audit';
import { changeTraceId, type GovernanceDeps } from './governance-deps';

export type ProposeChangeDeps = Pick<
  GovernanceDeps,
  'governance' | 'audit' | 'clock' | 'governanceTimeLockSeconds' | 'notifier' | 'publicBaseUrl'
>;

export interface ProposeChangeRequest {
  readonly principal: Principal;
  readonly action: ChangeAction;
  readonly reason: unknown;
  /** Why the change weakens a control (the classification's findings): at least one. */
  readonly weakening: readonly string[];
  /**
   * Members the change adds (to an approval group, say): they never count for it. For
   * SET_GOVERNANCE_GROUP, governance adds the new group's newcomers itself.
   */
  readonly addedMemberIds?: readonly string[];
}

const MAX_WEAKENING_REASONS = 20;

/**
 * Records a weakening change as a change request (PENDING_GOVERNANCE) under an id of ours,
 * `chg-<16 hex>`, with a snapshot of the governance group: only its members decide, against its
 * quorum, and neither the proposer nor a member the change adds counts. Only an admin proposes
 * (ARCHITECTURE.md §9). Refused with NOT_BOOTSTRAPPED (409) before governance exists, and with
 * QUORUM_UNREACHABLE (422) when too few members may approve it to ever pass (a change that can only
 * expire helps nobody). A SET_GOVERNANCE_GROUP payload is parsed here (`action.payload.*` in 400s).
 * Every member of the group is then sent their own link to the change's decision page.
 */
export async function proposeChange(deps: ProposeChangeDeps, request: ProposeChangeRequest): Promise<ChangeView> {
  const { principal } = request;
  if (!principal.roles.includes('admin'))
    throw new AuthError('AUTH.FORBIDDEN', 'only an admin may propose a change', {
      details: { requiredRoles: ['admin'] },
    });
  const kind = parseKind(request.action.kind);
  const subject = checkString(request.action.subject, 'action.subject', ID_RULE);
  const reason = parseChangeReason(request.reason);
  const weakening = parseWeakening(request.weakening);
  const added = parseIds(request.addedMemberIds ?? [], 'addedMemberIds');
  const timeLockSeconds = deps.governanceTimeLockSeconds;
  // Configuration, validated at cold start by the composition root: a bad value here is a bug (500).
  if (!Number.isInteger(timeLockSeconds) || timeLockSeconds < 0 || timeLockSeconds > MAX_TIME_LOCK_SECONDS)
    throw new RangeError(`the governance time-lock must be 0 to ${MAX_TIME_LOCK_SECONDS} seconds`);

  const governance = await deps.governance.group();
  if (governance === undefined)
    throw governanceError('NOT_BOOTSTRAPPED', 'governance is not bootstrapped: no change can be approved yet');

  let payload = request.action.payload;
  if (kind === 'SET_GOVERNANCE_GROUP') {
    const next = parseGovernanceGroup(payload, governance.version + 1, 'action.payload');
    payload = {
      members: next.members,
      quorum: next.quorum,
      requirePasskeys: next.requirePasskeys === true,
    };
    const current = new Set(governance.members.map((m) => m.id));
    added.push(...next.members.filter((m) => !current.has(m.id)).map((m) => m.id));
  }

  const at = deps.clock();
  const change: ChangeRequest = {
    id: `chg-${randomBytes(8).toString('hex')}`,
    action: { kind, subject, payload },
    reason,
    proposedBy: principal.id,
    proposedAt: at,
    weakening,
    excludedMemberIds: [...new Set([principal.id, ...added])],
    governance,
    timeLockSeconds,
    expiresAt: new Date(at.getTime() + CHANGE_APPROVAL_WINDOW_SECONDS * 1000),
  };
  const eligible = eligibleApprovers(change).length;
  if (eligible < governance.quorum)
    throw governanceError(
      'QUORUM_UNREACHABLE',
      `only ${eligible} governance members may approve this change (not its proposer, nor members it adds), fewer than the quorum of ${governance.quorum}`,
      { eligible, quorum: governance.quorum },
    );
  // One link secret per member, made here and sent once; only its hash is kept. Every member gets one:
  // an excluded member (the proposer, a newcomer) cannot approve, but may still veto.
  const secrets = new Map(governance.members.map((m) => [m.id, randomBytes(32).toString('base64url')]));
  const secretOf = (id: string): string => secrets.get(id) as string;
  await deps.governance.propose(
    change,
    governance.members.map((m) => ({ memberId: m.id, secretHash: linkSecretHash(secretOf(m.id)) })),
  );
  await recordAudit(deps.audit, {
    traceId: changeTraceId(change.id),
    actor: principal.id,
    action: 'GOVERNANCE_CHANGE_PROPOSED',
    inputs: change,
    result: `${kind} of ${subject}: needs ${governance.quorum} of governance version ${governance.version}`,
    at,
  });
  // After the change and its audit are recorded: a notifier that fails (503) leaves a change that expires
  // unapproved, or that members decide through the API; it never applies one.
  const base = deps.publicBaseUrl();
  await deps.notifier.notifyGovernance({
    changeId: change.id,
    summary: changeSummary(change),
    expiresAt: change.expiresAt,
    timeLockSeconds,
    members: governance.members.map((m) => ({ ...m, link: changeLinkUrl(base, change.id, secretOf(m.id)) })),
  });
  return changeStatusOf(change, [], { claims: [] }, at);
}

function parseKind(value: unknown): ChangeKind {
  if (typeof value === 'string' && (CHANGE_KINDS as readonly string[]).includes(value)) return value as ChangeKind;
  throw new ValidationError(
    'REQUEST.INVALID_FIELD',
    'action.kind',
    `must be one of ${CHANGE_KINDS.join(', ')}, got ${typeof value === 'string' ? `"${value}"` : describe(value)}`,
  );
}

function parseWeakening(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_WEAKENING_REASONS)
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      'weakening',
      `must list 1 to ${MAX_WEAKENING_REASONS} reasons why the change weakens a control`,
    );
  return value.map((reason: unknown, index) => parseChangeReason(reason, `weakening[${index}]`));
}

function parseIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value))
    throw new ValidationError('REQUEST.INVALID_FIELD', field, `must be an array, got ${describe(value)}`);
  return value.map((id: unknown, index) => checkString(id, `${field}[${index}]`, ID_RULE));
}

import { StrongroomError, ValidationError, type ErrorCode } from '../errors';
import { describe } from '../money';
import type { StoredPasskeyEvidence } from '../passkeys/passkey-evidence';
import { parseAssertion } from '../passkeys/parse-assertion';
import {
  checkString,
  expectObject,
  ID_RULE,
  optionalString,
  rejectUnknownFields,
  requireString,
  type StringRule,
} from '../validation';

// Governance (ARCHITECTURE.md §1.9, §9): a change that weakens a control is a change request that
// needs M-of-N approvals of the governance group, then waits out a time-lock during which any member
// may veto, and only then is applied. Everything here is pure: the status of a change is derived from
// its records and the time, never stored, so it cannot disagree with them.

/**
 * The error codes governance raises, by what they mean (each in lambdas/domain/errors.ts). Every
 * governance error also carries `details.governanceCode`, the same code, for clients that read details.
 */
export const GOVERNANCE_ERRORS = {
  /** GOVERNANCE.NOT_BOOTSTRAPPED (409): no governance group has been set yet. */
  NOT_BOOTSTRAPPED: 'GOVERNANCE.NOT_BOOTSTRAPPED',
  /** GOVERNANCE.ALREADY_BOOTSTRAPPED (409): the one-time bootstrap happened already. */
  ALREADY_BOOTSTRAPPED: 'GOVERNANCE.ALREADY_BOOTSTRAPPED',
  /** GOVERNANCE.INVALID_GROUP (400): a governance group body is malformed. */
  INVALID_GROUP: 'GOVERNANCE.INVALID_GROUP',
  /** GOVERNANCE.NOT_A_MEMBER (403): the decider is not in the change's governance group. */
  NOT_A_MEMBER: 'GOVERNANCE.NOT_A_MEMBER',
  /** GOVERNANCE.PROPOSER_CANNOT_APPROVE (403): the proposer never counts for their own change. */
  PROPOSER_CANNOT_APPROVE: 'GOVERNANCE.PROPOSER_CANNOT_APPROVE',
  /** GOVERNANCE.ADDED_MEMBER_CANNOT_APPROVE (403): a member the change adds never counts for it. */
  ADDED_MEMBER_CANNOT_APPROVE: 'GOVERNANCE.ADDED_MEMBER_CANNOT_APPROVE',
  /** GOVERNANCE.DUPLICATE_DECISION (409): this member has decided on this change already. */
  DUPLICATE_DECISION: 'GOVERNANCE.DUPLICATE_DECISION',
  /** GOVERNANCE.QUORUM_REACHED (409): approving a change that is already time-locked. */
  QUORUM_REACHED: 'GOVERNANCE.QUORUM_REACHED',
  /** GOVERNANCE.ALREADY_FINAL (409): the change is applied, being applied, vetoed, expired or failed. */
  ALREADY_FINAL: 'GOVERNANCE.ALREADY_FINAL',
  /** GOVERNANCE.GROUP_CHANGED (409): the governance group changed since the proposal; propose again. */
  GROUP_CHANGED: 'GOVERNANCE.GROUP_CHANGED',
  /** GOVERNANCE.QUORUM_UNREACHABLE (422): too few members may approve this change to reach the quorum. */
  QUORUM_UNREACHABLE: 'GOVERNANCE.QUORUM_UNREACHABLE',
  /** GOVERNANCE.LINK_INVALID (403): a link secret that is none of the change's member links. */
  LINK_INVALID: 'GOVERNANCE.LINK_INVALID',
  /** GOVERNANCE.CHANGE_NOT_FOUND (404): no change request with this id. */
  CHANGE_NOT_FOUND: 'GOVERNANCE.CHANGE_NOT_FOUND',
} as const satisfies Record<string, ErrorCode>;

export type GovernanceErrorReason = keyof typeof GOVERNANCE_ERRORS;

/** A governance refusal: the interim catalogue code, and the intended `GOVERNANCE.<reason>` in details. */
export function governanceError(
  reason: GovernanceErrorReason,
  message: string,
  details: Record<string, unknown> = {},
): StrongroomError {
  return new StrongroomError(GOVERNANCE_ERRORS[reason], message, {
    details: { governanceCode: `GOVERNANCE.${reason}`, ...details },
  });
}

export interface GovernanceMember {
  readonly id: string;
  readonly name: string;
}

export interface GovernanceGroup {
  readonly members: readonly GovernanceMember[];
  readonly quorum: number;
  /** 1 at bootstrap, +1 per applied change of the group. */
  readonly version: number;
  /** The SET_GOVERNANCE_GROUP change that set this version; absent at bootstrap. */
  readonly changeId?: string;
  /** Whether its members decide only with their passkeys (set at bootstrap, or by a change of the group). */
  readonly requirePasskeys?: boolean;
}

/** Kinds of change, each of which weakens some control when applied. */
export const CHANGE_KINDS = [
  'SET_POLICY',
  'UNFREEZE_WALLET',
  'SET_GROUP_MEMBERS',
  'SET_GOVERNANCE_GROUP',
  'ROTATE_KEY',
  'REVOKE_KEY',
  'REMOVE_DENY_LIST_ENTRY',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What a change does when applied. */
export interface ChangeAction {
  readonly kind: ChangeKind;
  /** The wallet or group it applies to, for listing (`governance` for SET_GOVERNANCE_GROUP). */
  readonly subject: string;
  /**
   * Validated by whoever proposes it, except for SET_GOVERNANCE_GROUP, whose payload (`{members,
   * quorum}`) governance parses and applies itself.
   */
  readonly payload: unknown;
}

export const CHANGE_STATUSES = [
  'PENDING_GOVERNANCE',
  'TIME_LOCKED',
  'APPLYING',
  'APPLIED',
  'VETOED',
  'EXPIRED',
  'FAILED',
] as const;
/**
 * PENDING_GOVERNANCE: waiting for approvals. TIME_LOCKED: quorum reached, waiting for `effectiveAt`
 * (vetoable). APPLYING: a sweep has claimed it and is applying it (no longer vetoable); it stays so
 * only if that sweep died, until a later sweep takes it over. The rest are final.
 */
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

/** Statuses after which nobody decides any more. APPLYING counts: the veto window is closed. */
export const CLOSED_CHANGE_STATUSES: ReadonlySet<ChangeStatus> = new Set([
  'APPLYING',
  'APPLIED',
  'VETOED',
  'EXPIRED',
  'FAILED',
]);

/** A proposed change, as recorded once and never changed. */
export interface ChangeRequest {
  readonly id: string;
  readonly action: ChangeAction;
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedAt: Date;
  /** Why it is weakening, as the classification found: shown to the members who decide. */
  readonly weakening: readonly string[];
  /** Who never counts for it: the proposer and every member the change adds. */
  readonly excludedMemberIds: readonly string[];
  /** The governance group at proposal: only its members decide, against its quorum. */
  readonly governance: GovernanceGroup;
  readonly timeLockSeconds: number;
  /** The end of the approvals window: without quorum by then, the change has EXPIRED. */
  readonly expiresAt: Date;
}

export type ChangeDecisionKind = 'approve' | 'veto';

export interface ChangeDecision {
  readonly memberId: string;
  readonly decision: ChangeDecisionKind;
  readonly at: Date;
  readonly reason?: string;
  /** The member's passkey signature over the change's digest for this decision, when one was given. */
  readonly evidence?: StoredPasskeyEvidence;
}

/** A sweep's claim to apply a change; a later claim (attempt + 1) takes over one whose sweep died. */
export interface ApplyClaim {
  readonly attempt: number;
  readonly by: string;
  readonly at: Date;
}

/** What applying a change came to, recorded once. */
export type ChangeOutcome =
  | { readonly status: 'APPLIED'; readonly at: Date; readonly result: string }
  | { readonly status: 'FAILED'; readonly at: Date; readonly failure: string };

/** What happened after the decisions: the claims to apply it, and the one outcome. */
export interface ChangeProgress {
  readonly claims: readonly ApplyClaim[];
  readonly outcome?: ChangeOutcome;
}

export interface ChangeView extends ChangeRequest {
  readonly status: ChangeStatus;
  /** The approvals that count, oldest first. */
  readonly approvals: readonly { readonly memberId: string; readonly at: Date }[];
  readonly vetoedBy?: { readonly memberId: string; readonly at: Date; readonly reason?: string };
  readonly quorumAt?: Date;
  /** quorumAt + timeLockSeconds: from then on a sweep applies it. */
  readonly effectiveAt?: Date;
  /** When the newest claim to apply it was taken, while no outcome is recorded. */
  readonly applyingSince?: Date;
  readonly appliedAt?: Date;
  readonly result?: string;
  readonly failure?: string;
}

export const MAX_GOVERNANCE_MEMBERS = 20;
/** How long a change waits for its quorum. */
export const CHANGE_APPROVAL_WINDOW_SECONDS = 7 * 24 * 3600;
/** The default time-lock (the deployment may set another). */
export const DEFAULT_TIME_LOCK_SECONDS = 24 * 3600;
/** The longest time-lock accepted: it bounds how far back the sweep must look for due changes. */
export const MAX_TIME_LOCK_SECONDS = 30 * 24 * 3600;
/**
 * How long a claim to apply a change holds before another sweep may take it over: a Lambda runs at
 * most 15 minutes, so a claim older than that belongs to a sweep that is gone.
 */
export const APPLY_CLAIM_LEASE_SECONDS = 15 * 60;

const NAME_RULE: StringRule = { maxLength: 128 };
const REASON_RULE: StringRule = { maxLength: 256 };

/**
 * Parses a governance group body `{members: [{id, name}], quorum, requirePasskeys?}` strictly (closed
 * objects; `requirePasskeys` defaults to true). 1–20
 * members with unique ids (the approval groups' id rule), and 1 ≤ quorum ≤ members − 1: the proposer
 * never counts for their own change, so a quorum of all members could pass nothing a member proposes.
 * `path` prefixes the field names (e.g. `action.payload` when the group is a change's payload).
 */
export function parseGovernanceGroup(body: unknown, version: number, path = ''): GovernanceGroup {
  const at = (field: string): string => (path === '' ? field : `${path}.${field}`);
  const raw = expectObject(body, path);
  rejectUnknownFields(raw, ['members', 'quorum', 'requirePasskeys'], path);
  if (raw.requirePasskeys !== undefined && typeof raw.requirePasskeys !== 'boolean')
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      at('requirePasskeys'),
      `must be true or false, got ${describe(raw.requirePasskeys)}`,
    );
  const value = raw.members;
  if (value === undefined) throw new ValidationError('REQUEST.MISSING_FIELD', at('members'), 'is required');
  if (!Array.isArray(value))
    throw new ValidationError('REQUEST.INVALID_FIELD', at('members'), `must be an array, got ${describe(value)}`);
  if (value.length === 0 || value.length > MAX_GOVERNANCE_MEMBERS) {
    throw new ValidationError(
      GOVERNANCE_ERRORS.INVALID_GROUP,
      at('members'),
      `must list 1 to ${MAX_GOVERNANCE_MEMBERS} members, has ${value.length}`,
    );
  }
  const members = value.map((member: unknown, index): GovernanceMember => {
    const memberPath = at(`members[${index}]`);
    const m = expectObject(member, memberPath);
    rejectUnknownFields(m, ['id', 'name'], memberPath);
    return { id: requireString(m, 'id', memberPath, ID_RULE), name: requireString(m, 'name', memberPath, NAME_RULE) };
  });
  const seen = new Set<string>();
  members.forEach((member, index) => {
    if (seen.has(member.id))
      throw new ValidationError(
        GOVERNANCE_ERRORS.INVALID_GROUP,
        at(`members[${index}].id`),
        `"${member.id}" is listed twice`,
      );
    seen.add(member.id);
  });
  if (raw.quorum === undefined) throw new ValidationError('REQUEST.MISSING_FIELD', at('quorum'), 'is required');
  if (typeof raw.quorum !== 'number' || !Number.isInteger(raw.quorum))
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      at('quorum'),
      `must be a whole number, got ${describe(raw.quorum)}`,
    );
  if (members.length === 1)
    throw new ValidationError(
      GOVERNANCE_ERRORS.INVALID_GROUP,
      at('members'),
      'must list at least 2 members: a proposer never approves their own change, so one member could pass nothing',
    );
  if (raw.quorum < 1 || raw.quorum > members.length - 1)
    throw new ValidationError(
      GOVERNANCE_ERRORS.INVALID_GROUP,
      at('quorum'),
      `must be from 1 to ${members.length - 1} (the members less the proposer, who never counts), got ${raw.quorum}`,
    );
  // Passkeys by default, like approval groups: a group decides with plain tokens only when created so.
  return { members, quorum: raw.quorum, version, requirePasskeys: raw.requirePasskeys ?? true };
}

/** Parses a decision body `{decision: "approve" | "veto", reason?}`; the reason is 1–256 printable characters. */
export function parseChangeDecisionBody(body: unknown): {
  decision: ChangeDecisionKind;
  reason?: string;
  /** A WebAuthn assertion (JSON) over the change's digest for this decision; the verifier judges it. */
  assertion?: unknown;
} {
  if (body === undefined)
    throw new ValidationError('REQUEST.MISSING_FIELD', 'decision', 'is required: send {"decision": "approve"}');
  const raw = expectObject(body, 'body');
  rejectUnknownFields(raw, ['decision', 'reason', 'assertion'], '');
  const decision = requireString(raw, 'decision', '', { maxLength: 16 });
  if (decision !== 'approve' && decision !== 'veto')
    throw new ValidationError('REQUEST.INVALID_FIELD', 'decision', `must be "approve" or "veto", got "${decision}"`);
  const reason = optionalString(raw, 'reason', '', REASON_RULE);
  const assertion = parseAssertion(raw.assertion);
  return {
    decision,
    ...(reason === undefined ? {} : { reason }),
    ...(assertion === undefined ? {} : { assertion }),
  };
}

/** A change's reason (1–256 printable characters), for {@link ChangeRequest.reason}. */
export const parseChangeReason = (value: unknown, field = 'reason'): string => checkString(value, field, REASON_RULE);

const addSeconds = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);

/** The members whose approvals count for this change: in its snapshot group and not excluded. */
export function eligibleApprovers(request: ChangeRequest): readonly GovernanceMember[] {
  const excluded = new Set([request.proposedBy, ...request.excludedMemberIds]);
  return request.governance.members.filter((member) => !excluded.has(member.id));
}

/**
 * The state of a change, derived from its records and the time `now`:
 * - an outcome, once recorded, is final (APPLIED or FAILED);
 * - otherwise a veto by a member of the snapshot group stops it (VETOED): the store refuses a veto
 *   once a sweep has claimed the change, so a recorded veto always came first;
 * - otherwise a claim means a sweep is applying it (APPLYING);
 * - otherwise the quorum-th approval, counted in time order among members that may approve and
 *   before `expiresAt`, starts the time-lock (TIME_LOCKED, effectiveAt = quorumAt + timeLockSeconds);
 * - otherwise it waits (PENDING_GOVERNANCE) until `expiresAt`, and then it has EXPIRED.
 * Decisions of non-members, or of the proposer and added members approving, are never counted, so a
 * row written past the use case's checks changes nothing.
 */
export function changeStatusOf(
  request: ChangeRequest,
  decisions: readonly ChangeDecision[],
  progress: ChangeProgress,
  now: Date,
): ChangeView {
  const members = new Set(request.governance.members.map((member) => member.id));
  const eligible = new Set(eligibleApprovers(request).map((member) => member.id));
  const byTime = [...decisions].sort((a, b) => a.at.getTime() - b.at.getTime() || a.memberId.localeCompare(b.memberId));
  const firstOfEach = new Map<string, ChangeDecision>();
  for (const decision of byTime) if (!firstOfEach.has(decision.memberId)) firstOfEach.set(decision.memberId, decision);
  const firsts = [...firstOfEach.values()];
  const approvals = firsts
    .filter((d) => d.decision === 'approve' && eligible.has(d.memberId) && d.at < request.expiresAt)
    .map((d) => ({ memberId: d.memberId, at: d.at }));
  const veto = firsts.find((d) => d.decision === 'veto' && members.has(d.memberId));
  // The quorum-th approval in time order (quorum ≥ 1; a corrupt 0 would find none, and pass nothing).
  const quorumAt = approvals[request.governance.quorum - 1]?.at;
  const effectiveAt = quorumAt === undefined ? undefined : addSeconds(quorumAt, request.timeLockSeconds);
  const vetoedBy =
    veto === undefined
      ? undefined
      : { memberId: veto.memberId, at: veto.at, ...(veto.reason === undefined ? {} : { reason: veto.reason }) };
  const base = {
    ...request,
    approvals,
    ...(quorumAt === undefined ? {} : { quorumAt, effectiveAt }),
    ...(vetoedBy === undefined ? {} : { vetoedBy }),
  };
  const { outcome } = progress;
  if (outcome?.status === 'APPLIED')
    return { ...base, status: 'APPLIED', appliedAt: outcome.at, result: outcome.result };
  if (outcome?.status === 'FAILED') return { ...base, status: 'FAILED', failure: outcome.failure };
  if (vetoedBy !== undefined) return { ...base, status: 'VETOED' };
  const newestClaim = progress.claims.reduce<ApplyClaim | undefined>(
    (newest, claim) => (newest === undefined || claim.attempt > newest.attempt ? claim : newest),
    undefined,
  );
  if (newestClaim !== undefined) return { ...base, status: 'APPLYING', applyingSince: newestClaim.at };
  if (quorumAt !== undefined) return { ...base, status: 'TIME_LOCKED' };
  return { ...base, status: now >= request.expiresAt ? 'EXPIRED' : 'PENDING_GOVERNANCE' };
}

/** Whether a sweep should apply the change now: time-locked and past its effectiveAt. */
export const isChangeDue = (view: ChangeView, now: Date): boolean =>
  view.status === 'TIME_LOCKED' && view.effectiveAt !== undefined && view.effectiveAt <= now;

export interface ChangeDecisionAttempt {
  readonly view: ChangeView;
  readonly memberId: string;
  readonly decision: ChangeDecisionKind;
  /** The version of the governance group now: approvals under a replaced group are refused. */
  readonly currentGovernanceVersion: number;
}

/**
 * Refuses, before anything is written, a decision that is not allowed:
 * - only members of the change's snapshot group decide (403), and each decides once (409): a member
 *   who approved and changes their mind relies on another member's veto;
 * - nothing is decided once the change is closed: applying, applied, vetoed, expired or failed (409);
 * - the proposer and the members the change adds never approve it (403);
 * - approving a time-locked change is refused (409): quorum is reached and another approval would
 *   change nothing; so is approving under a governance group that has since been replaced (409), whose
 *   members are no longer the ones who govern;
 * - a veto is allowed to every member of the snapshot group while the change is pending or
 *   time-locked, the proposer included (withdrawing one's own proposal only keeps the control as it
 *   is) and members the change adds (a veto can only keep a control in place).
 */
export function checkChangeDecisionAllowed(attempt: ChangeDecisionAttempt): void {
  const { view, memberId, decision } = attempt;
  const details = { changeId: view.id, memberId };
  if (!view.governance.members.some((member) => member.id === memberId))
    throw governanceError('NOT_A_MEMBER', `${memberId} is not a member of the governance group of ${view.id}`, details);
  if (CLOSED_CHANGE_STATUSES.has(view.status))
    throw governanceError('ALREADY_FINAL', `change ${view.id} is ${view.status}: nobody decides on it any more`, {
      ...details,
      status: view.status,
    });
  if (view.approvals.some((a) => a.memberId === memberId) || view.vetoedBy?.memberId === memberId)
    throw governanceError('DUPLICATE_DECISION', `${memberId} has decided on ${view.id} already`, details);
  if (decision === 'veto') return;
  if (memberId === view.proposedBy)
    throw governanceError(
      'PROPOSER_CANNOT_APPROVE',
      'the proposer of a change never approves it (they may veto it)',
      details,
    );
  if (view.excludedMemberIds.includes(memberId))
    throw governanceError(
      'ADDED_MEMBER_CANNOT_APPROVE',
      `the change adds ${memberId}, who therefore never approves it`,
      details,
    );
  if (view.status === 'TIME_LOCKED')
    throw governanceError(
      'QUORUM_REACHED',
      `change ${view.id} has its quorum and is time-locked: only a veto is possible`,
      {
        ...details,
        effectiveAt: view.effectiveAt?.toISOString(),
      },
    );
  if (attempt.currentGovernanceVersion !== view.governance.version)
    throw governanceError(
      'GROUP_CHANGED',
      `the governance group changed (version ${view.governance.version} → ${attempt.currentGovernanceVersion}) since ${view.id} was proposed: propose it again`,
      details,
    );
}

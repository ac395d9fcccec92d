import { StrongroomError, ValidationError } from '../../../../lambdas/domain/errors';
import {
  changeStatusOf,
  checkChangeDecisionAllowed,
  GOVERNANCE_ERRORS,
  isChangeDue,
  parseChangeDecisionBody,
  parseGovernanceGroup,
  type ChangeDecision,
  type ChangeDecisionKind,
  type ChangeProgress,
  type ChangeRequest,
  type ChangeView,
  type GovernanceErrorReason,
} from '../../../../lambdas/domain/governance/change-request';

const T0 = Date.UTC(2026, 0, 1);
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const HOUR = 3600;
const WEEK = 7 * 24 * HOUR;

const members = ['alice', 'bob', 'carol', 'dave', 'erin'].map((id) => ({ id, name: id.toUpperCase() }));

/** Proposed by alice at 0; 2 of 5; time-lock 1 h; approvals window one week. */
function change(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: 'chg-1',
    action: { kind: 'UNFREEZE_WALLET', subject: 'w-1', payload: {} },
    reason: 'investigated',
    proposedBy: 'alice',
    proposedAt: at(0),
    weakening: ['unfreeze'],
    excludedMemberIds: ['alice'],
    governance: { members, quorum: 2, version: 1 },
    timeLockSeconds: HOUR,
    expiresAt: at(WEEK),
    ...overrides,
  };
}

const approve = (memberId: string, seconds: number): ChangeDecision => ({
  memberId,
  decision: 'approve',
  at: at(seconds),
});
const veto = (memberId: string, seconds: number, reason?: string): ChangeDecision => ({
  memberId,
  decision: 'veto',
  at: at(seconds),
  ...(reason === undefined ? {} : { reason }),
});
const NOTHING: ChangeProgress = { claims: [] };

function statusOf(decisions: ChangeDecision[], now: number, progress = NOTHING, request = change()): ChangeView {
  return changeStatusOf(request, decisions, progress, at(now));
}

function refusal(fn: () => void): { code: string; governanceCode: unknown } {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof StrongroomError)) throw error;
    return { code: error.code, governanceCode: error.details.governanceCode };
  }
  throw new Error('expected a refusal');
}

const governance = (reason: GovernanceErrorReason) => ({
  code: GOVERNANCE_ERRORS[reason],
  governanceCode: `GOVERNANCE.${reason}`,
});

describe('changeStatusOf', () => {
  it('is PENDING_GOVERNANCE until the quorum-th approval, then TIME_LOCKED until effectiveAt = quorumAt + time-lock', () => {
    expect(statusOf([], 10).status).toBe('PENDING_GOVERNANCE');
    expect(statusOf([approve('bob', 5)], 10).status).toBe('PENDING_GOVERNANCE');
    const locked = statusOf([approve('bob', 5), approve('carol', 8)], 10);
    expect(locked).toMatchObject({ status: 'TIME_LOCKED', quorumAt: at(8), effectiveAt: at(8 + HOUR) });
    expect(locked.approvals).toEqual([
      { memberId: 'bob', at: at(5) },
      { memberId: 'carol', at: at(8) },
    ]);
    expect(isChangeDue(locked, at(8 + HOUR - 1))).toBe(false);
    expect(isChangeDue(statusOf([approve('bob', 5), approve('carol', 8)], 8 + HOUR), at(8 + HOUR))).toBe(true);
  });

  it('never counts the proposer, even when their approval was written past the checks', () => {
    const view = statusOf([approve('alice', 1), approve('bob', 2)], 10);
    expect(view.status).toBe('PENDING_GOVERNANCE');
    expect(view.approvals.map((a) => a.memberId)).toEqual(['bob']);
  });

  it('never counts a member the change adds', () => {
    const request = change({ excludedMemberIds: ['alice', 'carol'] });
    const view = statusOf([approve('carol', 1), approve('bob', 2)], 10, NOTHING, request);
    expect(view.status).toBe('PENDING_GOVERNANCE');
    expect(statusOf([approve('carol', 1), approve('bob', 2), approve('dave', 3)], 10, NOTHING, request)).toMatchObject({
      status: 'TIME_LOCKED',
      quorumAt: at(3),
    });
  });

  it('reaches a quorum with members excluded when enough others approve; non-members never count', () => {
    const request = change({ excludedMemberIds: ['alice', 'bob', 'carol'] });
    expect(statusOf([approve('mallory', 1), approve('dave', 2)], 10, NOTHING, request).status).toBe(
      'PENDING_GOVERNANCE',
    );
    expect(statusOf([approve('dave', 2), approve('erin', 4)], 10, NOTHING, request)).toMatchObject({
      status: 'TIME_LOCKED',
      quorumAt: at(4),
    });
  });

  it('counts only the first decision of a member', () => {
    expect(statusOf([approve('bob', 1), approve('bob', 2)], 10).status).toBe('PENDING_GOVERNANCE');
    expect(statusOf([approve('bob', 1), veto('bob', 2)], 10).status).toBe('PENDING_GOVERNANCE');
  });

  it('is VETOED by a veto while pending, and by one during the time-lock, even past effectiveAt before application', () => {
    expect(statusOf([approve('bob', 1), veto('dave', 2, 'no')], 10)).toMatchObject({
      status: 'VETOED',
      vetoedBy: { memberId: 'dave', at: at(2), reason: 'no' },
    });
    const lockedThenVetoed = [approve('bob', 1), approve('carol', 2), veto('erin', 3 + HOUR)];
    expect(statusOf(lockedThenVetoed, 2 * HOUR)).toMatchObject({ status: 'VETOED', effectiveAt: at(2 + HOUR) });
    expect(isChangeDue(statusOf(lockedThenVetoed, 2 * HOUR), at(2 * HOUR))).toBe(false);
  });

  it('lets the proposer withdraw by a veto; a non-member veto counts for nothing', () => {
    expect(statusOf([veto('alice', 1)], 10).status).toBe('VETOED');
    expect(statusOf([veto('mallory', 1)], 10).status).toBe('PENDING_GOVERNANCE');
  });

  it('is EXPIRED without quorum at expiresAt; approvals after it never count', () => {
    expect(statusOf([approve('bob', 1)], WEEK - 1).status).toBe('PENDING_GOVERNANCE');
    expect(statusOf([approve('bob', 1)], WEEK).status).toBe('EXPIRED');
    expect(statusOf([approve('bob', 1), approve('carol', WEEK)], WEEK + 5).status).toBe('EXPIRED');
  });

  it('stays TIME_LOCKED past expiresAt once the quorum came in time', () => {
    expect(statusOf([approve('bob', 1), approve('carol', WEEK - 1)], WEEK + 10).status).toBe('TIME_LOCKED');
  });

  it('is APPLYING once claimed, then APPLIED or FAILED by the outcome', () => {
    const decisions = [approve('bob', 1), approve('carol', 2)];
    const claim = { attempt: 1, by: 'sweep-a', at: at(2 + HOUR) };
    expect(statusOf(decisions, 2 + HOUR, { claims: [claim] })).toMatchObject({
      status: 'APPLYING',
      applyingSince: at(2 + HOUR),
    });
    expect(
      statusOf(decisions, 3 + HOUR, {
        claims: [claim],
        outcome: { status: 'APPLIED', at: at(3 + HOUR), result: 'unfrozen' },
      }),
    ).toMatchObject({ status: 'APPLIED', appliedAt: at(3 + HOUR), result: 'unfrozen' });
    expect(
      statusOf(decisions, 3 + HOUR, {
        claims: [claim],
        outcome: { status: 'FAILED', at: at(3 + HOUR), failure: 'boom' },
      }),
    ).toMatchObject({ status: 'FAILED', failure: 'boom' });
  });

  it('with a time-lock of 0 is due the moment the quorum is reached', () => {
    const view = statusOf([approve('bob', 1), approve('carol', 2)], 2, NOTHING, change({ timeLockSeconds: 0 }));
    expect(view).toMatchObject({ status: 'TIME_LOCKED', quorumAt: at(2), effectiveAt: at(2) });
    expect(isChangeDue(view, at(2))).toBe(true);
  });
});

describe('checkChangeDecisionAllowed', () => {
  const check = (view: ChangeView, memberId: string, decision: ChangeDecisionKind, currentGovernanceVersion = 1) =>
    refusal(() => checkChangeDecisionAllowed({ view, memberId, decision, currentGovernanceVersion }));
  const allowed = (view: ChangeView, memberId: string, decision: ChangeDecisionKind) =>
    expect(() => checkChangeDecisionAllowed({ view, memberId, decision, currentGovernanceVersion: 1 })).not.toThrow();

  it('lets a member approve or veto a pending change', () => {
    allowed(statusOf([], 1), 'bob', 'approve');
    allowed(statusOf([], 1), 'bob', 'veto');
  });

  it('refuses non-members (403)', () => {
    expect(check(statusOf([], 1), 'mallory', 'approve')).toEqual(governance('NOT_A_MEMBER'));
    expect(check(statusOf([], 1), 'mallory', 'veto')).toEqual(governance('NOT_A_MEMBER'));
  });

  it('refuses the proposer and added members an approval, but lets them veto', () => {
    const view = statusOf([], 1, NOTHING, change({ excludedMemberIds: ['alice', 'carol'] }));
    expect(check(view, 'alice', 'approve')).toEqual(governance('PROPOSER_CANNOT_APPROVE'));
    expect(check(view, 'carol', 'approve')).toEqual(governance('ADDED_MEMBER_CANNOT_APPROVE'));
    allowed(view, 'alice', 'veto');
    allowed(view, 'carol', 'veto');
  });

  it('lets a member decide once', () => {
    expect(check(statusOf([approve('bob', 1)], 2), 'bob', 'approve')).toEqual(governance('DUPLICATE_DECISION'));
    expect(check(statusOf([approve('bob', 1)], 2), 'bob', 'veto')).toEqual(governance('DUPLICATE_DECISION'));
  });

  it('refuses an approval after quorum (409) but allows a veto during the time-lock', () => {
    const locked = statusOf([approve('bob', 1), approve('carol', 2)], 3);
    expect(check(locked, 'dave', 'approve')).toEqual(governance('QUORUM_REACHED'));
    allowed(locked, 'dave', 'veto');
  });

  it('refuses every decision once the change is applying, applied, vetoed, expired or failed', () => {
    const decisions = [approve('bob', 1), approve('carol', 2)];
    const claims = [{ attempt: 1, by: 's', at: at(2 + HOUR) }];
    const views = [
      statusOf(decisions, 2 + HOUR, { claims }),
      statusOf(decisions, 2 + HOUR, { claims, outcome: { status: 'APPLIED', at: at(2 + HOUR), result: 'ok' } }),
      statusOf(decisions, 2 + HOUR, { claims, outcome: { status: 'FAILED', at: at(2 + HOUR), failure: 'x' } }),
      statusOf([veto('bob', 1)], 2),
      statusOf([], WEEK),
    ];
    expect(views.map((v) => v.status)).toEqual(['APPLYING', 'APPLIED', 'FAILED', 'VETOED', 'EXPIRED']);
    for (const view of views) {
      expect(check(view, 'dave', 'veto')).toEqual(governance('ALREADY_FINAL'));
      expect(check(view, 'dave', 'approve')).toEqual(governance('ALREADY_FINAL'));
    }
  });

  it('refuses an approval under a governance group replaced since the proposal; a veto still stops it', () => {
    expect(check(statusOf([], 1), 'bob', 'approve', 2)).toEqual(governance('GROUP_CHANGED'));
    expect(() =>
      checkChangeDecisionAllowed({
        view: statusOf([], 1),
        memberId: 'bob',
        decision: 'veto',
        currentGovernanceVersion: 2,
      }),
    ).not.toThrow();
  });
});

describe('parseGovernanceGroup', () => {
  const two = [
    { id: 'a', name: 'A' },
    { id: 'b', name: 'B' },
  ];
  const fieldOf = (body: unknown): string => {
    try {
      parseGovernanceGroup(body, 1);
    } catch (error) {
      if (error instanceof ValidationError) return `${error.code} ${error.field}`;
      throw error;
    }
    throw new Error('expected a ValidationError');
  };

  it('parses members and a quorum as version 1, deciding with passkeys unless it says otherwise', () => {
    expect(parseGovernanceGroup({ members: two, quorum: 1 }, 1)).toEqual({
      members: two,
      quorum: 1,
      version: 1,
      requirePasskeys: true,
    });
    expect(parseGovernanceGroup({ members: two, quorum: 1, requirePasskeys: false }, 1)).toMatchObject({
      requirePasskeys: false,
    });
  });

  it('names the field of every refusal', () => {
    expect(fieldOf(null)).toBe('REQUEST.INVALID_BODY ');
    expect(fieldOf({ members: two, quorum: 1, extra: 1 })).toBe('REQUEST.UNKNOWN_FIELD extra');
    expect(fieldOf({ quorum: 1 })).toBe('REQUEST.MISSING_FIELD members');
    expect(fieldOf({ members: 'a', quorum: 1 })).toBe('REQUEST.INVALID_FIELD members');
    expect(fieldOf({ members: [], quorum: 1 })).toBe(`${GOVERNANCE_ERRORS.INVALID_GROUP} members`);
    const many = Array.from({ length: 21 }, (_, i) => ({ id: `m${i}`, name: `M${i}` }));
    expect(fieldOf({ members: many, quorum: 1 })).toBe(`${GOVERNANCE_ERRORS.INVALID_GROUP} members`);
    expect(fieldOf({ members: [{ id: 'a', name: 'A' }], quorum: 1 })).toBe(
      `${GOVERNANCE_ERRORS.INVALID_GROUP} members`,
    );
    expect(fieldOf({ members: [...two, { id: 'a', name: 'again' }], quorum: 1 })).toBe(
      `${GOVERNANCE_ERRORS.INVALID_GROUP} members[2].id`,
    );
    expect(fieldOf({ members: [{ id: 'a b', name: 'A' }, two[1]], quorum: 1 })).toBe(
      'REQUEST.INVALID_FIELD members[0].id',
    );
    expect(fieldOf({ members: [{ id: 'a' }, two[1]], quorum: 1 })).toBe('REQUEST.MISSING_FIELD members[0].name');
    expect(fieldOf({ members: [{ id: 'a', name: 'A', role: 'x' }, two[1]], quorum: 1 })).toBe(
      'REQUEST.UNKNOWN_FIELD members[0].role',
    );
    expect(fieldOf({ members: two })).toBe('REQUEST.MISSING_FIELD quorum');
    expect(fieldOf({ members: two, quorum: '1' })).toBe('REQUEST.INVALID_FIELD quorum');
    expect(fieldOf({ members: two, quorum: 1.5 })).toBe('REQUEST.INVALID_FIELD quorum');
    expect(fieldOf({ members: two, quorum: 0 })).toBe(`${GOVERNANCE_ERRORS.INVALID_GROUP} quorum`);
    // Every member may propose, and a proposer never counts: all of them is unreachable.
    expect(fieldOf({ members: two, quorum: 2 })).toBe(`${GOVERNANCE_ERRORS.INVALID_GROUP} quorum`);
  });

  it('prefixes the fields of a payload', () => {
    try {
      parseGovernanceGroup({ members: two, quorum: 5 }, 2, 'action.payload');
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as ValidationError).field).toBe('action.payload.quorum');
    }
  });
});

describe('parseChangeDecisionBody', () => {
  it('takes approve or veto with an optional reason, naming the field it refuses', () => {
    expect(parseChangeDecisionBody({ decision: 'approve' })).toEqual({ decision: 'approve' });
    expect(parseChangeDecisionBody({ decision: 'veto', reason: 'too soon' })).toEqual({
      decision: 'veto',
      reason: 'too soon',
    });
    const field = (body: unknown) => {
      try {
        parseChangeDecisionBody(body);
      } catch (error) {
        return (error as ValidationError).field;
      }
      return 'accepted';
    };
    expect(field(undefined)).toBe('decision');
    expect(field({ decision: 'maybe' })).toBe('decision');
    expect(field({ decision: 1 })).toBe('decision');
    expect(field({ decision: 'veto', reason: '' })).toBe('reason');
    expect(field({ decision: 'veto', why: 'x' })).toBe('why');
  });
});

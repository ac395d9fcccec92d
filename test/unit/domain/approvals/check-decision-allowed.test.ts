import {
  checkDecisionAllowed,
  type CheckDecisionAllowedParams,
} from '../../../../lambdas/domain/approvals/check-decision-allowed';
import { ApprovalError } from '../../../../lambdas/domain/errors';
import { EXPIRES_AT, GROUPS, at, decide, request } from './approval-fixtures';

function check(overrides: Partial<CheckDecisionAllowedParams>): void {
  checkDecisionAllowed({
    request: request(),
    groups: GROUPS,
    existingDecisions: [],
    approverId: 'alice',
    now: at(10),
    resolved: false,
    ...overrides,
  });
}

function refusalCode(overrides: Partial<CheckDecisionAllowedParams>): string {
  try {
    check(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ApprovalError);
    expect((error as ApprovalError).details).toMatchObject({ requestId: 'apr-1' });
    return (error as ApprovalError).code;
  }
  throw new Error('expected the decision to be refused');
}

describe('checkDecisionAllowed', () => {
  it('allows a member’s first decision on a pending request', () => {
    expect(() => check({ existingDecisions: [decide('bob', 'approve', 1)] })).not.toThrow();
  });

  it.each<[string, Partial<CheckDecisionAllowedParams>, string]>([
    ['the initiator', { approverId: 'ivan' }, 'APPROVAL.INITIATOR_CANNOT_APPROVE'],
    ['someone in no required group', { approverId: 'erin' }, 'APPROVAL.NOT_A_MEMBER'],
    [
      'a second decision by the same approver',
      { existingDecisions: [decide('alice', 'approve', 1)] },
      'APPROVAL.DUPLICATE_DECISION',
    ],
    ['a request with a recorded resolution', { resolved: true }, 'APPROVAL.ALREADY_RESOLVED'],
    [
      'a request the decisions already approved',
      { approverId: 'carol', existingDecisions: [decide('alice', 'approve', 1), decide('bob', 'approve', 2)] },
      'APPROVAL.ALREADY_RESOLVED',
    ],
    [
      'a request the decisions already rejected',
      { existingDecisions: [decide('bob', 'reject', 1)] },
      'APPROVAL.ALREADY_RESOLVED',
    ],
    ['a request at its expiry instant', { now: EXPIRES_AT }, 'APPROVAL.EXPIRED'],
    ['an expired request, even with its expiry recorded', { now: at(61), resolved: true }, 'APPROVAL.EXPIRED'],
  ])('refuses %s', (_name, overrides, code) => {
    expect(refusalCode(overrides)).toBe(code);
  });

  it('says a request approved in time is resolved, not expired, after its expiry', () => {
    const existingDecisions = [decide('alice', 'approve', 1), decide('bob', 'approve', 2)];
    expect(refusalCode({ approverId: 'carol', existingDecisions, now: at(90), resolved: true })).toBe(
      'APPROVAL.ALREADY_RESOLVED',
    );
  });
});

import type { ApprovalRequirement } from '../../../../lambdas/domain/approvals/approval-request';
import { validateRequirement } from '../../../../lambdas/domain/approvals/validate-requirement';
import { ApprovalError } from '../../../../lambdas/domain/errors';
import { GROUPS, TWO_OF_TREASURY } from './approval-fixtures';

function refusal(requirement: ApprovalRequirement, initiatorId = 'ivan'): ApprovalError {
  try {
    validateRequirement(requirement, GROUPS, initiatorId);
  } catch (error) {
    expect(error).toBeInstanceOf(ApprovalError);
    return error as ApprovalError;
  }
  throw new Error('expected the requirement to be refused');
}

const requirement = (quorum: number, groups: [string, number][]): ApprovalRequirement => ({
  quorum,
  groups: groups.map(([group, q]) => ({ group, quorum: q })),
  timeoutSeconds: 3600,
});

describe('validateRequirement', () => {
  it('accepts quorums the members other than the initiator can reach', () => {
    expect(() => validateRequirement(TWO_OF_TREASURY, GROUPS, 'ivan')).not.toThrow();
    // treasury has 4 members besides ivan; 4 + erin + frank = 6 distinct people in all.
    expect(() =>
      validateRequirement(
        requirement(6, [
          ['treasury', 4],
          ['risk', 3],
        ]),
        GROUPS,
        'ivan',
      ),
    ).not.toThrow();
  });

  it('refuses a group quorum that only the initiator’s vote would reach', () => {
    const error = refusal(requirement(1, [['treasury', 5]]));
    expect(error.code).toBe('APPROVAL.QUORUM_UNREACHABLE');
    expect(error.details).toEqual({ group: 'treasury', quorum: 5, eligible: 4 });
    // Someone outside the group initiating leaves all five eligible.
    expect(() => validateRequirement(requirement(1, [['treasury', 5]]), GROUPS, 'mallory')).not.toThrow();
  });

  it('refuses an overall quorum larger than the distinct eligible approvers', () => {
    const error = refusal(requirement(3, [['risk', 1]]), 'alice');
    expect(error.code).toBe('APPROVAL.QUORUM_UNREACHABLE');
    expect(error.details).toEqual({ quorum: 3, eligible: 2 });
  });

  it('refuses a group that does not exist', () => {
    const error = refusal(
      requirement(1, [
        ['treasury', 1],
        ['compliance', 1],
      ]),
    );
    expect(error.code).toBe('APPROVAL.QUORUM_UNREACHABLE');
    expect(error.details).toEqual({ group: 'compliance' });
  });

  it.each<[string, ApprovalRequirement, string]>([
    ['no groups', requirement(1, []), 'groups'],
    ['an overall quorum of 0', requirement(0, [['treasury', 1]]), 'quorum'],
    ['a fractional group quorum', requirement(1, [['treasury', 1.5]]), 'groups[0].quorum'],
    [
      'a group named twice',
      requirement(2, [
        ['treasury', 1],
        ['treasury', 1],
      ]),
      'groups[1].group',
    ],
    ['a timeout of 0', { ...TWO_OF_TREASURY, timeoutSeconds: 0 }, 'timeoutSeconds'],
  ])('refuses a malformed requirement: %s', (_name, malformed, field) => {
    const error = refusal(malformed);
    expect(error.code).toBe('APPROVAL.INVALID_REQUIREMENT');
    expect(error.details.field).toBe(field);
  });
});

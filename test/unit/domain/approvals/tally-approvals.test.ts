import fc from 'fast-check';
import type { ApprovalDecision, ApprovalRequirement } from '../../../../lambdas/domain/approvals/approval-request';
import { tallyApprovals, type TallyApprovalsParams } from '../../../../lambdas/domain/approvals/tally-approvals';
import { EXPIRES_AT, GROUPS, at, decide, request } from './approval-fixtures';

const tally = (decisions: ApprovalDecision[], extra: Partial<TallyApprovalsParams> = {}) =>
  tallyApprovals({ request: request(extra.request?.requirement), groups: GROUPS, decisions, now: at(30), ...extra });

const BOTH_GROUPS: ApprovalRequirement = {
  quorum: 3,
  groups: [
    { group: 'treasury', quorum: 2 },
    { group: 'risk', quorum: 1 },
  ],
  timeoutSeconds: 3600,
};

describe('tallyApprovals', () => {
  it('is PENDING with fewer approvals than the quorum', () => {
    const result = tally([decide('alice', 'approve', 1)]);
    expect(result).toEqual({
      outcome: 'PENDING',
      approvals: [{ group: 'treasury', approverIds: ['alice'] }],
      ignored: [],
    });
  });

  it('approves when M of N distinct members approve, at the decision that reached quorum', () => {
    const result = tally([decide('bob', 'approve', 5), decide('alice', 'approve', 1)]);
    expect(result.outcome).toBe('APPROVED');
    expect(result.decidedAt).toEqual(at(5));
    expect(result.approvals).toEqual([{ group: 'treasury', approverIds: ['alice', 'bob'] }]);
  });

  it('counts an approver once', () => {
    const result = tally([decide('alice', 'approve', 1), decide('alice', 'approve', 2)]);
    expect(result.outcome).toBe('PENDING');
    expect(result.ignored).toEqual([{ approverId: 'alice', reason: 'duplicate' }]);
  });

  it('never counts the initiator, even as a member', () => {
    const result = tally([decide('ivan', 'approve', 1), decide('alice', 'approve', 2)]);
    expect(result.outcome).toBe('PENDING');
    expect(result.ignored).toEqual([{ approverId: 'ivan', reason: 'initiator' }]);
  });

  it('ignores the initiator’s reject too', () => {
    expect(tally([decide('ivan', 'reject', 1)]).outcome).toBe('PENDING');
  });

  it('ignores someone who is in none of the required groups', () => {
    const result = tally([decide('erin', 'approve', 1), decide('mallory', 'reject', 2), decide('alice', 'approve', 3)]);
    expect(result.outcome).toBe('PENDING');
    expect(result.ignored).toEqual([
      { approverId: 'erin', reason: 'not-a-member' },
      { approverId: 'mallory', reason: 'not-a-member' },
    ]);
  });

  it('ignores a decision on another request', () => {
    const result = tally([{ ...decide('alice', 'reject', 1), requestId: 'apr-2' }]);
    expect(result.outcome).toBe('PENDING');
    expect(result.ignored).toEqual([{ approverId: 'alice', reason: 'other-request' }]);
  });

  it('lets the first counting reject decide, whatever approvals come later', () => {
    const result = tally([
      decide('alice', 'approve', 1),
      decide('bob', 'reject', 2),
      decide('carol', 'approve', 3),
      decide('dave', 'approve', 4),
    ]);
    expect(result.outcome).toBe('REJECTED');
    expect(result.rejectedBy).toBe('bob');
    expect(result.decidedAt).toEqual(at(2));
    expect(result.approvals).toEqual([{ group: 'treasury', approverIds: ['alice'] }]);
    expect(result.ignored).toEqual([
      { approverId: 'carol', reason: 'resolved' },
      { approverId: 'dave', reason: 'resolved' },
    ]);
  });

  it('does not let a reject after quorum undo the approval', () => {
    const result = tally([decide('alice', 'approve', 1), decide('bob', 'approve', 2), decide('carol', 'reject', 3)]);
    expect(result.outcome).toBe('APPROVED');
    expect(result.rejectedBy).toBeUndefined();
    expect(result.ignored).toEqual([{ approverId: 'carol', reason: 'resolved' }]);
  });

  it('does not let an approver change their mind: their first decision counts', () => {
    expect(tally([decide('alice', 'approve', 1), decide('alice', 'reject', 2)]).outcome).toBe('PENDING');
  });

  describe('expiry', () => {
    it('is still PENDING one millisecond before expiresAt', () => {
      expect(tally([], { now: new Date(EXPIRES_AT.getTime() - 1) }).outcome).toBe('PENDING');
    });

    it('is EXPIRED at expiresAt exactly, decided at expiresAt', () => {
      const result = tally([decide('alice', 'approve', 1)], { now: EXPIRES_AT });
      expect(result.outcome).toBe('EXPIRED');
      expect(result.decidedAt).toEqual(EXPIRES_AT);
      expect(result.approvals).toEqual([{ group: 'treasury', approverIds: ['alice'] }]);
    });

    it('ignores decisions at or after expiresAt, even ones that would reach quorum', () => {
      const result = tally(
        [decide('alice', 'approve', 1), decide('bob', 'approve', 60), decide('carol', 'reject', 61)],
        { now: at(90) },
      );
      expect(result.outcome).toBe('EXPIRED');
      expect(result.ignored).toEqual([
        { approverId: 'bob', reason: 'late' },
        { approverId: 'carol', reason: 'late' },
      ]);
    });

    it('keeps an approval reached before expiry', () => {
      expect(tally([decide('alice', 'approve', 1), decide('bob', 'approve', 59)], { now: at(90) }).outcome).toBe(
        'APPROVED',
      );
    });
  });

  describe('cancellation', () => {
    it('cancels a pending request and ignores later decisions', () => {
      const result = tally([decide('alice', 'approve', 1), decide('bob', 'approve', 10)], { cancelledAt: at(10) });
      expect(result.outcome).toBe('CANCELLED');
      expect(result.decidedAt).toEqual(at(10));
      expect(result.ignored).toEqual([{ approverId: 'bob', reason: 'cancelled' }]);
    });

    it('does not undo an approval reached before it', () => {
      expect(tally([decide('alice', 'approve', 1), decide('bob', 'approve', 2)], { cancelledAt: at(3) }).outcome).toBe(
        'APPROVED',
      );
    });

    it('does not undo a rejection reached before it', () => {
      expect(tally([decide('alice', 'reject', 1)], { cancelledAt: at(3) }).outcome).toBe('REJECTED');
    });

    it('comes too late after the expiry', () => {
      expect(tally([], { cancelledAt: at(61), now: at(62) }).outcome).toBe('EXPIRED');
    });
  });

  describe('two groups', () => {
    const both = (decisions: ApprovalDecision[]) => tally(decisions, { request: request(BOTH_GROUPS) });

    it('waits until each group reaches its own quorum', () => {
      expect(
        both([decide('bob', 'approve', 1), decide('carol', 'approve', 2), decide('dave', 'approve', 3)]).outcome,
      ).toBe('PENDING');
      expect(
        both([decide('bob', 'approve', 1), decide('carol', 'approve', 2), decide('erin', 'approve', 3)]).outcome,
      ).toBe('APPROVED');
    });

    it('counts a member of both groups in each, but once towards the overall quorum', () => {
      const result = both([decide('alice', 'approve', 1), decide('bob', 'approve', 2)]);
      expect(result.approvals).toEqual([
        { group: 'treasury', approverIds: ['alice', 'bob'] },
        { group: 'risk', approverIds: ['alice'] },
      ]);
      expect(result.outcome).toBe('PENDING'); // both groups are at quorum, but only 2 people of the 3 needed approved
      expect(
        both([decide('alice', 'approve', 1), decide('bob', 'approve', 2), decide('carol', 'approve', 3)]).outcome,
      ).toBe('APPROVED');
    });

    it('is rejected by a counting reject from either group', () => {
      expect(both([decide('bob', 'approve', 1), decide('frank', 'reject', 2)]).rejectedBy).toBe('frank');
    });
  });
});

describe('property: APPROVED only with every quorum met by distinct members before any counting reject and before expiry', () => {
  const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'ivan', 'mallory'];
  const decision: fc.Arbitrary<ApprovalDecision> = fc.record({
    requestId: fc.constantFrom('apr-1', 'apr-1', 'apr-1', 'apr-2'),
    approverId: fc.constantFrom(...people),
    decision: fc.constantFrom<'approve' | 'reject'>('approve', 'approve', 'approve', 'reject'),
    at: fc.integer({ min: 0, max: 70 }).map(at),
  });
  const requirement: fc.Arbitrary<ApprovalRequirement> = fc.oneof(
    fc.record({
      quorum: fc.integer({ min: 1, max: 4 }),
      groups: fc.constant([{ group: 'treasury', quorum: 2 }]),
      timeoutSeconds: fc.constant(3600),
    }),
    fc.record({
      quorum: fc.integer({ min: 1, max: 5 }),
      groups: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })).map(([t, r]) => [
        { group: 'treasury', quorum: t },
        { group: 'risk', quorum: r },
      ]),
      timeoutSeconds: fc.constant(3600),
    }),
  );

  /** An independent, deliberately naive reading of the rule, over the decisions in time order. */
  function approvedByTheBook(req: ApprovalRequirement, decisions: readonly ApprovalDecision[]): boolean {
    const sorted = [...decisions].sort((a, b) => a.at.getTime() - b.at.getTime());
    const seen = new Set<string>();
    const approvers: string[] = [];
    for (const d of sorted) {
      const member = req.groups.some(({ group }) => GROUPS.get(group)!.members.some((m) => m.id === d.approverId));
      if (d.requestId !== 'apr-1' || d.at >= EXPIRES_AT || d.approverId === 'ivan' || !member || seen.has(d.approverId))
        continue;
      seen.add(d.approverId);
      if (d.decision === 'reject') return false;
      approvers.push(d.approverId);
      const inGroup = (group: string) =>
        approvers.filter((a) => GROUPS.get(group)!.members.some((m) => m.id === a)).length;
      if (req.groups.every(({ group, quorum }) => inGroup(group) >= quorum) && approvers.length >= req.quorum)
        return true;
    }
    return false;
  }

  it('holds for random decision sequences', () => {
    fc.assert(
      fc.property(
        requirement,
        fc.array(decision, { maxLength: 25 }),
        fc.integer({ min: 0, max: 90 }),
        (req, decisions, minutes) => {
          const result = tallyApprovals({ request: request(req), groups: GROUPS, decisions, now: at(minutes) });
          expect(result.outcome === 'APPROVED').toBe(approvedByTheBook(req, decisions));
          if (result.outcome === 'APPROVED') {
            for (const { group, approverIds } of result.approvals) {
              expect(new Set(approverIds).size).toBe(approverIds.length);
              expect(approverIds).not.toContain('ivan');
              expect(approverIds.length).toBeGreaterThanOrEqual(req.groups.find((g) => g.group === group)!.quorum);
            }
            expect(result.decidedAt!.getTime()).toBeLessThan(EXPIRES_AT.getTime());
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { escalate } from '../../../../lambdas/domain/policy/escalate';
import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import type { Severity, Violation } from '../../../../lambdas/domain/policy/policy';
import { ALICE, MIXER, allow, approval, block, input, nativeTransfer, policy } from './policy-fixtures';

const APPROVER = { quorum: 2, approverGroup: 'risk', timeoutSeconds: 1800 };
const PER_TX = { perAsset: { native: { perTransaction: '100' } }, approval: APPROVER };
const OFFICE_HOURS = { allowedHours: { start: 9, end: 17 } };
const EVENING = new Date('2024-06-05T20:00:00Z');

const large = (overrides = {}) => input(nativeTransfer(ALICE, 101n), overrides);

describe('escalation by severity (defaults)', () => {
  it('low → NOTIFY: the transfer is blocked and the owner notified', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('all')], limits: OFFICE_HOURS }),
      input(nativeTransfer(ALICE, 1n), { now: EVENING }),
    );
    expect(decision).toMatchObject({
      action: 'BLOCK',
      decidingRuleIds: [],
      escalations: [{ type: 'NOTIFY', reason: 'OUTSIDE_ALLOWED_HOURS' }],
      reason: 'blocked by limits (OUTSIDE_ALLOWED_HOURS)',
    });
  });

  it('medium → REQUIRE_APPROVAL: an allowed transfer needs the limits approver', () => {
    const decision = evaluatePolicy(policy({ rules: [allow('all')], limits: PER_TX }), large());
    expect(decision).toMatchObject({
      action: 'REQUIRE_APPROVAL',
      matchedRuleIds: ['all'],
      decidingRuleIds: [],
      approval: { quorum: 2, groups: [{ group: 'risk', quorum: 2 }], timeoutSeconds: 1800 },
      escalations: [],
      reason: 'approval required by limits (PER_TRANSACTION_LIMIT)',
    });
  });

  it.each([
    ['high', 'FREEZE'],
    ['critical', 'LOCKDOWN'],
    ['low', 'NOTIFY'],
  ] as const)('%s → %s', (severity: Severity, type) => {
    const violation: Violation = { code: 'COOLDOWN', severity, message: 'test', details: {} };
    expect(escalate([violation], [], { limits: { approval: APPROVER } })).toEqual({
      action: 'BLOCK',
      causes: ['COOLDOWN'],
      approvals: [],
      escalations: [{ type, reason: 'COOLDOWN' }],
    });
  });

  it('medium → REQUIRE_APPROVAL, with no side effect', () => {
    const violation: Violation = { code: 'DAILY_LIMIT', severity: 'medium', message: 'test', details: {} };
    expect(escalate([violation], [], { limits: { approval: APPROVER } })).toEqual({
      action: 'REQUIRE_APPROVAL',
      causes: ['DAILY_LIMIT'],
      approvals: [APPROVER],
      escalations: [],
    });
  });

  it('severity none escalates nothing', () => {
    const violation: Violation = { code: 'NO_MATCHING_RULE', severity: 'none', message: 'test', details: {} };
    expect(escalate([violation], [], { limits: { approval: APPROVER } })).toEqual({
      action: 'ALLOW',
      causes: [],
      approvals: [],
      escalations: [],
    });
  });
});

describe('escalation overrides and combinations', () => {
  it('a policy can override a severity', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('all')], limits: PER_TX, escalation: { medium: 'FREEZE' } }),
      large(),
    );
    expect(decision).toMatchObject({
      action: 'BLOCK',
      escalations: [{ type: 'FREEZE', reason: 'PER_TRANSACTION_LIMIT' }],
    });
    expect(decision.approval).toBeUndefined();
  });

  it('an override can turn a low violation into an approval', () => {
    const limits = { ...OFFICE_HOURS, approval: APPROVER };
    const decision = evaluatePolicy(
      policy({ rules: [allow('all')], limits, escalation: { low: 'REQUIRE_APPROVAL' } }),
      input(nativeTransfer(ALICE, 1n), { now: EVENING }),
    );
    expect(decision).toMatchObject({ action: 'REQUIRE_APPROVAL', escalations: [] });
  });

  it('an approval escalation combines with an approval rule', () => {
    const decision = evaluatePolicy(
      policy({ rules: [approval('review', 1, 'treasury', 600)], limits: PER_TX }),
      large(),
    );
    expect(decision).toMatchObject({
      action: 'REQUIRE_APPROVAL',
      decidingRuleIds: ['review'],
      approval: {
        quorum: 2,
        groups: [
          { group: 'treasury', quorum: 1 },
          { group: 'risk', quorum: 2 },
        ],
        timeoutSeconds: 600,
      },
      reason: 'approval required by rule review and limits (PER_TRANSACTION_LIMIT)',
    });
  });

  it('an approval escalation never relaxes a BLOCK', () => {
    const decision = evaluatePolicy(policy({ rules: [block('none')], limits: PER_TX }), large());
    expect(decision).toMatchObject({ action: 'BLOCK', decidingRuleIds: ['none'] });
    expect(decision.approval).toBeUndefined();
  });

  it('a NOTIFY alongside an approval blocks: a further violation never relaxes a decision', () => {
    const limits = { ...PER_TX, ...OFFICE_HOURS };
    const decision = evaluatePolicy(policy({ rules: [allow('all')], limits }), large({ now: EVENING }));
    expect(decision).toMatchObject({
      action: 'BLOCK',
      escalations: [{ type: 'NOTIFY', reason: 'OUTSIDE_ALLOWED_HOURS' }],
    });
  });

  it('a BLOCK rule with escalate adds its escalation', () => {
    const rules = [
      allow('all'),
      block('deny-mixer', { counterparty: { type: 'denylist', addresses: [MIXER] } }, { escalate: 'FREEZE' }),
    ];
    const decision = evaluatePolicy(policy({ rules }), input(nativeTransfer(MIXER, 1n)));
    expect(decision).toMatchObject({
      action: 'BLOCK',
      escalations: [{ type: 'FREEZE', reason: 'rule:deny-mixer' }],
      reason: 'blocked by rule deny-mixer',
    });
  });

  it('lists escalations LOCKDOWN first, then FREEZE, then NOTIFY', () => {
    const rules = [
      block('deny-mixer', { counterparty: { type: 'denylist', addresses: [MIXER] } }, { escalate: 'FREEZE' }),
    ];
    const limits = { ...PER_TX, ...OFFICE_HOURS };
    const decision = evaluatePolicy(
      policy({ rules, limits, escalation: { medium: 'LOCKDOWN' } }),
      input(nativeTransfer(MIXER, 101n), { now: EVENING }),
    );
    expect(decision.escalations).toEqual([
      { type: 'LOCKDOWN', reason: 'PER_TRANSACTION_LIMIT' },
      { type: 'FREEZE', reason: 'rule:deny-mixer' },
      { type: 'NOTIFY', reason: 'OUTSIDE_ALLOWED_HOURS' },
    ]);
  });

  it('escalates limit violations even when no rule matches', () => {
    const decision = evaluatePolicy(policy({ rules: [], limits: PER_TX, escalation: { medium: 'FREEZE' } }), large());
    expect(decision.violations.map((v) => v.code)).toEqual(['NO_MATCHING_RULE', 'PER_TRANSACTION_LIMIT']);
    expect(decision.escalations).toEqual([{ type: 'FREEZE', reason: 'PER_TRANSACTION_LIMIT' }]);
    expect(decision.reason).toBe('no rule matches: denied by default');
  });

  it('a hand-built policy without an approver blocks instead of asking nobody', () => {
    const parsed = policy({ rules: [allow('all')], limits: PER_TX });
    const decision = evaluatePolicy({ ...parsed, limits: { perAsset: parsed.limits.perAsset } }, large());
    expect(decision.action).toBe('BLOCK');
  });
});

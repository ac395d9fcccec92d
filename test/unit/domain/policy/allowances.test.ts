import { MAX_UINT256 } from '../../../../lambdas/domain/money';
import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import { UNLIMITED_ALLOWANCE_MIN, type EvaluationInput } from '../../../../lambdas/domain/policy/policy';
import {
  ALICE,
  MIXER,
  NOON,
  OTHER_TOKEN,
  SPENDER,
  TOKEN,
  VAULT,
  WALLET,
  allow,
  approval,
  block,
  erc20Approve,
  erc20IncreaseAllowance,
  erc20Permit,
  input,
  policy,
  tokenTransfer,
} from './policy-fixtures';

const APPROVER = { quorum: 1, approverGroup: 'risk', timeoutSeconds: 3600 };

/** An ALLOW rule over approvals with this allowance criterion. */
const allowance = (id: string, criterion: object, extra: object = {}) =>
  allow(id, { operations: ['approve'], allowance: criterion, ...extra });

const approveSpender = allow('approve-spender', {
  operations: ['approve'],
  counterparty: { type: 'allowlist', addresses: [SPENDER] },
});

const decide = (rules: object[], evaluation: EvaluationInput, limits: object = {}) =>
  evaluatePolicy(policy({ rules, limits: { approval: APPROVER, ...limits } }), evaluation);

const usage = (daily: bigint) => ({ daily, weekly: daily, monthly: daily });

const codes = (decision: { violations: readonly { code: string }[] }) => decision.violations.map((v) => v.code);

describe('unlimited allowances (2^255 or more)', () => {
  it('are blocked by default, even when a generic approve rule matches, naming spender and asset', () => {
    const decision = decide([approveSpender], input(erc20Approve(SPENDER, MAX_UINT256)));
    expect(decision).toMatchObject({
      action: 'BLOCK',
      matchedRuleIds: ['approve-spender'],
      decidingRuleIds: [],
      escalations: [],
      reason: `blocked by an unlimited allowance of ${TOKEN} to ${SPENDER} that no rule allows`,
    });
    expect(decision.violations).toEqual([
      {
        code: 'UNLIMITED_ALLOWANCE',
        severity: 'none',
        message: expect.stringContaining(SPENDER),
        details: { asset: TOKEN, spender: SPENDER, allowance: MAX_UINT256.toString() },
      },
    ]);
    expect(decision.violations[0]?.message).toContain(TOKEN);
  });

  it('start at exactly 2^255: one base unit less is a limited allowance', () => {
    expect(decide([approveSpender], input(erc20Approve(SPENDER, UNLIMITED_ALLOWANCE_MIN))).action).toBe('BLOCK');
    expect(decide([approveSpender], input(erc20Approve(SPENDER, UNLIMITED_ALLOWANCE_MIN - 1n))).action).toBe('ALLOW');
  });

  it('are blocked through increaseAllowance too', () => {
    const decision = decide([approveSpender], input(erc20IncreaseAllowance(SPENDER, MAX_UINT256)));
    expect(decision.action).toBe('BLOCK');
    expect(codes(decision)).toEqual(['UNLIMITED_ALLOWANCE']);
  });

  it('are blocked, not escalated, whatever the escalation map says', () => {
    const decision = evaluatePolicy(
      policy({ rules: [approveSpender], escalation: { low: 'REQUIRE_APPROVAL', medium: 'REQUIRE_APPROVAL' } }),
      input(erc20Approve(SPENDER, MAX_UINT256)),
    );
    expect(decision.action).toBe('BLOCK');
    expect(decision.approval).toBeUndefined();
  });

  it('are allowed for the spender a rule names with unlimited: true', () => {
    const rules = [allowance('router-unlimited', { spenders: [SPENDER], unlimited: true })];
    expect(decide(rules, input(erc20Approve(SPENDER, MAX_UINT256)))).toMatchObject({
      action: 'ALLOW',
      decidingRuleIds: ['router-unlimited'],
      violations: [],
    });
    expect(decide(rules, input(erc20IncreaseAllowance(SPENDER, MAX_UINT256))).action).toBe('ALLOW');
  });

  it('stay blocked for every other spender', () => {
    const rules = [allowance('router-unlimited', { spenders: [SPENDER], unlimited: true }), approveSpender];
    const decision = decide(rules, input(erc20Approve(MIXER, MAX_UINT256)));
    expect(decision.action).toBe('BLOCK');
    expect(codes(decision)).toEqual(['NO_MATCHING_RULE', 'UNLIMITED_ALLOWANCE']);
    expect(decision.violations[1]?.details).toMatchObject({ spender: MIXER });
  });

  it('are not allowed by a rule that names the spender without unlimited: true', () => {
    const rules = [allowance('router', { spenders: [SPENDER] }), approveSpender];
    const decision = decide(rules, input(erc20Approve(SPENDER, MAX_UINT256)));
    expect(decision).toMatchObject({ action: 'BLOCK', matchedRuleIds: ['approve-spender'] });
    expect(codes(decision)).toEqual(['UNLIMITED_ALLOWANCE']);
  });

  it('under a REQUIRE_APPROVAL rule with unlimited: true go to approval', () => {
    const rules = [
      approval('router-reviewed', 2, 'treasury', 600, {
        operations: ['approve'],
        allowance: { spenders: [SPENDER], unlimited: true },
      }),
    ];
    expect(decide(rules, input(erc20Approve(SPENDER, MAX_UINT256)))).toMatchObject({
      action: 'REQUIRE_APPROVAL',
      approval: { quorum: 2 },
    });
  });

  it('are not lifted by a BLOCK rule with unlimited: true, nor by an allowing rule a BLOCK rule overrides', () => {
    const blocking = block('no-router', {
      operations: ['approve'],
      allowance: { spenders: [SPENDER], unlimited: true },
    });
    expect(decide([approveSpender, blocking], input(erc20Approve(SPENDER, MAX_UINT256)))).toMatchObject({
      action: 'BLOCK',
      violations: [expect.objectContaining({ code: 'UNLIMITED_ALLOWANCE' })],
    });
    const allowed = allowance('router-unlimited', { spenders: [SPENDER], unlimited: true });
    const denyAll = block('deny-approvals', { operations: ['approve'] });
    expect(decide([allowed, denyAll], input(erc20Approve(SPENDER, MAX_UINT256)))).toMatchObject({
      action: 'BLOCK',
      decidingRuleIds: ['deny-approvals'],
    });
  });

  describe('once a rule allows them', () => {
    const rules = [allowance('router-unlimited', { spenders: [SPENDER], unlimited: true })];
    const limits = { perAsset: { [TOKEN]: { perTransaction: '100', daily: '100' } } };

    it('are not judged by the per-transaction and velocity limits', () => {
      const decision = decide(rules, input(erc20Approve(SPENDER, MAX_UINT256), { usage: usage(100n) }), limits);
      expect(decision).toMatchObject({ action: 'ALLOW', violations: [], escalations: [] });
    });

    it('still answer to the allowed hours, weekdays and cooldown', () => {
      const unlimited = erc20Approve(SPENDER, MAX_UINT256);
      const evening = input(unlimited, { now: new Date('2024-06-05T20:00:00Z') });
      expect(codes(decide(rules, evening, { ...limits, allowedHours: { start: 9, end: 17 } }))).toEqual([
        'OUTSIDE_ALLOWED_HOURS',
      ]);
      const sunday = input(unlimited, { now: new Date('2024-06-09T12:00:00Z') });
      expect(codes(decide(rules, sunday, { allowedWeekdays: [1, 2, 3, 4, 5] }))).toEqual(['OUTSIDE_ALLOWED_WEEKDAYS']);
      const soon = input(unlimited, { lastTransferAt: new Date(NOON.getTime() - 1_000) });
      const decision = decide(rules, soon, { ...limits, cooldownSeconds: 60 });
      expect(codes(decision)).toEqual(['COOLDOWN']);
      expect(decision.action).toBe('BLOCK'); // low → NOTIFY, which blocks
    });

    it('still answer to the wallet status', () => {
      expect(decide(rules, input(erc20Approve(SPENDER, MAX_UINT256), { walletStatus: 'FROZEN' })).action).toBe('BLOCK');
    });

    it('leave a limited approve by the same rule judged by every limit', () => {
      const decision = decide(rules, input(erc20Approve(SPENDER, 101n)), limits);
      expect(decision.action).toBe('REQUIRE_APPROVAL');
      expect(codes(decision)).toEqual(['PER_TRANSACTION_LIMIT', 'DAILY_LIMIT']);
    });
  });
});

describe('allowance rules', () => {
  const capped = allowance('router-capped', { spenders: [SPENDER, VAULT], maxAllowance: '1000' });

  it('allow an approve to a listed spender up to maxAllowance inclusive', () => {
    expect(decide([capped], input(erc20Approve(SPENDER, 1_000n))).action).toBe('ALLOW');
    expect(decide([capped], input(erc20Approve(VAULT, 1n))).action).toBe('ALLOW');
    expect(decide([capped], input(erc20IncreaseAllowance(SPENDER, 1_000n))).action).toBe('ALLOW');
  });

  it('do not match one base unit above maxAllowance', () => {
    const decision = decide([capped], input(erc20Approve(SPENDER, 1_001n)));
    expect(decision).toMatchObject({ action: 'BLOCK', matchedRuleIds: [] });
    expect(codes(decision)).toEqual(['NO_MATCHING_RULE']);
  });

  it('do not match an unlisted spender, whatever the case of the listed addresses', () => {
    expect(decide([capped], input(erc20Approve(MIXER, 1n))).action).toBe('BLOCK');
    const lower = allowance('lower', { spenders: [SPENDER.toLowerCase()] });
    expect(decide([lower], input(erc20Approve(SPENDER, 1n))).action).toBe('ALLOW');
  });

  it('without maxAllowance allow any limited allowance to a listed spender', () => {
    const rule = allowance('router', { spenders: [SPENDER] });
    expect(decide([rule], input(erc20Approve(SPENDER, UNLIMITED_ALLOWANCE_MIN - 1n))).action).toBe('ALLOW');
  });

  it('with maxAllowance "0" allow revoking an allowance only', () => {
    const revoke = allowance('revoke', { spenders: [SPENDER], maxAllowance: '0' });
    expect(decide([revoke], input(erc20Approve(SPENDER, 0n))).action).toBe('ALLOW');
    expect(decide([revoke], input(erc20Approve(SPENDER, 1n))).action).toBe('BLOCK');
  });

  it('combine with the other criteria', () => {
    const rule = allowance('token-only', { spenders: [SPENDER] }, { assets: [TOKEN], initiatorRoles: ['admin'] });
    const admin = { initiator: { id: 'a', roles: ['admin' as const] } };
    expect(decide([rule], input(erc20Approve(SPENDER, 5n), admin)).action).toBe('ALLOW');
    expect(decide([rule], input(erc20Approve(SPENDER, 5n, OTHER_TOKEN), admin)).action).toBe('BLOCK');
    expect(decide([rule], input(erc20Approve(SPENDER, 5n))).action).toBe('BLOCK');
  });

  it('never match a transfer, even to a listed spender', () => {
    expect(decide([capped], input(tokenTransfer(SPENDER, 5n))).action).toBe('BLOCK');
  });

  it('leave the approve judged by the limits at its allowance', () => {
    const decision = decide([capped], input(erc20Approve(SPENDER, 1_000n)), {
      perAsset: { [TOKEN]: { perTransaction: '500' } },
    });
    expect(decision.action).toBe('REQUIRE_APPROVAL');
    expect(codes(decision)).toEqual(['PER_TRANSACTION_LIMIT']);
  });
});

describe('permit', () => {
  it('is a contract call, never an approval: no allowance or approve rule lets it through', () => {
    const rules = [allowance('router-unlimited', { spenders: [SPENDER], unlimited: true }), approveSpender];
    const decision = decide(rules, input(erc20Permit(WALLET, SPENDER, MAX_UINT256)));
    expect(decision).toMatchObject({ action: 'BLOCK', matchedRuleIds: [] });
    expect(codes(decision)).toEqual(['NO_MATCHING_RULE']);
  });

  it('is denied even for an allowlist naming the token or any counterparty', () => {
    const rules = [
      allow('token', { operations: ['transfer', 'approve', 'transferFrom'], counterparty: { type: 'any' } }),
      allow('alice', { counterparty: { type: 'allowlist', addresses: [TOKEN, ALICE] } }),
    ];
    expect(decide(rules, input(erc20Permit(WALLET, SPENDER, 1n))).action).toBe('BLOCK');
  });
});

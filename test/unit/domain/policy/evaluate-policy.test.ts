import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import { ALICE, MIXER, allow, approval, block, input, nativeTransfer, policy } from './policy-fixtures';

describe('evaluatePolicy', () => {
  const allowAll = policy({ rules: [allow('all')] });

  it.each([
    ['FROZEN', 'WALLET_FROZEN', 'the wallet is frozen: every transfer is blocked'],
    ['LOCKED', 'WALLET_LOCKED', 'the wallet is locked: every transfer is blocked'],
  ] as const)('blocks everything from a %s wallet, escalating nothing', (walletStatus, code, reason) => {
    const decision = evaluatePolicy(allowAll, input(nativeTransfer(ALICE, 1n), { walletStatus }));
    expect(decision).toEqual({
      action: 'BLOCK',
      policyVersion: 1,
      matchedRuleIds: [],
      decidingRuleIds: [],
      violations: [{ code, severity: 'none', message: expect.any(String), details: {} }],
      escalations: [],
      reason,
    });
  });

  it('denies by default when no rule matches', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('alice', { counterparty: { type: 'allowlist', addresses: [ALICE] } })] }),
      input(nativeTransfer(MIXER, 1n)),
    );
    expect(decision).toMatchObject({
      action: 'BLOCK',
      matchedRuleIds: [],
      decidingRuleIds: [],
      reason: 'no rule matches: denied by default',
    });
    expect(decision.violations).toEqual([expect.objectContaining({ code: 'NO_MATCHING_RULE', severity: 'none' })]);
  });

  it('denies everything under an empty policy', () => {
    expect(evaluatePolicy(policy({ rules: [] }), input(nativeTransfer(ALICE, 1n))).action).toBe('BLOCK');
  });

  it('lets a matching BLOCK win whatever its position', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('all'), approval('review', 2, 'treasury', 600), block('deny-all')] }),
      input(nativeTransfer(ALICE, 1n)),
    );
    expect(decision).toMatchObject({
      action: 'BLOCK',
      matchedRuleIds: ['all', 'review', 'deny-all'],
      decidingRuleIds: ['deny-all'],
      reason: 'blocked by rule deny-all',
    });
    expect(decision.approval).toBeUndefined();
  });

  it('takes the most restrictive matching action: REQUIRE_APPROVAL over ALLOW', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('all'), approval('review', 2, 'treasury', 600)] }),
      input(nativeTransfer(ALICE, 1n)),
    );
    expect(decision).toMatchObject({
      action: 'REQUIRE_APPROVAL',
      decidingRuleIds: ['review'],
      approval: { quorum: 2, groups: [{ group: 'treasury', quorum: 2 }], timeoutSeconds: 600 },
      reason: 'approval required by rule review',
    });
  });

  it('allows with the allowing rules named', () => {
    const decision = evaluatePolicy(
      policy({ version: 7, rules: [allow('a'), allow('b')] }),
      input(nativeTransfer(ALICE, 1n)),
    );
    expect(decision).toEqual({
      action: 'ALLOW',
      policyVersion: 7,
      matchedRuleIds: ['a', 'b'],
      decidingRuleIds: ['a', 'b'],
      violations: [],
      escalations: [],
      reason: 'allowed by rules a, b',
    });
  });
});

describe('combined approvals', () => {
  const decide = (...rules: object[]) => evaluatePolicy(policy({ rules }), input(nativeTransfer(ALICE, 1n)));

  it('take the largest quorum of one group', () => {
    expect(decide(approval('one', 1, 'treasury', 600), approval('three', 3, 'treasury', 600)).approval).toEqual({
      quorum: 3,
      groups: [{ group: 'treasury', quorum: 3 }],
      timeoutSeconds: 600,
    });
  });

  it('list every group, each with its own quorum', () => {
    expect(decide(approval('t', 2, 'treasury', 600), approval('r', 1, 'risk', 600)).approval).toEqual({
      quorum: 2,
      groups: [
        { group: 'treasury', quorum: 2 },
        { group: 'risk', quorum: 1 },
      ],
      timeoutSeconds: 600,
    });
  });

  it('take the shortest timeout', () => {
    expect(decide(approval('long', 1, 'ops', 86_400), approval('short', 1, 'ops', 900)).approval?.timeoutSeconds).toBe(
      900,
    );
  });

  it('name every approval rule as deciding', () => {
    expect(
      decide(allow('all'), approval('t', 2, 'treasury', 600), approval('r', 1, 'risk', 600)).decidingRuleIds,
    ).toEqual(['t', 'r']);
  });
});

import { parsePolicy, serializePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import { restorePolicy } from '../../../../lambdas/domain/policy/restore-policy';
import { GROUPS, SPENDER, VAULT, allow, approval, policy } from './policy-fixtures';

const STORED = policy({
  version: 4,
  rules: [
    approval('large', 3, 'treasury', 3600, { amount: { min: '100000000000000000000000000000000' } }),
    allow('vault', {
      contractCall: { target: VAULT, signature: 'deposit(uint256,address)', args: [{ index: 0, max: '100' }] },
    }),
    allow('approve-vault', {
      operations: ['approve'],
      allowance: { spenders: [VAULT], maxAllowance: '340282366920938463463374607431768211456' },
    }),
    approval('approve-spender-unlimited', 2, 'treasury', 600, {
      operations: ['approve'],
      allowance: { spenders: [SPENDER], unlimited: true },
    }),
  ],
  limits: {
    perAsset: { native: { daily: '340282366920938463463374607431768211456' } },
    approval: { quorum: 2, approverGroup: 'risk', timeoutSeconds: 600 },
  },
});

describe('restorePolicy', () => {
  it('reads back exactly the policy that was stored, derived fields and bigints included', () => {
    expect(restorePolicy(serializePolicy(STORED))).toEqual(STORED);
    expect(restorePolicy(JSON.parse(JSON.stringify(serializePolicy(STORED)))).limits.perAsset?.native?.daily).toBe(
      2n ** 128n,
    );
  });

  it('reads back allowance rules: spenders, maxAllowance as bigint, unlimited', () => {
    const restored = restorePolicy(JSON.parse(JSON.stringify(serializePolicy(STORED))));
    expect(restored.rules.map((rule) => rule.match.allowance).filter(Boolean)).toEqual([
      { spenders: [VAULT], maxAllowance: 2n ** 128n },
      { spenders: [SPENDER], unlimited: true },
    ]);
  });

  it('reads back a policy whose groups are gone or smaller now, which parsing a new policy refuses', () => {
    const shrunk = { groups: new Map([['treasury', { size: 1 }]]) };
    expect(() => parsePolicy(serializePolicy(STORED), shrunk)).toThrow(
      expect.objectContaining({ code: 'POLICY.INVALID' }),
    );
    expect(restorePolicy(serializePolicy(STORED))).toEqual(parsePolicy(serializePolicy(STORED), { groups: GROUPS }));
  });

  it('still refuses what is not a policy', () => {
    expect(() => restorePolicy({ version: 1, rules: [{ id: 'x', match: {}, action: { type: 'MAYBE' } }] })).toThrow(
      expect.objectContaining({ code: 'POLICY.INVALID' }),
    );
  });
});

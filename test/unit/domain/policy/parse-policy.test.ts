import { parsePolicy, serializePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import {
  ALICE,
  BOB,
  GROUPS,
  MIXER,
  SPENDER,
  TOKEN,
  VAULT,
  allow,
  approval,
  block,
  policy,
  refusal,
} from './policy-fixtures';

/** A policy exercising every feature, in canonical JSON (checksummed addresses, amounts as strings). */
const FULL = {
  version: 3,
  rules: [
    block(
      'deny-mixer',
      { counterparty: { type: 'denylist', addresses: [MIXER] } },
      { escalate: 'FREEZE', description: 'known mixer' },
    ),
    allow('small-native', { assets: ['native'], amount: { max: '1000000000000000000' }, initiatorRoles: ['operator'] }),
    approval('large-token', 2, 'treasury', 3600, {
      assets: [TOKEN],
      amount: { min: '1000', max: '5000000' },
      counterparty: { type: 'allowlist', addresses: [ALICE, BOB] },
    }),
    allow('approve-router', { operations: ['approve'], counterparty: { type: 'allowlist', addresses: [SPENDER] } }),
    allow('vault', {
      contractCall: {
        target: VAULT,
        signature: 'deposit(uint256,address)',
        args: [
          { index: 0, min: '1', max: '100' },
          { index: 1, oneOf: [ALICE] },
        ],
      },
    }),
    allow('any', { counterparty: { type: 'any' } }),
  ],
  limits: {
    perAsset: { native: { perTransaction: '10', daily: '20', weekly: '30', monthly: '40' }, [TOKEN]: { daily: '5' } },
    allowedHours: { start: 22, end: 6 },
    allowedWeekdays: [1, 2, 3, 4, 5],
    cooldownSeconds: 30,
    approval: { quorum: 1, approverGroup: 'risk', timeoutSeconds: 600 },
  },
  escalation: { low: 'NOTIFY', medium: 'REQUIRE_APPROVAL', high: 'FREEZE', critical: 'LOCKDOWN' },
};

/** Expects `json` to be refused at `path`, with the path named in the message. */
function expectRefusedAt(json: unknown, path: string) {
  const error = refusal(json);
  expect(error.code).toBe('POLICY.INVALID');
  expect(error.details.path).toBe(path);
  expect(error.message.startsWith(`${path || 'policy'}: `)).toBe(true);
  expect(error.details.reason).toEqual(expect.any(String));
  return error;
}

const withRule = (rule: object) => ({ rules: [rule] });
const withLimits = (limits: object) => ({
  rules: [],
  limits: { approval: { quorum: 1, approverGroup: 'risk', timeoutSeconds: 60 }, ...limits },
});
const withContractCall = (contractCall: object) => withRule(allow('call', { contractCall }));

describe('parsePolicy', () => {
  it('reads amounts as bigint, addresses checksummed, derives the selector', () => {
    const parsed = policy({
      ...FULL,
      rules: [...FULL.rules, allow('lower', { counterparty: { type: 'allowlist', addresses: [BOB.toLowerCase()] } })],
    });
    expect(parsed.limits.perAsset?.native).toEqual({ perTransaction: 10n, daily: 20n, weekly: 30n, monthly: 40n });
    expect(parsed.rules[6]?.match.counterparty).toEqual({ type: 'allowlist', addresses: [BOB] });
    expect(parsed.rules[4]?.match.contractCall?.selector).toBe('0x6e553f65');
  });

  it('defaults version to 1 and limits to none, and allows an empty rules list', () => {
    expect(policy({ rules: [] })).toEqual({ version: 1, rules: [], limits: {} });
  });

  it('round-trips through serializePolicy', () => {
    const parsed = policy(FULL);
    expect(serializePolicy(parsed)).toEqual(FULL);
    expect(JSON.parse(JSON.stringify(serializePolicy(parsed)))).toEqual(FULL);
    expect(parsePolicy(serializePolicy(parsed), { groups: GROUPS })).toEqual(parsed);
  });

  it('round-trips allowance rules, maxAllowance as a decimal string', () => {
    const json = {
      version: 2,
      rules: [
        allow('router-capped', {
          assets: [TOKEN],
          operations: ['approve'],
          allowance: { spenders: [SPENDER, VAULT], maxAllowance: '1000000' },
        }),
        allow('vault-unlimited', { operations: ['approve'], allowance: { spenders: [VAULT], unlimited: true } }),
        block('revokes-only', { operations: ['approve'], allowance: { spenders: [MIXER], maxAllowance: '0' } }),
        allow('any-limited', { operations: ['approve'], allowance: { spenders: [ALICE], unlimited: false } }),
      ],
      limits: {},
    };
    const parsed = policy(json);
    expect(parsed.rules.map((rule) => rule.match.allowance)).toEqual([
      { spenders: [SPENDER, VAULT], maxAllowance: 1_000_000n },
      { spenders: [VAULT], unlimited: true },
      { spenders: [MIXER], maxAllowance: 0n },
      { spenders: [ALICE], unlimited: false },
    ]);
    expect(serializePolicy(parsed)).toEqual(json);
    expect(parsePolicy(JSON.parse(JSON.stringify(serializePolicy(parsed))), { groups: GROUPS })).toEqual(parsed);
  });

  it('reads allowance spenders checksummed', () => {
    const parsed = policy(
      withRule(allow('a', { operations: ['approve'], allowance: { spenders: [SPENDER.toLowerCase()] } })),
    );
    expect(parsed.rules[0]?.match.allowance?.spenders).toEqual([SPENDER]);
  });

  describe('refuses', () => {
    it.each([
      [{ rules: [], extra: 1 }, 'extra'],
      [withRule({ ...allow('a'), when: 'now' }), 'rules[0].when'],
      [withRule(allow('a', { asset: ['native'] })), 'rules[0].match.asset'],
      [withRule({ id: 'a', match: {}, action: { type: 'ALLOW', quorum: 1 } }), 'rules[0].action.quorum'],
      [
        withRule(allow('a', { counterparty: { type: 'any', addresses: [ALICE] } })),
        'rules[0].match.counterparty.addresses',
      ],
      [withLimits({ perAsset: { native: { hourly: '5' } } }), 'limits.perAsset.native.hourly'],
      [withLimits({ allowedHours: { start: 1, end: 2, tz: 'UTC' } }), 'limits.allowedHours.tz'],
      [
        withContractCall({
          target: VAULT,
          signature: 'deposit(uint256,address)',
          args: [{ index: 0, max: '1', note: 'x' }],
        }),
        'rules[0].match.contractCall.args[0].note',
      ],
    ])('unknown fields (%#)', (json, path) => {
      expectRefusedAt(json, path);
    });

    it.each([
      ['not an object', [], ''],
      ['rules not an array', { rules: {} }, 'rules'],
      ['a rule id that is not a string', withRule({ ...allow('a'), id: 7 }), 'rules[0].id'],
      ['an unknown action type', withRule({ id: 'a', match: {}, action: { type: 'PERMIT' } }), 'rules[0].action.type'],
      ['an amount given as a number', withRule(allow('a', { amount: { max: 5 } })), 'rules[0].match.amount.max'],
      ['an unknown role', withRule(allow('a', { initiatorRoles: ['root'] })), 'rules[0].match.initiatorRoles[0]'],
      ['an unknown operation', withRule(allow('a', { operations: ['permit'] })), 'rules[0].match.operations[0]'],
      ['an unknown asset', withRule(allow('a', { assets: ['ETH'] })), 'rules[0].match.assets[0]'],
      ['a missing match', withRule({ id: 'a', action: { type: 'ALLOW' } }), 'rules[0].match'],
      ['a version below 1', { version: 0, rules: [] }, 'version'],
      ['an unknown escalation', { rules: [], escalation: { low: 'PAGE' } }, 'escalation.low'],
      ['an unknown severity', { rules: [], escalation: { severe: 'FREEZE' } }, 'escalation.severe'],
    ])('wrong types: %s', (_name, json, path) => {
      expectRefusedAt(json, path);
    });

    it.each([
      ['zero', '0', 'MONEY.NOT_POSITIVE'],
      ['negative', '-5', 'MONEY.NEGATIVE'],
      ['fractional', '1.5', 'MONEY.FRACTIONAL'],
    ])('a %s limit, keeping the underlying code', (_name, limit, cause) => {
      expect(
        expectRefusedAt(
          withLimits({ perAsset: { native: { perTransaction: limit } } }),
          'limits.perAsset.native.perTransaction',
        ).details.cause,
      ).toBe(cause);
    });

    it.each([
      [{ perTransaction: '10', daily: '9' }, 'daily'],
      [{ daily: '10', weekly: '9' }, 'weekly'],
      [{ weekly: '10', monthly: '9' }, 'monthly'],
      [{ perTransaction: '10', monthly: '9' }, 'monthly'],
    ])('a window below the one before it (%#)', (limits, key) => {
      expectRefusedAt(withLimits({ perAsset: { native: limits } }), `limits.perAsset.native.${key}`);
    });

    it('an asset with no limits, and an asset named twice', () => {
      expectRefusedAt(withLimits({ perAsset: { native: {} } }), 'limits.perAsset.native');
      expectRefusedAt(
        withLimits({ perAsset: { [TOKEN]: { daily: '1' }, [TOKEN.toLowerCase()]: { daily: '2' } } }),
        `limits.perAsset.${TOKEN.toLowerCase()}`,
      );
    });

    it('an empty hour window', () => {
      expectRefusedAt(withLimits({ allowedHours: { start: 9, end: 9 } }), 'limits.allowedHours.end');
    });

    it.each([
      [{ start: 24, end: 6 }, 'start'],
      [{ start: -1, end: 6 }, 'start'],
      [{ start: 9, end: 17.5 }, 'end'],
    ])('hours outside 0–23 or not integers (%#)', (hours, key) => {
      expectRefusedAt(withLimits({ allowedHours: hours }), `limits.allowedHours.${key}`);
    });

    it.each([
      [[1, 7], 'limits.allowedWeekdays[1]'],
      [[-1], 'limits.allowedWeekdays[0]'],
      [[1, 2, 1], 'limits.allowedWeekdays[2]'],
      [[], 'limits.allowedWeekdays'],
    ])('weekdays outside 0–6, duplicated or empty (%#)', (allowedWeekdays, path) => {
      expectRefusedAt(withLimits({ allowedWeekdays }), path);
    });

    it.each([0, -5, 1.5])('a cooldown of %p', (cooldownSeconds) => {
      expectRefusedAt(withLimits({ cooldownSeconds }), 'limits.cooldownSeconds');
    });

    it.each([
      ['not an integer', 1.5],
      ['below 1', 0],
      ['above its group size', 4],
    ])('a quorum %s', (_name, quorum) => {
      expectRefusedAt(withRule(approval('a', quorum, 'treasury', 60)), 'rules[0].action.quorum');
    });

    it('a quorum equal to its group size is accepted', () => {
      expect(policy(withRule(approval('a', 3, 'treasury', 60))).rules[0]?.action).toEqual({
        type: 'REQUIRE_APPROVAL',
        quorum: 3,
        approverGroup: 'treasury',
        timeoutSeconds: 60,
      });
    });

    it('an unknown approver group', () => {
      expectRefusedAt(withRule(approval('a', 1, 'board', 60)), 'rules[0].action.approverGroup');
      expectRefusedAt(
        withLimits({ approval: { quorum: 1, approverGroup: 'board', timeoutSeconds: 60 } }),
        'limits.approval.approverGroup',
      );
    });

    it.each([0, 1.5, 7 * 86_400 + 1])('a timeout of %p seconds', (timeoutSeconds) => {
      expectRefusedAt(withRule(approval('a', 1, 'ops', timeoutSeconds)), 'rules[0].action.timeoutSeconds');
    });

    it('a timeout of exactly 7 days is accepted', () => {
      expect(() => policy(withRule(approval('a', 1, 'ops', 7 * 86_400)))).not.toThrow();
    });

    it('duplicate rule ids', () => {
      expectRefusedAt({ rules: [allow('a'), block('b'), allow('a')] }, 'rules[2].id');
    });

    it.each(['', 'has space', 'x'.repeat(65), 'ünïcode'])('a rule id %p', (id) => {
      expectRefusedAt(withRule(allow(id)), 'rules[0].id');
    });

    it('amount.min above amount.max, and an empty range', () => {
      expectRefusedAt(withRule(allow('a', { amount: { min: '10', max: '9' } })), 'rules[0].match.amount.min');
      expectRefusedAt(withRule(allow('a', { amount: {} })), 'rules[0].match.amount');
    });

    it.each(['allowlist', 'denylist'])('an empty %s', (type) => {
      expectRefusedAt(
        withRule(allow('a', { counterparty: { type, addresses: [] } })),
        'rules[0].match.counterparty.addresses',
      );
    });

    it('an empty assets list, which could never match', () => {
      expectRefusedAt(withRule(allow('a', { assets: [] })), 'rules[0].match.assets');
    });

    it.each([
      [ALICE.replace('C', 'c'), 'ADDRESS.BAD_CHECKSUM'],
      ['0x1234', 'ADDRESS.BAD_LENGTH'],
      [ALICE.slice(2), 'ADDRESS.MISSING_PREFIX'],
    ])('a bad address %p, keeping the underlying code', (address, cause) => {
      const error = expectRefusedAt(
        withRule(allow('a', { counterparty: { type: 'allowlist', addresses: [BOB, address] } })),
        'rules[0].match.counterparty.addresses[1]',
      );
      expect(error.details.cause).toBe(cause);
    });

    it.each(['deposit(uint256', 'deposit(foo)', 'event Deposit(uint256)', ''])(
      'a signature %p that is not a function signature',
      (signature) => {
        expectRefusedAt(withContractCall({ target: VAULT, signature }), 'rules[0].match.contractCall.signature');
      },
    );

    it('a contract call to an ERC-20 transfer or approve, which is judged as such', () => {
      expectRefusedAt(
        withContractCall({ target: TOKEN, signature: 'approve(address,uint256)' }),
        'rules[0].match.contractCall.signature',
      );
    });

    it('an argument index out of range', () => {
      expectRefusedAt(
        withContractCall({ target: VAULT, signature: 'deposit(uint256,address)', args: [{ index: 2, max: '1' }] }),
        'rules[0].match.contractCall.args[0].index',
      );
    });

    it('min or max on a non-integer argument', () => {
      expectRefusedAt(
        withContractCall({ target: VAULT, signature: 'deposit(uint256,address)', args: [{ index: 1, max: '1' }] }),
        'rules[0].match.contractCall.args[0].max',
      );
    });

    it('oneOf on a non-address argument', () => {
      expectRefusedAt(
        withContractCall({
          target: VAULT,
          signature: 'deposit(uint256,address)',
          args: [{ index: 0, oneOf: [ALICE] }],
        }),
        'rules[0].match.contractCall.args[0].oneOf',
      );
    });

    it('operations on a contract-call rule', () => {
      expectRefusedAt(
        withRule(
          allow('a', {
            operations: ['transfer'],
            contractCall: { target: VAULT, signature: 'deposit(uint256,address)' },
          }),
        ),
        'rules[0].match.operations',
      );
    });

    describe('an allowance criterion', () => {
      const withAllowance = (allowance: unknown, extra: object = {}) =>
        withRule(allow('a', { operations: ['approve'], allowance, ...extra }));
      const at = (key: string) => `rules[0].match.allowance.${key}`;

      it.each([
        ['without operations', { allowance: { spenders: [SPENDER] } }],
        ['with transfers', { operations: ['transfer'], allowance: { spenders: [SPENDER] } }],
        ['with more than approvals', { operations: ['approve', 'transfer'], allowance: { spenders: [SPENDER] } }],
      ])('%s', (_name, match) => {
        const error = expectRefusedAt(withRule(allow('a', match)), 'rules[0].match.allowance');
        expect(error.details.reason).toContain('operations: ["approve"]');
      });

      it.each([
        ['counterparty', { counterparty: { type: 'allowlist', addresses: [SPENDER] } }],
        ['amount', { amount: { max: '5' } }],
      ])('beside %s, which it replaces', (key, extra) => {
        expectRefusedAt(withAllowance({ spenders: [SPENDER] }, extra), `rules[0].match.${key}`);
      });

      it.each([
        [ALICE.replace('C', 'c'), 'ADDRESS.BAD_CHECKSUM'],
        ['0x1234', 'ADDRESS.BAD_LENGTH'],
        ['router', 'ADDRESS.MISSING_PREFIX'],
      ])('with a bad spender %p, keeping the underlying code', (address, cause) => {
        expect(expectRefusedAt(withAllowance({ spenders: [SPENDER, address] }), at('spenders[1]')).details.cause).toBe(
          cause,
        );
      });

      it('with no spenders, an empty list, or one listed twice', () => {
        expectRefusedAt(withAllowance({ maxAllowance: '5' }), at('spenders'));
        expectRefusedAt(withAllowance({ spenders: [] }), at('spenders'));
        expectRefusedAt(withAllowance({ spenders: [SPENDER, SPENDER.toLowerCase()] }), at('spenders[1]'));
        expectRefusedAt(withAllowance(SPENDER), 'rules[0].match.allowance');
      });

      it.each([
        ['negative', '-1', 'MONEY.NEGATIVE'],
        ['fractional', '1.5', 'MONEY.FRACTIONAL'],
      ])('with a %s maxAllowance, keeping the underlying code', (_name, maxAllowance, cause) => {
        expect(
          expectRefusedAt(withAllowance({ spenders: [SPENDER], maxAllowance }), at('maxAllowance')).details.cause,
        ).toBe(cause);
      });

      it.each([['lots'], [''], [5], [null], ['0x10']])('with a maxAllowance of %p', (maxAllowance) => {
        expectRefusedAt(withAllowance({ spenders: [SPENDER], maxAllowance }), at('maxAllowance'));
      });

      it('with a maxAllowance of 2^255 or more, which is unlimited', () => {
        const error = expectRefusedAt(
          withAllowance({ spenders: [SPENDER], maxAllowance: (2n ** 255n).toString() }),
          at('maxAllowance'),
        );
        expect(error.details.reason).toContain('unlimited');
        expect(() =>
          policy(withAllowance({ spenders: [SPENDER], maxAllowance: (2n ** 255n - 1n).toString() })),
        ).not.toThrow();
      });

      it('unlimited together with a maximum', () => {
        expectRefusedAt(withAllowance({ spenders: [SPENDER], maxAllowance: '5', unlimited: true }), at('unlimited'));
      });

      it.each([['yes'], [1], [null]])('unlimited given as %p', (unlimited) => {
        expectRefusedAt(withAllowance({ spenders: [SPENDER], unlimited }), at('unlimited'));
      });

      it('with an unknown field', () => {
        const error = expectRefusedAt(withAllowance({ spender: [SPENDER] }), at('spender'));
        expect(error.details.reason).toContain('spenders, maxAllowance, unlimited');
      });
    });

    it('escalate on a rule that does not block', () => {
      expectRefusedAt(withRule({ ...allow('a'), escalate: 'FREEZE' }), 'rules[0].escalate');
    });

    it('limits that can escalate to REQUIRE_APPROVAL without limits.approval', () => {
      expectRefusedAt({ rules: [], limits: { perAsset: { native: { daily: '5' } } } }, 'limits.approval');
      expectRefusedAt(
        { rules: [], limits: { cooldownSeconds: 5 }, escalation: { low: 'REQUIRE_APPROVAL' } },
        'limits.approval',
      );
    });

    it('accepts limits without an approver when none of their violations escalates to REQUIRE_APPROVAL', () => {
      expect(() =>
        policy({ rules: [], limits: { cooldownSeconds: 5, allowedHours: { start: 1, end: 2 } } }),
      ).not.toThrow();
      expect(() =>
        policy({ rules: [], limits: { perAsset: { native: { daily: '5' } } }, escalation: { medium: 'FREEZE' } }),
      ).not.toThrow();
    });

    it('more than 200 rules', () => {
      const rules = (n: number) => Array.from({ length: n }, (_, i) => allow(`r${i}`));
      expect(policy({ rules: rules(200) }).rules).toHaveLength(200);
      expectRefusedAt({ rules: rules(201) }, 'rules');
    });
  });
});

import { encodeFunctionData, parseAbi, type Hex } from 'viem';
import { MAX_UINT256 } from '../../../../lambdas/domain/money';
import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import {
  ALICE,
  BOB,
  MIXER,
  OTHER_TOKEN,
  SPENDER,
  TOKEN,
  VAULT,
  VAULT_ABI,
  allow,
  callIntent,
  erc20Approve,
  input,
  policy,
  vaultDeposit,
} from './policy-fixtures';
import type { Intent } from '../../../../lambdas/domain/intents';

const depositRule = (args?: object[], target: string = VAULT) =>
  allow('vault-deposit', {
    contractCall: { target, signature: 'deposit(uint256,address)', ...(args ? { args } : {}) },
  });

const decide = (rules: object[], intent: Intent) => evaluatePolicy(policy({ rules }), input(intent));

describe('contract-call rules', () => {
  it('allow a call to their target and function', () => {
    expect(decide([depositRule()], vaultDeposit(100n, ALICE))).toMatchObject({
      action: 'ALLOW',
      matchedRuleIds: ['vault-deposit'],
    });
  });

  it('do not match another target', () => {
    expect(decide([depositRule()], vaultDeposit(100n, ALICE, OTHER_TOKEN)).action).toBe('BLOCK');
  });

  it('do not match another function of the target', () => {
    const setFee = encodeFunctionData({ abi: VAULT_ABI, functionName: 'setFee', args: [3] });
    expect(decide([depositRule()], callIntent(VAULT, setFee)).action).toBe('BLOCK');
  });

  it('do not match calldata that does not decode for the signature', () => {
    const truncated = vaultDeposit(100n, ALICE).call.data.slice(0, 10 + 64) as Hex;
    expect(decide([depositRule()], callIntent(VAULT, truncated)).action).toBe('BLOCK');
  });

  it('do not match calldata with trailing bytes', () => {
    const padded = `${vaultDeposit(100n, ALICE).call.data}${'00'.repeat(32)}` as Hex;
    expect(decide([depositRule()], callIntent(VAULT, padded)).action).toBe('BLOCK');
  });

  describe('argument limits', () => {
    const bounded = depositRule([{ index: 0, min: '10', max: '1000' }]);
    const receivers = depositRule([{ index: 1, oneOf: [ALICE, BOB] }]);

    it('min and max bound an integer argument inclusively', () => {
      expect(decide([bounded], vaultDeposit(10n, ALICE)).action).toBe('ALLOW');
      expect(decide([bounded], vaultDeposit(1000n, ALICE)).action).toBe('ALLOW');
    });

    it('an integer argument below min does not match', () => {
      expect(decide([bounded], vaultDeposit(9n, ALICE)).action).toBe('BLOCK');
    });

    it('an integer argument above max does not match', () => {
      expect(decide([bounded], vaultDeposit(1001n, ALICE)).action).toBe('BLOCK');
    });

    it('oneOf allows a listed address argument', () => {
      expect(decide([receivers], vaultDeposit(5n, BOB)).action).toBe('ALLOW');
    });

    it('oneOf refuses an unlisted address argument', () => {
      expect(decide([receivers], vaultDeposit(5n, MIXER)).action).toBe('BLOCK');
    });

    it('bound small integers, which viem decodes as numbers', () => {
      const feeRule = allow('fee', {
        contractCall: { target: VAULT, signature: 'setFee(uint8)', args: [{ index: 0, max: '5' }] },
      });
      const setFee = (fee: number) =>
        callIntent(VAULT, encodeFunctionData({ abi: VAULT_ABI, functionName: 'setFee', args: [fee] }));
      expect(decide([feeRule], setFee(5)).action).toBe('ALLOW');
      expect(decide([feeRule], setFee(6)).action).toBe('BLOCK');
    });
  });

  it('judge the native value sent with the call as its amount', () => {
    const rule = allow('vault-deposit', {
      contractCall: { target: VAULT, signature: 'deposit(uint256,address)' },
      amount: { max: '0' },
    });
    expect(decide([rule], vaultDeposit(5n, ALICE)).action).toBe('ALLOW');
    expect(decide([rule], callIntent(VAULT, vaultDeposit(5n, ALICE).call.data, 1n)).action).toBe('BLOCK');
  });
});

describe('arbitrary data', () => {
  it('is denied by default when no contract-call rule names it', () => {
    const decision = decide([allow('everything', { counterparty: { type: 'any' } })], vaultDeposit(100n, ALICE));
    expect(decision).toMatchObject({
      action: 'BLOCK',
      matchedRuleIds: [],
      reason: 'no rule matches: denied by default',
    });
    expect(decision.violations.map((v) => v.code)).toEqual(['NO_MATCHING_RULE']);
  });

  it('is not allowed by an allowlist naming the contract', () => {
    const rules = [allow('vault', { counterparty: { type: 'allowlist', addresses: [VAULT] } })];
    expect(decide(rules, vaultDeposit(100n, ALICE)).action).toBe('BLOCK');
  });
});

describe('ERC-20 calls hidden in data', () => {
  const unlimited = MAX_UINT256;

  it('an allowlist of the token contract does not allow an approve to an unlisted spender', () => {
    const rules = [
      allow('token', { operations: ['transfer', 'approve'], counterparty: { type: 'allowlist', addresses: [TOKEN] } }),
    ];
    const decision = decide(rules, erc20Approve(MIXER, 1_000n));
    expect(decision.action).toBe('BLOCK');
    expect(decision.matchedRuleIds).toEqual([]);
  });

  it('an approve to an allowed spender needs a rule whose operations include approve', () => {
    const spenders = { counterparty: { type: 'allowlist', addresses: [SPENDER] } };
    expect(decide([allow('spender', spenders)], erc20Approve(SPENDER, 1_000n)).action).toBe('BLOCK');
    expect(
      decide([allow('spender', { ...spenders, operations: ['approve'] })], erc20Approve(SPENDER, 1_000n)).action,
    ).toBe('ALLOW');
  });

  it('a transfer in data is judged by its real recipient and amount', () => {
    const data = encodeFunctionData({
      abi: parseAbi(['function transfer(address,uint256)']),
      functionName: 'transfer',
      args: [MIXER, 500n],
    });
    const rules = [
      allow('small-to-alice', { counterparty: { type: 'allowlist', addresses: [ALICE] }, amount: { max: '1000' } }),
    ];
    expect(decide(rules, callIntent(TOKEN, data)).action).toBe('BLOCK');
    const toAlice = encodeFunctionData({
      abi: parseAbi(['function transfer(address,uint256)']),
      functionName: 'transfer',
      args: [ALICE, 500n],
    });
    expect(decide(rules, callIntent(TOKEN, toAlice))).toMatchObject({
      action: 'ALLOW',
      matchedRuleIds: ['small-to-alice'],
    });
  });

  it('an unlimited approve no rule allows is refused, and still breaks the per-transaction limit', () => {
    const decision = evaluatePolicy(
      policy({
        rules: [
          allow('approve-spender', {
            operations: ['approve'],
            counterparty: { type: 'allowlist', addresses: [SPENDER] },
          }),
        ],
        limits: { perAsset: { [TOKEN]: { perTransaction: '1000000' } } },
        escalation: { medium: 'FREEZE' },
      }),
      input(erc20Approve(SPENDER, unlimited)),
    );
    expect(decision.action).toBe('BLOCK');
    expect(decision.violations).toEqual([
      expect.objectContaining({ code: 'UNLIMITED_ALLOWANCE', severity: 'none' }),
      expect.objectContaining({
        code: 'PER_TRANSACTION_LIMIT',
        severity: 'medium',
        details: { asset: TOKEN, amount: unlimited.toString(), limit: '1000000' },
      }),
    ]);
    expect(decision.escalations).toEqual([{ type: 'FREEZE', reason: 'PER_TRANSACTION_LIMIT' }]);
  });
});

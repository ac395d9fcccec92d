import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import {
  ALICE,
  BOB,
  MIXER,
  OTHER_TOKEN,
  SPENDER,
  TOKEN,
  allow,
  block,
  erc20Approve,
  initiator,
  input,
  nativeTransfer,
  policy,
  tokenTransfer,
} from './policy-fixtures';
import type { EvaluationInput } from '../../../../lambdas/domain/policy/policy';

/** The decision of a policy holding one ALLOW rule with this match. */
const decide = (match: object, evaluation: EvaluationInput) =>
  evaluatePolicy(policy({ rules: [allow('only', match)] }), evaluation).action;

describe('rule criteria', () => {
  describe('assets', () => {
    it('matches a listed asset', () => {
      expect(decide({ assets: [TOKEN] }, input(tokenTransfer(ALICE, 5n)))).toBe('ALLOW');
      expect(decide({ assets: ['native'] }, input(nativeTransfer(ALICE, 5n)))).toBe('ALLOW');
    });

    it('does not match another asset', () => {
      expect(decide({ assets: [TOKEN] }, input(tokenTransfer(ALICE, 5n, OTHER_TOKEN)))).toBe('BLOCK');
      expect(decide({ assets: [TOKEN] }, input(nativeTransfer(ALICE, 5n)))).toBe('BLOCK');
    });
  });

  describe('counterparty', () => {
    it('any matches every counterparty', () => {
      expect(decide({ counterparty: { type: 'any' } }, input(nativeTransfer(MIXER, 5n)))).toBe('ALLOW');
    });

    it('an allowlist matches a listed counterparty, whatever the case of its address', () => {
      expect(
        decide(
          { counterparty: { type: 'allowlist', addresses: [ALICE.toLowerCase()] } },
          input(nativeTransfer(ALICE, 5n)),
        ),
      ).toBe('ALLOW');
    });

    it('an allowlist does not match an unlisted counterparty', () => {
      expect(decide({ counterparty: { type: 'allowlist', addresses: [ALICE] } }, input(nativeTransfer(BOB, 5n)))).toBe(
        'BLOCK',
      );
    });

    it('a denylist matches when the counterparty is listed', () => {
      const rules = {
        rules: [allow('anyone'), block('deny-mixer', { counterparty: { type: 'denylist', addresses: [MIXER] } })],
      };
      const decision = evaluatePolicy(policy(rules), input(nativeTransfer(MIXER, 5n)));
      expect(decision).toMatchObject({
        action: 'BLOCK',
        decidingRuleIds: ['deny-mixer'],
        reason: 'blocked by rule deny-mixer',
      });
    });

    it('a denylist does not match an unlisted counterparty', () => {
      const rules = {
        rules: [allow('anyone'), block('deny-mixer', { counterparty: { type: 'denylist', addresses: [MIXER] } })],
      };
      const decision = evaluatePolicy(policy(rules), input(nativeTransfer(ALICE, 5n)));
      expect(decision).toMatchObject({ action: 'ALLOW', matchedRuleIds: ['anyone'] });
    });
  });

  describe('amount range (inclusive)', () => {
    const match = { amount: { min: '10', max: '20' } };

    it('matches at both bounds', () => {
      expect(decide(match, input(nativeTransfer(ALICE, 10n)))).toBe('ALLOW');
      expect(decide(match, input(nativeTransfer(ALICE, 20n)))).toBe('ALLOW');
    });

    it('does not match one base unit outside either bound', () => {
      expect(decide(match, input(nativeTransfer(ALICE, 9n)))).toBe('BLOCK');
      expect(decide(match, input(nativeTransfer(ALICE, 21n)))).toBe('BLOCK');
    });

    it('takes a single bound', () => {
      expect(decide({ amount: { max: '20' } }, input(nativeTransfer(ALICE, 1n)))).toBe('ALLOW');
      expect(decide({ amount: { min: '10' } }, input(nativeTransfer(ALICE, 10n ** 30n)))).toBe('ALLOW');
    });
  });

  describe('initiator roles', () => {
    it('matches when the initiator holds any listed role', () => {
      expect(
        decide(
          { initiatorRoles: ['admin', 'operator'] },
          input(nativeTransfer(ALICE, 5n), { initiator: initiator('auditor', 'operator') }),
        ),
      ).toBe('ALLOW');
    });

    it('does not match an initiator holding none of them', () => {
      expect(
        decide(
          { initiatorRoles: ['admin'] },
          input(nativeTransfer(ALICE, 5n), { initiator: initiator('operator', 'approver') }),
        ),
      ).toBe('BLOCK');
    });
  });

  describe('operations', () => {
    it('defaults to transfers only, so a generic rule never allows an approval', () => {
      expect(decide({}, input(nativeTransfer(ALICE, 5n)))).toBe('ALLOW');
      expect(decide({}, input(erc20Approve(SPENDER, 5n)))).toBe('BLOCK');
    });

    it('matches a listed operation', () => {
      expect(decide({ operations: ['approve'] }, input(erc20Approve(SPENDER, 5n)))).toBe('ALLOW');
    });

    it('does not match an unlisted operation', () => {
      expect(decide({ operations: ['approve'] }, input(tokenTransfer(ALICE, 5n)))).toBe('BLOCK');
    });
  });

  it('needs every present criterion to match', () => {
    const match = { assets: [TOKEN], counterparty: { type: 'allowlist', addresses: [ALICE] }, amount: { max: '100' } };
    expect(decide(match, input(tokenTransfer(ALICE, 100n)))).toBe('ALLOW');
    expect(decide(match, input(tokenTransfer(ALICE, 101n)))).toBe('BLOCK');
    expect(decide(match, input(tokenTransfer(BOB, 100n)))).toBe('BLOCK');
  });
});

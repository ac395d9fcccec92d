import fc from 'fast-check';
import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import { parsePolicy, serializePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import { sameAddress } from '../../../../lambdas/domain/address';
import {
  ACTION_STRICTNESS,
  UNLIMITED_ALLOWANCE_MIN,
  type Policy,
  type PolicyDecision,
  type ViolationCode,
} from '../../../../lambdas/domain/policy/policy';
import {
  actionJson,
  allowanceMatch,
  approveIntent,
  evaluationInput,
  limitsJson,
  policyJson,
  ruleJson,
} from './policy-arbitraries';
import { GROUPS, OTHER_TOKEN, TOKEN, erc20Approve, policy } from './policy-fixtures';

const RUNS = { numRuns: 500 };

const strictness = (decision: PolicyDecision): number => ACTION_STRICTNESS[decision.action];

const hasViolation = (decision: PolicyDecision, code: ViolationCode): boolean =>
  decision.violations.some((v) => v.code === code);

/** Whether a rule in JSON form allows unlimited allowances: it lifts the UNLIMITED_ALLOWANCE refusal. */
const allowsUnlimited = (rule: { match: object; action: { type: string } }): boolean =>
  rule.action.type !== 'BLOCK' && (rule.match as { allowance?: { unlimited?: boolean } }).allowance?.unlimited === true;

/** A token nobody transfers in the generated intents. */
const UNUSED_ASSET = '0xa513E6E4b8f2a923D98304ec87F64353C4D5C853';

describe('evaluatePolicy properties', () => {
  it('a matching BLOCK always gives BLOCK', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(), (json, evaluation) => {
        const parsed = policy(json);
        const decision = evaluatePolicy(parsed, evaluation);
        const matchedBlock = parsed.rules.some(
          (rule) => rule.action.type === 'BLOCK' && decision.matchedRuleIds.includes(rule.id),
        );
        if (matchedBlock) expect(decision.action).toBe('BLOCK');
      }),
      RUNS,
    );
  });

  it('a catch-all BLOCK inserted anywhere blocks every transfer and approval', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(), fc.nat(), (json, evaluation, at) => {
        fc.pre(evaluation.intent.kind !== 'contract-call');
        const rules = [...json.rules];
        rules.splice(at % (rules.length + 1), 0, {
          id: 'catch-all',
          match: { operations: ['transfer', 'approve', 'transferFrom'] },
          action: { type: 'BLOCK' },
        });
        const decision = evaluatePolicy(policy({ ...json, rules }), evaluation);
        expect(decision.action).toBe('BLOCK');
        expect(decision.decidingRuleIds).toContain('catch-all');
      }),
      RUNS,
    );
  });

  it('appending a rule never relaxes a decision that a rule made, nor lowers a quorum', () => {
    fc.assert(
      fc.property(policyJson, ruleJson('appended'), evaluationInput(), (json, appended, evaluation) => {
        const before = evaluatePolicy(policy(json), evaluation);
        const after = evaluatePolicy(policy({ ...json, rules: [...json.rules, appended] }), evaluation);
        if (before.matchedRuleIds.length === 0) return; // deny by default is no rule's decision
        // Nor is the refusal of an unlimited allowance, which a rule allowing it for the spender lifts.
        if (allowsUnlimited(appended) && hasViolation(before, 'UNLIMITED_ALLOWANCE')) return;
        expect(strictness(after)).toBeGreaterThanOrEqual(strictness(before));
        if (before.approval !== undefined && after.approval !== undefined) {
          expect(after.approval.quorum).toBeGreaterThanOrEqual(before.approval.quorum);
          expect(after.approval.timeoutSeconds).toBeLessThanOrEqual(before.approval.timeoutSeconds);
          for (const { group, quorum } of before.approval.groups) {
            expect(after.approval.groups.find((g) => g.group === group)?.quorum).toBeGreaterThanOrEqual(quorum);
          }
        }
      }),
      RUNS,
    );
  });

  it('with no matching rule the answer is BLOCK', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(), (json, evaluation) => {
        const decision = evaluatePolicy(policy(json), evaluation);
        if (decision.matchedRuleIds.length === 0) {
          expect(decision.action).toBe('BLOCK');
          expect(decision.approval).toBeUndefined();
        }
      }),
      RUNS,
    );
  });

  it('rules that cannot match leave BLOCK with NO_MATCHING_RULE', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(), (json, evaluation) => {
        const rules = json.rules.map((rule) => ({ ...rule, match: { ...rule.match, assets: [UNUSED_ASSET] } }));
        const decision = evaluatePolicy(policy({ ...json, rules }), evaluation);
        expect(decision.action).toBe('BLOCK');
        expect(decision.violations[0]?.code).toBe('NO_MATCHING_RULE');
      }),
      RUNS,
    );
  });

  it('a wallet that is not ACTIVE is always blocked', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(fc.constantFrom('FROZEN', 'LOCKED')), (json, evaluation) => {
        expect(evaluatePolicy(policy(json), evaluation)).toMatchObject({ action: 'BLOCK', escalations: [] });
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input gives the same decision, whatever was evaluated in between', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(), evaluationInput(), (json, first, other) => {
        const parsed = policy(json);
        const decision = evaluatePolicy(parsed, first);
        evaluatePolicy(parsed, other);
        expect(evaluatePolicy(policy(json), first)).toEqual(decision);
        expect(evaluatePolicy(parsed, first)).toEqual(decision);
      }),
      RUNS,
    );
  });

  it('REQUIRE_APPROVAL always comes with an approval, and only then', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(), (json, evaluation) => {
        const decision = evaluatePolicy(policy(json), evaluation);
        expect(decision.approval !== undefined).toBe(decision.action === 'REQUIRE_APPROVAL');
      }),
      RUNS,
    );
  });
});

describe('allowance properties', () => {
  const allowancePolicy = fc.record({
    rules: fc
      .array(fc.record({ match: allowanceMatch, action: actionJson }), { maxLength: 6 })
      .map((bodies) => bodies.map((body, i) => ({ id: `a${i}`, ...body }))),
    limits: limitsJson,
  });

  /** A policy of allowance rules, and an approve that is often one base unit around one of their maxima. */
  const policyAndApprove = allowancePolicy.chain((json) => {
    const capped = json.rules.flatMap(({ match: { allowance } }) =>
      'maxAllowance' in allowance ? [{ spenders: allowance.spenders, max: BigInt(allowance.maxAllowance) }] : [],
    );
    const nearMaximum =
      capped.length === 0
        ? approveIntent
        : fc
            .tuple(fc.constantFrom(...capped), fc.integer({ min: -1, max: 1 }), fc.constantFrom(TOKEN, OTHER_TOKEN))
            .chain(([{ spenders, max }, delta, token]) =>
              fc
                .constantFrom(...spenders)
                .map((spender) => erc20Approve(spender, max + BigInt(delta) < 0n ? 0n : max + BigInt(delta), token)),
            );
    return fc.tuple(fc.constant(json), evaluationInput(fc.constant('ACTIVE'), fc.oneof(approveIntent, nearMaximum)));
  });

  it('an approve is never let through unless a rule that does not block lists its spender and covers its allowance', () => {
    fc.assert(
      fc.property(policyAndApprove, ([json, evaluation]) => {
        const parsed = policy(json);
        const decision = evaluatePolicy(parsed, evaluation);
        const { amount, counterparty } = evaluation.intent;
        const covers = parsed.rules.some(({ match: { allowance }, action }) => {
          if (allowance === undefined || action.type === 'BLOCK') return false;
          if (!allowance.spenders.some((spender) => sameAddress(spender, counterparty))) return false;
          if (amount >= UNLIMITED_ALLOWANCE_MIN) return allowance.unlimited === true;
          return allowance.maxAllowance === undefined || amount <= allowance.maxAllowance;
        });
        if (!covers) expect(decision.action).toBe('BLOCK');
      }),
      RUNS,
    );
  });

  it('an unlimited allowance is blocked unless a rule that does not block allows unlimited for its spender', () => {
    fc.assert(
      fc.property(policyJson, evaluationInput(fc.constant('ACTIVE'), approveIntent), (json, evaluation) => {
        fc.pre(evaluation.intent.amount >= UNLIMITED_ALLOWANCE_MIN);
        const parsed = policy(json);
        const decision = evaluatePolicy(parsed, evaluation);
        const allowed = parsed.rules.some(
          ({ match: { allowance }, action }) =>
            action.type !== 'BLOCK' &&
            allowance?.unlimited === true &&
            allowance.spenders.some((spender) => sameAddress(spender, evaluation.intent.counterparty)),
        );
        if (!allowed) {
          expect(decision.action).toBe('BLOCK');
          expect(hasViolation(decision, 'UNLIMITED_ALLOWANCE')).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('serializePolicy properties', () => {
  it('round-trips every valid policy', () => {
    fc.assert(
      fc.property(policyJson, (json) => {
        const parsed: Policy = policy(json);
        const serialized = JSON.parse(JSON.stringify(serializePolicy(parsed)));
        expect(parsePolicy(serialized, { groups: GROUPS })).toEqual(parsed);
      }),
      RUNS,
    );
  });
});

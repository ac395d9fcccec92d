import fc from 'fast-check';
import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import { parsePolicy, serializePolicy } from '../../../../lambdas/domain/policy/parse-policy';
import { ACTION_STRICTNESS, type Policy, type PolicyDecision } from '../../../../lambdas/domain/policy/policy';
import { evaluationInput, policyJson, ruleJson } from './policy-arbitraries';
import { GROUPS, policy } from './policy-fixtures';

const RUNS = { numRuns: 500 };

const strictness = (decision: PolicyDecision): number => ACTION_STRICTNESS[decision.action];

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

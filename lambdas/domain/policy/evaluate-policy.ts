import { checkLimits } from './check-limits';
import { combineApprovals } from './combine-approvals';
import { escalate, type EscalationOutcome } from './escalate';
import type { Intent } from '../intents';
import { formatAmount } from '../money';
import { isUnlimitedApprove, matchRule } from './match-rule';
import {
  stricterAction,
  type ActionType,
  type ApprovalSpec,
  type EvaluationInput,
  type Policy,
  type PolicyDecision,
  type Rule,
  type WalletStatus,
} from './policy';
import { violation } from './violation';

/**
 * Decides what happens to an intent under a policy. Deterministic: the clock and the ledger's usage
 * are inputs.
 *
 * 1. A wallet that is not ACTIVE blocks everything; rules and limits are not evaluated.
 * 2. Deny by default: no matching rule blocks (NO_MATCHING_RULE). Otherwise the most restrictive
 *    matching action decides, so a matching BLOCK always wins; several approvals combine.
 * 3. Limits raise violations, which escalate by severity; an escalation can only tighten the rules'
 *    decision (ALLOW becomes REQUIRE_APPROVAL or BLOCK), never relax it. Limits are checked even when
 *    the intent is blocked, so their side effects (notify, freeze, lockdown) still apply.
 * 4. An "unlimited" allowance (2^255 or more) is blocked (UNLIMITED_ALLOWANCE) unless a matching rule
 *    that does not block names its spender with `allowance.unlimited: true`.
 */
export function evaluatePolicy(policy: Policy, input: EvaluationInput): PolicyDecision {
  if (input.walletStatus !== 'ACTIVE') return walletNotActive(policy.version, input.walletStatus);
  const matched = policy.rules.filter((rule) => matchRule(rule.match, input.intent, input.initiator));
  const unlimited = isUnlimitedApprove(input.intent);
  const unlimitedAllowed = unlimited && matched.some(allowsUnlimited);
  const unlimitedRefused = unlimited && !unlimitedAllowed;
  // No amount limit is anywhere near 2^255, so an unlimited allowance always breaks them: judging it by
  // them would turn the rule that explicitly allows it for this spender into a dead letter (or a freeze).
  // That rule is the decision on the amount; hours, weekdays and the cooldown still apply.
  const limitViolations = checkLimits(policy.limits, input, { amountLimits: !unlimitedAllowed });
  const escalation = escalate(limitViolations, matched, policy);
  const ruleAction = strictestAction(matched);
  const action = ruleAction === undefined || unlimitedRefused ? 'BLOCK' : stricterAction(ruleAction, escalation.action);
  const deciding = matched.filter((rule) => rule.action.type === action);
  const approval =
    action === 'REQUIRE_APPROVAL'
      ? combineApprovals([...deciding.flatMap(approvalOf), ...escalation.approvals])
      : undefined;
  return {
    action,
    policyVersion: policy.version,
    matchedRuleIds: matched.map((rule) => rule.id),
    decidingRuleIds: deciding.map((rule) => rule.id),
    ...(approval === undefined ? {} : { approval }),
    violations: [
      ...(ruleAction === undefined ? [noMatchingRule()] : []),
      ...(unlimitedRefused ? [unlimitedAllowance(input.intent)] : []),
      ...limitViolations,
    ],
    escalations: escalation.escalations,
    reason: explain(action, ruleAction, deciding, escalation, unlimitedRefused ? input.intent : undefined),
  };
}

const allowsUnlimited = (rule: Rule): boolean =>
  rule.match.allowance?.unlimited === true && rule.action.type !== 'BLOCK';

function walletNotActive(policyVersion: number, status: Exclude<WalletStatus, 'ACTIVE'>): PolicyDecision {
  const state = status === 'FROZEN' ? 'frozen' : 'locked';
  return {
    action: 'BLOCK',
    policyVersion,
    matchedRuleIds: [],
    decidingRuleIds: [],
    violations: [violation(status === 'FROZEN' ? 'WALLET_FROZEN' : 'WALLET_LOCKED', `the wallet is ${state}`)],
    escalations: [],
    reason: `the wallet is ${state}: every transfer is blocked`,
  };
}

const noMatchingRule = () => violation('NO_MATCHING_RULE', 'no rule matches this intent: denied by default');

const unlimitedAllowance = (intent: Intent) =>
  violation(
    'UNLIMITED_ALLOWANCE',
    `an unlimited allowance of ${intent.asset} to spender ${intent.counterparty} is blocked: no rule allows unlimited for that spender`,
    { asset: intent.asset, spender: intent.counterparty, allowance: formatAmount(intent.amount) },
  );

function strictestAction(rules: readonly Rule[]): ActionType | undefined {
  return rules
    .map((rule) => rule.action.type)
    .reduce<ActionType | undefined>((a, b) => (a === undefined ? b : stricterAction(a, b)), undefined);
}

const approvalOf = (rule: Rule): ApprovalSpec[] => (rule.action.type === 'REQUIRE_APPROVAL' ? [rule.action] : []);

const VERB: Readonly<Record<ActionType, string>> = {
  ALLOW: 'allowed',
  REQUIRE_APPROVAL: 'approval required',
  BLOCK: 'blocked',
};

function explain(
  action: ActionType,
  ruleAction: ActionType | undefined,
  deciding: readonly Rule[],
  escalation: EscalationOutcome,
  /** The approve refused as an unlimited allowance, if it was. */
  unlimitedRefused: Intent | undefined,
): string {
  if (ruleAction === undefined) return 'no rule matches: denied by default';
  const causes: string[] = [];
  if (deciding.length > 0)
    causes.push(`${deciding.length === 1 ? 'rule' : 'rules'} ${deciding.map((rule) => rule.id).join(', ')}`);
  if (escalation.action === action && escalation.causes.length > 0)
    causes.push(`limits (${escalation.causes.join(', ')})`);
  if (unlimitedRefused !== undefined) {
    const { asset, counterparty } = unlimitedRefused;
    causes.push(`an unlimited allowance of ${asset} to ${counterparty} that no rule allows`);
  }
  return `${VERB[action]} by ${causes.join(' and ')}`;
}

import {
  DEFAULT_ESCALATION,
  stricterAction,
  type ActionType,
  type ApprovalSpec,
  type Escalation,
  type EscalationConfig,
  type EscalationType,
  type Policy,
  type Rule,
  type SideEffect,
  type Violation,
  type ViolationCode,
  type ViolationSeverity,
} from './policy';

/** What violations and blocking rules do beyond the rules' own decision. */
export interface EscalationOutcome {
  /** ALLOW when nothing escalates, REQUIRE_APPROVAL when every escalation asks for approval, else BLOCK. */
  readonly action: ActionType;
  /** The violations whose escalation set `action`. */
  readonly causes: readonly ViolationCode[];
  /** Who approves when `action` is REQUIRE_APPROVAL: the limits' approver. */
  readonly approvals: readonly ApprovalSpec[];
  /** Side effects for the caller, LOCKDOWN first, then FREEZE, then NOTIFY. */
  readonly escalations: readonly Escalation[];
}

// Only REQUIRE_APPROVAL lets the transfer go on; every side effect stops it.
const transferEffect = (type: EscalationType): ActionType =>
  type === 'REQUIRE_APPROVAL' ? 'REQUIRE_APPROVAL' : 'BLOCK';

const SIDE_EFFECT_ORDER: Readonly<Record<SideEffect, number>> = { LOCKDOWN: 0, FREEZE: 1, NOTIFY: 2 };

const ruleEscalation = (rule: Rule): Escalation[] =>
  rule.action.type === 'BLOCK' && rule.escalate !== undefined
    ? [{ type: rule.escalate, reason: `rule:${rule.id}` }]
    : [];

/** What a severity escalates to under this policy; 'none' escalates nothing. */
export function escalationFor(
  severity: ViolationSeverity,
  config: EscalationConfig | undefined,
): EscalationType | undefined {
  if (severity === 'none') return undefined;
  return config?.[severity] ?? DEFAULT_ESCALATION[severity];
}

/**
 * Escalates each violation by its severity, and adds the escalation of each matched BLOCK rule.
 *
 * A NOTIFY blocks the transfer like FREEZE and LOCKDOWN do. When one violation asks for approval and
 * another for NOTIFY, the transfer is blocked: a further violation must never relax a decision.
 */
export function escalate(
  violations: readonly Violation[],
  matchedRules: readonly Rule[],
  policy: Pick<Policy, 'escalation' | 'limits'>,
): EscalationOutcome {
  const escalated = violations.flatMap((v) => {
    const type = escalationFor(v.severity, policy.escalation);
    return type === undefined ? [] : [{ code: v.code, type }];
  });
  const approver = policy.limits.approval;
  const wanted = escalated.map(({ type }) => transferEffect(type)).reduce(stricterAction, 'ALLOW');
  // parsePolicy refuses an approval escalation without an approver; a hand-built policy fails safe.
  const action = wanted === 'REQUIRE_APPROVAL' && approver === undefined ? 'BLOCK' : wanted;
  const causes = escalated.filter(({ type }) => transferEffect(type) === wanted).map(({ code }) => code);
  const escalations: Escalation[] = [
    ...escalated.flatMap(({ code, type }) => (type === 'REQUIRE_APPROVAL' ? [] : [{ type, reason: code }])),
    ...matchedRules.flatMap(ruleEscalation),
  ];
  return {
    action,
    causes,
    approvals: action === 'REQUIRE_APPROVAL' && approver !== undefined ? [approver] : [],
    escalations: escalations.sort((a, b) => SIDE_EFFECT_ORDER[a.type] - SIDE_EFFECT_ORDER[b.type]),
  };
}

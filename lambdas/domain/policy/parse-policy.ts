import { formatAmount } from '../money';
import { escalationFor } from './escalate';
import { parseLimits, possibleViolations } from './parse-limits';
import { parseRule } from './parse-rule';
import {
  compact,
  field,
  invalid,
  item,
  readArray,
  readEnum,
  readInteger,
  readObject,
  readOptional,
} from './policy-fields';
import {
  MAX_RULES,
  VIOLATION_SEVERITY,
  type AllowanceMatch,
  type AmountRange,
  type AssetLimits,
  type ContractCallMatch,
  type EscalationConfig,
  type EscalationType,
  type JsonValue,
  type Policy,
  type PolicyContext,
  type Rule,
  type RuleMatch,
  type Severity,
  type WalletLimits,
} from './policy';

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const ESCALATION_TYPES: readonly EscalationType[] = ['NOTIFY', 'REQUIRE_APPROVAL', 'FREEZE', 'LOCKDOWN'];

/** A policy in its JSON form: amounts as decimal strings. */
export type PolicyJson = { readonly [key: string]: JsonValue };

/**
 * Parses a policy from JSON, refusing anything invalid with POLICY.INVALID whose `details.path`
 * names the field (`rules[2].action.quorum`) and `details.reason` says why. Objects are closed:
 * an unknown field is refused, since a misspelt criterion would otherwise match everything.
 *
 * `version` defaults to 1 (the store assigns it); `limits` defaults to none. Approver groups and
 * quorums are checked against `context.groups` as they are now.
 */
export function parsePolicy(input: unknown, context: PolicyContext): Policy {
  const raw = readObject(input, '', ['version', 'rules', 'limits', 'escalation']);
  const version = readOptional(raw, '', 'version', (v, p) => readInteger(v, p, 1)) ?? 1;
  const rules = parseRules(raw.rules, 'rules', context);
  const limits = raw.limits === undefined ? {} : parseLimits(raw.limits, 'limits', context);
  const escalation = readOptional(raw, '', 'escalation', parseEscalation);
  requireEscalationApprover(limits, escalation);
  return compact({ version, rules, limits, escalation });
}

function parseRules(value: unknown, path: string, context: PolicyContext): readonly Rule[] {
  const list = readArray(value, path);
  if (list.length > MAX_RULES) invalid(path, `must hold at most ${MAX_RULES} rules, has ${list.length}`);
  const rules = list.map((rule, i) => parseRule(rule, item(path, i), context));
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.id)) invalid(field(item(path, i), 'id'), `repeats the id "${rule.id}" of an earlier rule`);
    seen.add(rule.id);
  });
  return rules;
}

function parseEscalation(value: unknown, path: string): EscalationConfig {
  const raw = readObject(value, path, SEVERITIES);
  const read = (severity: Severity) => readOptional(raw, path, severity, (v, p) => readEnum(v, p, ESCALATION_TYPES));
  return compact({ low: read('low'), medium: read('medium'), high: read('high'), critical: read('critical') });
}

function requireEscalationApprover(limits: WalletLimits, escalation: EscalationConfig | undefined): void {
  if (limits.approval !== undefined) return;
  const code = possibleViolations(limits).find(
    (c) => escalationFor(VIOLATION_SEVERITY[c], escalation) === 'REQUIRE_APPROVAL',
  );
  if (code !== undefined) {
    invalid(
      'limits.approval',
      `is required: a ${code} violation escalates to REQUIRE_APPROVAL, and someone must approve`,
    );
  }
}

/** The JSON form of a policy; `parsePolicy(serializePolicy(p), context)` equals `p`. */
export function serializePolicy(policy: Policy): PolicyJson {
  return json({
    version: policy.version,
    rules: policy.rules.map(serializeRule),
    limits: serializeLimits(policy.limits),
    escalation: policy.escalation,
  });
}

function serializeRule(rule: Rule): PolicyJson {
  return json({
    id: rule.id,
    description: rule.description,
    match: serializeMatch(rule.match),
    action: { ...rule.action },
    escalate: rule.escalate,
  });
}

function serializeMatch(match: RuleMatch): PolicyJson {
  return json({
    assets: match.assets,
    counterparty: match.counterparty,
    amount: match.amount && serializeRange(match.amount),
    initiatorRoles: match.initiatorRoles,
    operations: match.operations,
    contractCall: match.contractCall && serializeContractCall(match.contractCall),
    allowance: match.allowance && serializeAllowance(match.allowance),
  });
}

const serializeAllowance = (allowance: AllowanceMatch): PolicyJson =>
  json({
    spenders: allowance.spenders,
    maxAllowance: amount(allowance.maxAllowance),
    unlimited: allowance.unlimited,
  });

function serializeContractCall(call: ContractCallMatch): PolicyJson {
  const args = call.args?.map((arg) => json({ index: arg.index, ...serializeRange(arg), oneOf: arg.oneOf }));
  return json({ target: call.target, signature: call.signature, args });
}

function serializeLimits(limits: WalletLimits): PolicyJson {
  const perAsset =
    limits.perAsset &&
    Object.fromEntries(Object.entries(limits.perAsset).map(([asset, l]) => [asset, serializeAssetLimits(l ?? {})]));
  return json({
    perAsset,
    allowedHours: limits.allowedHours && { ...limits.allowedHours },
    allowedWeekdays: limits.allowedWeekdays,
    cooldownSeconds: limits.cooldownSeconds,
    approval: limits.approval && { ...limits.approval },
  });
}

const serializeAssetLimits = (l: AssetLimits): PolicyJson =>
  json({
    perTransaction: amount(l.perTransaction),
    daily: amount(l.daily),
    weekly: amount(l.weekly),
    monthly: amount(l.monthly),
  });

const serializeRange = (range: AmountRange): PolicyJson => json({ min: amount(range.min), max: amount(range.max) });

const amount = (value: bigint | undefined): string | undefined =>
  value === undefined ? undefined : formatAmount(value);

const json = (fields: { readonly [key: string]: JsonValue | undefined }): PolicyJson => compact(fields) as PolicyJson;

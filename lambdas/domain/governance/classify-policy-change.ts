import { sameAddress } from '../address';
import { escalationFor } from '../policy/escalate';
import { possibleViolations } from '../policy/parse-limits';
import {
  DEFAULT_OPERATIONS,
  VIOLATION_SEVERITY,
  type AllowanceMatch,
  type AmountRange,
  type ApprovalSpec,
  type ArgumentLimit,
  type AssetLimits,
  type ContractCallMatch,
  type CounterpartyMatch,
  type HourWindow,
  type Policy,
  type Rule,
  type RuleMatch,
  type Severity,
  type WalletLimits,
} from '../policy/policy';

export interface PolicyChangeClass {
  readonly direction: 'tightening' | 'weakening';
  /**
   * Human-readable reasons, one per relaxation found (empty for tightening), e.g. "rule r1 removed: it
   * blocked …", "limit perTransaction of native raised from 1 to 2", "approval quorum of rule r2 lowered from 2 to 1".
   */
  readonly reasons: readonly string[];
}

/**
 * Whether replacing `before` (undefined: the wallet has no policy) by `after` can only make decisions
 * stricter. "When unsure, it is weakening": the change is tightening only when every relaxation check
 * below passes, and each check is a sufficient (not necessary) condition proven against evaluatePolicy.
 *
 * "At least as strict", per evaluation input: a BLOCK stays a BLOCK and keeps every side effect type
 * (NOTIFY, FREEZE, LOCKDOWN); a REQUIRE_APPROVAL becomes a BLOCK, or an approval that names every group
 * it named with no smaller quorum (per group and overall) and no longer timeout (an approval that may
 * stay open longer gives more time to gather or coerce approvers: combineApprovals too treats the
 * shortest timeout as the strictest); an ALLOW may become anything.
 *
 * evaluatePolicy is not first-match: every matching rule counts, the most restrictive action decides,
 * and no match is a BLOCK. Rule order and rule ids therefore carry no meaning (ids only name rules in
 * decisions), and the checks compare rules by what they match, not by position. `version` and
 * `description` are bookkeeping and are ignored.
 *
 * The rules are tightening when (M(r) is the set of intents and initiators rule r matches):
 * 1. every BLOCK rule b of `before` is covered by a BLOCK rule of `after` whose match includes M(b) and
 *    that carries b's escalation, if b has one: whatever b blocked stays blocked with b's side effect;
 * 2. every REQUIRE_APPROVAL rule q of `before` is covered by a rule of `after` whose match includes M(q)
 *    and that blocks, or requires approval of q's group with no smaller quorum and no longer timeout:
 *    wherever q raised the decision to an approval, something at least as strict still does (so an
 *    approval rule may be widened, e.g. a lower amount threshold, or turned into a BLOCK);
 * 3. every ALLOW or REQUIRE_APPROVAL rule p of `after` lies within a non-blocking rule p' of `before`
 *    (M(p) ⊆ M(p')), and allows unlimited allowances only if p' did: no intent gains a first non-blocking
 *    match (deny by default keeps blocking it) and no unlimited approve loses its UNLIMITED_ALLOWANCE
 *    refusal. ALLOW rules of `before` may therefore be removed, narrowed, or turned into approvals.
 * Given 1–3: a `before` BLOCK by rule stays (1); a `before` no-match or unlimited refusal stays (3); a
 * `before` approval stays an approval at least as strict (2; approvals only add up, never cancel); an
 * ALLOW is the floor.
 *
 * Limits and escalation are tightening when every violation `before` could raise is still raised, and
 * escalates at least as strictly:
 * 4. limits compared field by field: each amount limit of each asset kept at most as high, allowed
 *    hours and weekdays kept as subsets, the cooldown kept at least as long (added limits are free);
 * 5. for each severity `before`'s limits can raise, the escalation stays the same, or goes from
 *    REQUIRE_APPROVAL to a side effect (which blocks). Side effects are never exchanged for one another:
 *    whether FREEZE implies NOTIFY is the caller's business, not provable here;
 * 6. when `before` can escalate to REQUIRE_APPROVAL, the limits approver keeps its group with no smaller
 *    quorum and no longer timeout, or is removed (evaluation then blocks: fail safe); an approver added
 *    where there was none is weakening (evaluation blocked those escalations for want of one).
 * Violations `after` adds only escalate further, and extra approvals only add requirements.
 *
 * With no policy, decidePolicy blocks everything with no side effect: `after` is tightening only when
 * it has no rule that allows or asks for approval, so that every decision is a BLOCK.
 *
 * Matches are compared criterion by criterion, an inclusion that is sound but not complete: a criterion
 * it cannot show to be included is reported as narrowed (of a rule that restricts) or widened (of a rule
 * that lets through), and the change counts as weakening. A wallet that is not ACTIVE blocks under any policy.
 */
export function classifyPolicyChange(before: Policy | undefined, after: Policy): PolicyChangeClass {
  const reasons = before === undefined ? noPolicyRelaxations(after) : relaxations(before, after);
  return { direction: reasons.length === 0 ? 'tightening' : 'weakening', reasons };
}

function noPolicyRelaxations(after: Policy): string[] {
  return after.rules
    .filter(letsThrough)
    .map((rule) => `rule ${rule.id} ${verbOf(rule)} intents: without a policy every transfer was denied`);
}

function relaxations(before: Policy, after: Policy): string[] {
  return [
    ...before.rules.flatMap((rule) => blockRelaxations(rule, after.rules)),
    ...before.rules.flatMap((rule) => approvalRuleRelaxations(rule, after.rules)),
    ...after.rules.flatMap((rule) => newPathRelaxations(rule, before.rules)),
    ...limitRelaxations(before.limits, after.limits),
    ...escalationRelaxations(before, after),
    ...approverRelaxations(before, after),
  ];
}

// ---- rules ----

/** Whether the rule can be a wallet's way through: deny by default blocks what only BLOCK rules match. */
const letsThrough = (rule: Rule): boolean => rule.action.type !== 'BLOCK';

/** As evaluatePolicy: a non-blocking rule naming the spender with `unlimited: true` lifts UNLIMITED_ALLOWANCE. */
const allowsUnlimited = (rule: Rule): boolean => letsThrough(rule) && rule.match.allowance?.unlimited === true;

const verbOf = (rule: Rule): string => (rule.action.type === 'ALLOW' ? 'allows' : 'allows with approval');

const sameId = (rules: readonly Rule[], id: string): Rule | undefined => rules.find((rule) => rule.id === id);

/** Check 1: what a BLOCK rule of `before` blocked stays blocked, with its side effect. */
function blockRelaxations(rule: Rule, after: readonly Rule[]): string[] {
  if (rule.action.type !== 'BLOCK') return [];
  const covered = after.some(
    (other) =>
      other.action.type === 'BLOCK' &&
      includes(other.match, rule.match) &&
      (rule.escalate === undefined || other.escalate === rule.escalate),
  );
  if (covered) return [];
  const successor = sameId(after, rule.id);
  if (successor === undefined)
    return [`rule ${rule.id} removed: it blocked intents that no rule of the new policy blocks`];
  if (successor.action.type !== 'BLOCK') return [`rule ${rule.id} changed from BLOCK to ${successor.action.type}`];
  const widened = widenedCriteria(rule.match, successor.match);
  if (widened.length > 0)
    return [`rule ${rule.id} narrowed (${widened.join(', ')}): it no longer blocks everything it blocked`];
  return [
    `escalation ${rule.escalate} of rule ${rule.id} ${successor.escalate === undefined ? 'removed' : `changed to ${successor.escalate}`}`,
  ];
}

/** Check 2: where an approval rule of `before` asked for approval, something at least as strict still applies. */
function approvalRuleRelaxations(rule: Rule, after: readonly Rule[]): string[] {
  const spec = rule.action;
  if (spec.type !== 'REQUIRE_APPROVAL') return [];
  const covered = after.some(
    (other) =>
      includes(other.match, rule.match) &&
      (other.action.type === 'BLOCK' || (other.action.type === 'REQUIRE_APPROVAL' && asksAtLeast(other.action, spec))),
  );
  if (covered) return [];
  const successor = sameId(after, rule.id);
  if (successor === undefined)
    return [`rule ${rule.id} removed: it required approval by ${spec.quorum} of ${spec.approverGroup}`];
  if (successor.action.type === 'ALLOW') return [`rule ${rule.id} relaxed from REQUIRE_APPROVAL to ALLOW`];
  const widened = widenedCriteria(rule.match, successor.match);
  // Not covered: a successor that blocks, or asks for the same approval, must have been narrowed.
  if (successor.action.type === 'REQUIRE_APPROVAL' && widened.length === 0)
    return specRelaxations(`rule ${rule.id}`, spec, successor.action);
  return [`rule ${rule.id} narrowed (${widened.join(', ')}): it no longer requires approval for everything it did`];
}

/** Check 3: a rule of `after` that lets intents through lets through only what `before` let through. */
function newPathRelaxations(rule: Rule, before: readonly Rule[]): string[] {
  if (!letsThrough(rule)) return [];
  const within = before.some(
    (other) =>
      letsThrough(other) && includes(other.match, rule.match) && (!allowsUnlimited(rule) || allowsUnlimited(other)),
  );
  if (within) return [];
  const predecessor = sameId(before, rule.id);
  if (predecessor === undefined)
    return [`rule ${rule.id} added: it ${verbOf(rule)} intents that no rule of the old policy let through`];
  if (!letsThrough(predecessor)) return [`rule ${rule.id} changed from BLOCK to ${rule.action.type}`];
  const widened = widenedCriteria(rule.match, predecessor.match);
  if (widened.length > 0)
    return [
      `rule ${rule.id} widened (${widened.join(', ')}): it ${verbOf(rule)} intents that no rule of the old policy let through`,
    ];
  return [`rule ${rule.id} now allows unlimited allowances, which no rule of the old policy allowed`];
}

/** Whether approval by `after` is at least as hard to get as by `before`. */
const asksAtLeast = (after: ApprovalSpec, before: ApprovalSpec): boolean =>
  specRelaxations('', before, after).length === 0;

/** The ways `after` asks less than `before`; empty when it asks at least as much. */
function specRelaxations(subject: string, before: ApprovalSpec, after: ApprovalSpec): string[] {
  return [
    ...(after.approverGroup === before.approverGroup
      ? []
      : [`approver group of ${subject} changed from ${before.approverGroup} to ${after.approverGroup}`]),
    ...(after.quorum >= before.quorum
      ? []
      : [`approval quorum of ${subject} lowered from ${before.quorum} to ${after.quorum}`]),
    ...(after.timeoutSeconds <= before.timeoutSeconds
      ? []
      : [`approval timeout of ${subject} raised from ${before.timeoutSeconds} to ${after.timeoutSeconds} s`]),
  ];
}

// ---- match inclusion: sound, not complete ----

/** Whether every intent and initiator `inner` matches, `outer` matches too (as far as can be shown). */
const includes = (outer: RuleMatch, inner: RuleMatch): boolean => widenedCriteria(inner, outer).length === 0;

/** The criteria of `outer` that `inner` is not shown to imply: empty when M(inner) ⊆ M(outer). */
function widenedCriteria(inner: RuleMatch, outer: RuleMatch): string[] {
  const checks: readonly [string, boolean][] = [
    [outer.contractCall === undefined ? 'operations' : 'contractCall', kindWithin(inner, outer)],
    ['assets', outer.assets === undefined || (inner.assets !== undefined && listedWithin(inner.assets, outer.assets))],
    ['counterparty', counterpartyWithin(inner.counterparty, outer.counterparty)],
    ['amount', outer.amount === undefined || rangeWithin(inner.amount ?? {}, outer.amount)],
    [
      'initiatorRoles',
      outer.initiatorRoles === undefined ||
        (inner.initiatorRoles !== undefined && inner.initiatorRoles.every((r) => outer.initiatorRoles?.includes(r))),
    ],
    ['allowance', allowanceWithin(inner.allowance, outer.allowance)],
  ];
  return checks.filter(([, within]) => !within).map(([name]) => name);
}

// As matchRule: a contract-call rule matches contract calls only, a generic rule its operations only.
function kindWithin(inner: RuleMatch, outer: RuleMatch): boolean {
  if (outer.contractCall !== undefined)
    return inner.contractCall !== undefined && contractCallWithin(inner.contractCall, outer.contractCall);
  if (inner.contractCall !== undefined) return false;
  const outerOperations = outer.operations ?? DEFAULT_OPERATIONS;
  return (inner.operations ?? DEFAULT_OPERATIONS).every((op) => outerOperations.includes(op));
}

/** Case-insensitive, as matchRule compares addresses and assets. */
function listedWithin(inner: readonly string[], outer: readonly string[]): boolean {
  return inner.every((value) => outer.some((other) => sameAddress(value, other)));
}

// An allowlist and a denylist both match the listed counterparties: the action, not the type, denies.
function counterpartyWithin(inner: CounterpartyMatch | undefined, outer: CounterpartyMatch | undefined): boolean {
  if (outer === undefined || outer.type === 'any') return true;
  return inner !== undefined && inner.type !== 'any' && listedWithin(inner.addresses, outer.addresses);
}

/** Inclusive ranges; a bound `outer` sets must be set at least as tightly by `inner`. */
function rangeWithin(inner: AmountRange, outer: AmountRange): boolean {
  return (
    (outer.min === undefined || (inner.min !== undefined && inner.min >= outer.min)) &&
    (outer.max === undefined || (inner.max !== undefined && inner.max <= outer.max))
  );
}

// Target, selector and parameter types must agree exactly: the arguments are decoded by the parameters.
function contractCallWithin(inner: ContractCallMatch, outer: ContractCallMatch): boolean {
  return (
    sameAddress(inner.target, outer.target) &&
    inner.selector.toLowerCase() === outer.selector.toLowerCase() &&
    JSON.stringify(inner.parameters) === JSON.stringify(outer.parameters) &&
    (outer.args ?? []).every((limit) => {
      const own = inner.args?.find((candidate) => candidate.index === limit.index);
      return own !== undefined && argumentWithin(own, limit);
    })
  );
}

// As matchRule's withinLimit: a limit with `oneOf` judges only the address list, otherwise the range.
function argumentWithin(inner: ArgumentLimit, outer: ArgumentLimit): boolean {
  if (outer.oneOf !== undefined) return inner.oneOf !== undefined && listedWithin(inner.oneOf, outer.oneOf);
  return inner.oneOf === undefined && rangeWithin(inner, outer);
}

// As matchRule's matchesAllowance: an unlimited approve matches only `unlimited: true`, a limited one
// only up to `maxAllowance`.
function allowanceWithin(inner: AllowanceMatch | undefined, outer: AllowanceMatch | undefined): boolean {
  if (outer === undefined) return true;
  return (
    inner !== undefined &&
    listedWithin(inner.spenders, outer.spenders) &&
    (inner.unlimited !== true || outer.unlimited === true) &&
    (outer.maxAllowance === undefined || (inner.maxAllowance !== undefined && inner.maxAllowance <= outer.maxAllowance))
  );
}

// ---- limits and escalation ----

const AMOUNT_LIMITS = ['perTransaction', 'daily', 'weekly', 'monthly'] as const;
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Check 4: every limit of `before` still holds in `after`, at least as tightly. */
function limitRelaxations(before: WalletLimits, after: WalletLimits): string[] {
  return [
    ...amountLimitRelaxations(before.perAsset, after.perAsset),
    ...hourRelaxations(before.allowedHours, after.allowedHours),
    ...weekdayRelaxations(before.allowedWeekdays, after.allowedWeekdays),
    ...cooldownRelaxations(before.cooldownSeconds, after.cooldownSeconds),
  ];
}

// Keys are compared exactly, as checkLimits looks the intent's (checksummed) asset up.
function amountLimitRelaxations(before: WalletLimits['perAsset'], after: WalletLimits['perAsset']): string[] {
  const afterLimits = new Map<string, AssetLimits | undefined>(Object.entries(after ?? {}));
  return Object.entries(before ?? {}).flatMap(([asset, limits]) =>
    AMOUNT_LIMITS.flatMap((window) => {
      const old = limits?.[window];
      const now = afterLimits.get(asset)?.[window];
      if (old === undefined || (now !== undefined && now <= old)) return [];
      return now === undefined
        ? [`limit ${window} of ${asset} removed (was ${old})`]
        : [`limit ${window} of ${asset} raised from ${old} to ${now}`];
    }),
  );
}

/** The UTC hours inside the window, as checkLimits reads it (start > end crosses midnight). */
function hoursOf({ start, end }: HourWindow): number[] {
  return Array.from({ length: 24 }, (_, hour) => hour).filter((hour) =>
    start < end ? hour >= start && hour < end : hour >= start || hour < end,
  );
}

const formatHours = ({ start, end }: HourWindow): string => `[${start}, ${end}) UTC`;

function hourRelaxations(before: HourWindow | undefined, after: HourWindow | undefined): string[] {
  if (before === undefined) return [];
  if (after === undefined) return [`allowed hours ${formatHours(before)} removed`];
  const old = hoursOf(before);
  return hoursOf(after).every((hour) => old.includes(hour))
    ? []
    : [`allowed hours widened from ${formatHours(before)} to ${formatHours(after)}`];
}

function weekdayRelaxations(before: readonly number[] | undefined, after: readonly number[] | undefined): string[] {
  if (before === undefined) return [];
  if (after === undefined) return [`allowed weekdays ${before.join(', ')} removed`];
  const added = after.filter((day) => !before.includes(day));
  return added.length === 0 ? [] : [`allowed weekdays widened by ${added.join(', ')} (0 = Sunday)`];
}

function cooldownRelaxations(before: number | undefined, after: number | undefined): string[] {
  if (before === undefined || (after !== undefined && after >= before)) return [];
  return after === undefined ? [`cooldown of ${before} s removed`] : [`cooldown lowered from ${before} to ${after} s`];
}

/** The severities of the violations the limits can raise. */
function raisableSeverities(limits: WalletLimits): Severity[] {
  const raised = new Set(possibleViolations(limits).map((code) => VIOLATION_SEVERITY[code]));
  return SEVERITIES.filter((severity) => raised.has(severity));
}

/** Check 5: each violation `before` can raise escalates the same, or from an approval to a side effect. */
function escalationRelaxations(before: Policy, after: Policy): string[] {
  return raisableSeverities(before.limits).flatMap((severity) => {
    const old = escalationFor(severity, before.escalation);
    const now = escalationFor(severity, after.escalation);
    if (old === now || (old === 'REQUIRE_APPROVAL' && now !== undefined)) return [];
    return [`escalation of ${severity} violations changed from ${old} to ${now}`];
  });
}

/** Check 6: the limits approver asks no less wherever `before` could escalate to an approval. */
function approverRelaxations(before: Policy, after: Policy): string[] {
  const escalatesToApproval = raisableSeverities(before.limits).some(
    (severity) => escalationFor(severity, before.escalation) === 'REQUIRE_APPROVAL',
  );
  const [old, now] = [before.limits.approval, after.limits.approval];
  if (!escalatesToApproval || now === undefined) return [];
  if (old === undefined)
    return ['limits approval added: violations blocked for want of an approver can now be approved'];
  return specRelaxations('the limits approval', old, now);
}

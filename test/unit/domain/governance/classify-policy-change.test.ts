import fc from 'fast-check';
import { classifyPolicyChange } from '../../../../lambdas/domain/governance/classify-policy-change';
import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import type {
  ApprovalRequirement,
  ApprovalSpec,
  AssetLimits,
  EscalationType,
  EvaluationInput,
  Policy,
  PolicyDecision,
  Rule,
  RuleAction,
  RuleMatch,
  Severity,
  SideEffect,
  WalletLimits,
} from '../../../../lambdas/domain/policy/policy';
import { ROLES } from '../../../../lambdas/domain/principal';
import { approveIntent, evaluationInput, intent, policyJson, ruleJson } from '../policy/policy-arbitraries';
import {
  ALICE,
  BOB,
  GROUPS,
  MIXER,
  OTHER_TOKEN,
  SPENDER,
  TOKEN,
  VAULT,
  allow,
  approval,
  block,
  erc20Approve,
  input,
  nativeTransfer,
  policy,
  tokenTransfer,
  vaultDeposit,
} from '../policy/policy-fixtures';

// ---- the strictness order the classifier promises, judged on real decisions ----

type Judged = Pick<PolicyDecision, 'action' | 'approval' | 'escalations'>;

/** What decidePolicy answers for a wallet without a policy: deny by default, no side effect. */
const NO_POLICY: Judged = { action: 'BLOCK', escalations: [] };

const decide = (p: Policy | undefined, evaluation: EvaluationInput): Judged =>
  p === undefined ? NO_POLICY : evaluatePolicy(p, evaluation);

function asksAtLeast(after: ApprovalRequirement, before: ApprovalRequirement): boolean {
  return (
    after.quorum >= before.quorum &&
    after.timeoutSeconds <= before.timeoutSeconds &&
    before.groups.every(({ group, quorum }) => (after.groups.find((g) => g.group === group)?.quorum ?? 0) >= quorum)
  );
}

/**
 * BLOCK > REQUIRE_APPROVAL > ALLOW; between two approvals, every group of the first with no smaller
 * quorum, no smaller overall quorum and no longer timeout; and no side effect type is lost.
 */
function atLeastAsStrict(after: Judged, before: Judged): boolean {
  const effects = new Set(after.escalations.map((e) => e.type));
  if (!before.escalations.every((e) => effects.has(e.type))) return false;
  if (before.action === 'ALLOW' || after.action === 'BLOCK') return true;
  if (before.action === 'BLOCK' || after.action === 'ALLOW') return false;
  return after.approval !== undefined && before.approval !== undefined && asksAtLeast(after.approval, before.approval);
}

const APPROVER = { quorum: 1, approverGroup: 'risk', timeoutSeconds: 3600 };
const ALL_KINDS = { operations: ['transfer', 'approve', 'transferFrom'] };

const tightening = (before: Policy | undefined, after: Policy) => {
  const change = classifyPolicyChange(before, after);
  expect(change.reasons).toEqual([]);
  expect(change.direction).toBe('tightening');
};

/** Expects weakening with a reason matching `reason`; with a witness, also that the witness really got laxer. */
function weakening(before: Policy | undefined, after: Policy, reason: RegExp, witness?: EvaluationInput): void {
  const change = classifyPolicyChange(before, after);
  expect(change.direction).toBe('weakening');
  expect(change.reasons).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
  if (witness !== undefined) expect(atLeastAsStrict(decide(after, witness), decide(before, witness))).toBe(false);
}

describe('classifyPolicyChange: tightening', () => {
  const base = {
    version: 3,
    rules: [
      block('no-mixer', { counterparty: { type: 'denylist', addresses: [MIXER] } }, { escalate: 'FREEZE' }),
      allow('known', { counterparty: { type: 'allowlist', addresses: [ALICE, BOB] }, assets: ['native', TOKEN] }),
      approval('large', 2, 'treasury', 3600, { amount: { min: '1000' } }),
    ],
    limits: { perAsset: { native: { perTransaction: '5000', daily: '10000' } }, approval: APPROVER },
  };
  const before = policy(base);
  const edit = (changes: object) => policy({ ...base, ...changes });

  it('identical policies, whatever the version the store assigned', () => {
    tightening(before, before);
    tightening(before, edit({ version: 4 }));
  });

  it('a BLOCK rule added, at the front or at the end: the evaluator is not first-match', () => {
    const bob = block('no-bob', { counterparty: { type: 'allowlist', addresses: [BOB] } });
    tightening(before, edit({ rules: [bob, ...base.rules] }));
    tightening(before, edit({ rules: [...base.rules, bob] }));
  });

  it('rules reordered or renamed', () => {
    tightening(before, edit({ rules: [...base.rules].reverse() }));
    tightening(before, edit({ rules: base.rules.map((rule) => ({ ...rule, id: `${rule.id}-v2` })) }));
  });

  it('a limit lowered, or added', () => {
    tightening(
      before,
      edit({ limits: { ...base.limits, perAsset: { native: { perTransaction: '4000', daily: '10000' } } } }),
    );
    tightening(
      before,
      edit({
        limits: {
          ...base.limits,
          perAsset: { native: { perTransaction: '5000', daily: '10000', weekly: '20000' }, [TOKEN]: { daily: '7' } },
          cooldownSeconds: 60,
          allowedHours: { start: 8, end: 18 },
          allowedWeekdays: [1, 2, 3, 4, 5],
        },
      }),
    );
  });

  it('limits added to a policy that had none, with the approver they need', () => {
    const bare = policy({ rules: [allow('all', ALL_KINDS)] });
    tightening(
      bare,
      policy({
        rules: [allow('all', ALL_KINDS)],
        limits: { perAsset: { native: { perTransaction: '1' } }, approval: APPROVER },
      }),
    );
  });

  it('allowed hours and weekdays narrowed, a cooldown lengthened', () => {
    const limited = (limits: object) => policy({ rules: [allow('all')], limits });
    tightening(
      limited({ allowedHours: { start: 22, end: 6 }, allowedWeekdays: [0, 6], cooldownSeconds: 60 }),
      limited({ allowedHours: { start: 23, end: 2 }, allowedWeekdays: [6], cooldownSeconds: 61 }),
    );
  });

  it('a quorum raised, a timeout shortened', () => {
    tightening(
      before,
      edit({
        rules: [base.rules[0], base.rules[1], approval('large', 3, 'treasury', 600, { amount: { min: '1000' } })],
      }),
    );
  });

  it('an approval threshold lowered: the approval rule widened inside what an ALLOW rule allowed', () => {
    const rules = (min: string) => [allow('all'), approval('large', 2, 'treasury', 3600, { amount: { min } })];
    tightening(policy({ rules: rules('1000') }), policy({ rules: rules('500') }));
  });

  it('an ALLOW rule narrowed, turned into an approval, or removed', () => {
    const [noMixer, , large] = base.rules;
    const narrowed = allow('known', { counterparty: { type: 'allowlist', addresses: [ALICE] }, assets: ['native'] });
    tightening(before, edit({ rules: [noMixer, narrowed, large] }));
    tightening(
      before,
      edit({ rules: [noMixer, { ...base.rules[1], action: { type: 'REQUIRE_APPROVAL', ...APPROVER } }, large] }),
    );
    tightening(before, edit({ rules: [noMixer, large] }));
  });

  it('an ALLOW rule added inside an approval rule cannot override it: the strictest matching rule decides', () => {
    const after = edit({ rules: [allow('shortcut', { amount: { min: '2000' } }), ...base.rules] });
    tightening(before, after);
    expect(evaluatePolicy(after, input(nativeTransfer(ALICE, 3000n))).action).toBe('REQUIRE_APPROVAL');
  });

  it('a BLOCK rule widened, an approval rule turned into a BLOCK, an escalation added to a BLOCK rule', () => {
    const [, known, large] = base.rules;
    const wider = block(
      'no-mixer',
      { counterparty: { type: 'denylist', addresses: [MIXER, SPENDER] } },
      { escalate: 'FREEZE' },
    );
    tightening(before, edit({ rules: [wider, known, large] }));
    tightening(before, edit({ rules: [base.rules[0], known, { ...large, action: { type: 'BLOCK' } }] }));
    const plain = policy({ rules: [block('b', { assets: [TOKEN] }), allow('all')] });
    tightening(plain, policy({ rules: [block('b', { assets: [TOKEN] }, { escalate: 'NOTIFY' }), allow('all')] }));
  });

  it('an approval escalation turned into a side effect', () => {
    tightening(before, edit({ escalation: { medium: 'FREEZE' } }));
  });

  it('no policy before, and a policy that only blocks', () => {
    tightening(undefined, policy({ rules: [] }));
    tightening(
      undefined,
      policy({ rules: [block('all', ALL_KINDS, { escalate: 'NOTIFY' })], limits: { cooldownSeconds: 5 } }),
    );
  });
});

describe('classifyPolicyChange: weakening', () => {
  const base = {
    rules: [
      block('no-mixer', { counterparty: { type: 'denylist', addresses: [MIXER] } }, { escalate: 'FREEZE' }),
      allow('known', { counterparty: { type: 'allowlist', addresses: [ALICE, BOB] } }),
      approval('large', 2, 'treasury', 3600, { amount: { min: '1000' } }),
    ],
    limits: { perAsset: { native: { perTransaction: '5000', daily: '10000' } }, approval: APPROVER },
  };
  const before = policy(base);
  const edit = (changes: object) => policy({ ...base, ...changes });
  const [noMixer, known, large] = base.rules;

  it('a BLOCK rule removed', () => {
    const after = edit({
      rules: [known, large, allow('mixer', { counterparty: { type: 'allowlist', addresses: [MIXER] } })],
    });
    weakening(before, after, /^rule no-mixer removed: it blocked/, input(nativeTransfer(MIXER, 1n)));
  });

  it('a BLOCK rule narrowed, or its escalation removed or exchanged', () => {
    const narrowed = block(
      'no-mixer',
      { counterparty: { type: 'denylist', addresses: [MIXER] }, assets: [TOKEN] },
      { escalate: 'FREEZE' },
    );
    weakening(before, edit({ rules: [narrowed, known, large] }), /^rule no-mixer narrowed \(assets\)/);
    weakening(
      before,
      edit({ rules: [{ ...noMixer, escalate: undefined }, known, large] }),
      /^escalation FREEZE of rule no-mixer removed$/,
    );
    weakening(before, edit({ rules: [{ ...noMixer, escalate: 'NOTIFY' }, known, large] }), /changed to NOTIFY$/);
  });

  it('a limit raised or removed', () => {
    const raised = { ...base.limits, perAsset: { native: { perTransaction: '6000', daily: '10000' } } };
    weakening(before, edit({ limits: raised }), /^limit perTransaction of native raised from 5000 to 6000$/);
    const removed = { ...base.limits, perAsset: { native: { daily: '10000' } } };
    weakening(before, edit({ limits: removed }), /^limit perTransaction of native removed \(was 5000\)$/);
  });

  it('allowed hours widened, weekdays added, a cooldown shortened', () => {
    const limited = (limits: object) => policy({ rules: [allow('all')], limits });
    const old = limited({ allowedHours: { start: 22, end: 6 }, allowedWeekdays: [0, 6], cooldownSeconds: 60 });
    weakening(
      old,
      limited({ allowedHours: { start: 21, end: 6 }, allowedWeekdays: [0, 6], cooldownSeconds: 60 }),
      /allowed hours widened/,
    );
    weakening(
      old,
      limited({ allowedHours: { start: 22, end: 6 }, allowedWeekdays: [0, 1, 6], cooldownSeconds: 60 }),
      /weekdays widened by 1/,
    );
    weakening(
      old,
      limited({ allowedHours: { start: 22, end: 6 }, allowedWeekdays: [0, 6] }),
      /cooldown of 60 s removed/,
    );
  });

  it('a quorum lowered, a timeout lengthened, an approver group changed', () => {
    const approvalOf = (quorum: number, group: string, timeout: number) =>
      edit({ rules: [noMixer, known, approval('large', quorum, group, timeout, { amount: { min: '1000' } })] });
    weakening(
      before,
      approvalOf(1, 'treasury', 3600),
      /^approval quorum of rule large lowered from 2 to 1$/,
      input(nativeTransfer(ALICE, 2000n)),
    );
    weakening(before, approvalOf(2, 'treasury', 7200), /^approval timeout of rule large raised from 3600 to 7200 s$/);
    weakening(before, approvalOf(2, 'ops', 3600), /^approver group of rule large changed from treasury to ops$/);
  });

  it('an approval rule removed, narrowed or turned into an ALLOW exposes the ALLOW beside it', () => {
    const witness = input(nativeTransfer(ALICE, 2000n));
    weakening(
      before,
      edit({ rules: [noMixer, known] }),
      /^rule large removed: it required approval by 2 of treasury$/,
      witness,
    );
    const narrowed = approval('large', 2, 'treasury', 3600, { amount: { min: '3000' } });
    weakening(before, edit({ rules: [noMixer, known, narrowed] }), /^rule large narrowed \(amount\)/, witness);
    weakening(
      before,
      edit({ rules: [noMixer, known, { ...large, action: { type: 'ALLOW' } }] }),
      /relaxed from REQUIRE_APPROVAL to ALLOW/,
      witness,
    );
  });

  it('an ALLOW rule added that reaches beyond what was allowed (placed first, it still cannot beat the BLOCK)', () => {
    const after = edit({ rules: [allow('everything', ALL_KINDS), ...base.rules] });
    weakening(
      before,
      after,
      /^rule everything added: it allows intents that no rule of the old policy let through$/,
      input(nativeTransfer(SPENDER, 1n)),
    );
    expect(evaluatePolicy(after, input(nativeTransfer(MIXER, 1n))).action).toBe('BLOCK');
  });

  it("an ALLOW rule's allowlist widened", () => {
    const widened = allow('known', { counterparty: { type: 'allowlist', addresses: [ALICE, BOB, SPENDER] } });
    weakening(
      before,
      edit({ rules: [noMixer, widened, large] }),
      /^rule known widened \(counterparty\)/,
      input(nativeTransfer(SPENDER, 1n)),
    );
  });

  it('a BLOCK rule turned into an ALLOW', () => {
    weakening(
      before,
      edit({ rules: [{ ...noMixer, action: { type: 'ALLOW' }, escalate: undefined }, known, large] }),
      /^rule no-mixer changed from BLOCK to ALLOW$/,
    );
  });

  it('unlimited allowances allowed where they were not', () => {
    const allowance = (unlimited: boolean) =>
      policy({
        rules: [
          allow('approve', {
            operations: ['approve'],
            allowance: { spenders: [SPENDER], ...(unlimited ? { unlimited } : {}) },
          }),
        ],
      });
    weakening(
      allowance(false),
      allowance(true),
      /^rule approve widened \(allowance\)/,
      input(erc20Approve(SPENDER, 2n ** 255n)),
    );
    const generic = policy({ rules: [allow('approve', { operations: ['approve'] })] });
    weakening(
      generic,
      allowance(true),
      /^rule approve now allows unlimited allowances/,
      input(erc20Approve(SPENDER, 2n ** 255n)),
    );
  });

  it('an escalation relaxed, or an approver added where approval escalations were blocked', () => {
    const frozen = edit({ escalation: { medium: 'FREEZE' } });
    weakening(
      frozen,
      before,
      /^escalation of medium violations changed from FREEZE to REQUIRE_APPROVAL$/,
      input(nativeTransfer(ALICE, 6000n)),
    );
    const withoutApprover: Policy = { ...before, limits: { perAsset: before.limits.perAsset } };
    weakening(withoutApprover, before, /^limits approval added/, input(nativeTransfer(ALICE, 6000n)));
    weakening(
      before,
      { ...before, limits: { ...before.limits, approval: { ...APPROVER, quorum: 0 } } },
      /quorum of the limits approval lowered/,
    );
  });

  it('no policy before, and any rule that lets something through', () => {
    weakening(
      undefined,
      policy({
        rules: [
          block('b', { counterparty: { type: 'allowlist', addresses: [MIXER] } }),
          approval('a', 1, 'risk', 60, { assets: [TOKEN] }),
        ],
      }),
      /^rule a allows with approval intents: without a policy/,
      input(tokenTransfer(ALICE, 1n)),
    );
  });

  it('a contract call rule changed in a way that cannot be shown narrower', () => {
    const call = (args: object[]) =>
      policy({
        rules: [allow('vault', { contractCall: { target: VAULT, signature: 'deposit(uint256,address)', args } })],
      });
    tightening(
      call([{ index: 0, max: '100' }]),
      call([
        { index: 0, max: '50' },
        { index: 1, oneOf: [ALICE] },
      ]),
    );
    weakening(
      call([{ index: 1, oneOf: [ALICE] }]),
      call([{ index: 0, max: '50' }]),
      /^rule vault widened \(contractCall\)/,
      input(vaultDeposit(1n, BOB)),
    );
  });
});

// ---- the property: whatever is classified tightening decides at least as strictly, on every input ----

const COUNTERPARTIES = [ALICE, BOB, MIXER, SPENDER];
const ASSETS = ['native', TOKEN, OTHER_TOKEN] as const;
const SIDE_EFFECTS: readonly SideEffect[] = ['NOTIFY', 'FREEZE', 'LOCKDOWN'];
const ESCALATIONS: readonly EscalationType[] = ['NOTIFY', 'REQUIRE_APPROVAL', 'FREEZE', 'LOCKDOWN'];
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const WINDOWS = ['perTransaction', 'daily', 'weekly', 'monthly'] as const;

type Edit = (p: Policy) => Policy;

const withRules = (p: Policy, rules: readonly Rule[]): Policy => ({ ...p, rules });
const withLimits = (p: Omit<Policy, 'limits'>, limits: WalletLimits): Policy => ({ ...p, limits });

/** Applies `change` to the rule at `at` (modulo the rule count); no rule, no change. */
const onRule =
  (at: number, change: (rule: Rule) => Rule): Edit =>
  (p) =>
    p.rules.length === 0
      ? p
      : withRules(
          p,
          p.rules.map((rule, i) => (i === at % p.rules.length ? change(rule) : rule)),
        );

const parsedRule = (id: string) => ruleJson(id).map((json) => policy({ rules: [json] }).rules[0] as Rule);

const group = fc.constantFrom(...GROUPS.keys());
const approverSpec: fc.Arbitrary<ApprovalSpec> = group.chain((approverGroup) =>
  fc.record({
    approverGroup: fc.constant(approverGroup),
    quorum: fc.integer({ min: 1, max: GROUPS.get(approverGroup)?.size ?? 1 }),
    timeoutSeconds: fc.constantFrom(60, 3600, 86_400),
  }),
);
const approvalAction: fc.Arbitrary<RuleAction> = approverSpec.map((spec) => ({ type: 'REQUIRE_APPROVAL', ...spec }));
const action: fc.Arbitrary<RuleAction> = fc.oneof(
  fc.constant<RuleAction>({ type: 'ALLOW' }),
  fc.constant<RuleAction>({ type: 'BLOCK' }),
  approvalAction,
);

/** A criterion of a random rule's match, to set on another rule (narrowing it where it had none). */
const criterion = parsedRule('donor').chain((donor) => {
  const keys = Object.keys(donor.match) as (keyof RuleMatch)[];
  return keys.length === 0
    ? fc.constant<Partial<RuleMatch>>({})
    : fc.constantFrom(...keys).map((key): Partial<RuleMatch> => ({ [key]: donor.match[key] }));
});

const without = (match: RuleMatch, key: keyof RuleMatch): RuleMatch =>
  Object.fromEntries(Object.entries(match).filter(([k]) => k !== key)) as RuleMatch;

/** Adds or removes one element of a rule's list criterion: widens or narrows it. */
const toggled = <T>(list: readonly T[] | undefined, value: T): readonly T[] | undefined => {
  if (list === undefined) return undefined;
  const next = list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  return next.length === 0 ? list : next;
};

/** Moves a bound of an inclusive range by -400 … +400, never below 0. */
function shifted<T extends { readonly min?: bigint; readonly max?: bigint }>(range: T, pick: number): T {
  const delta = BigInt((pick % 5) * 200 - 400);
  const shift = (v: bigint | undefined) => (v === undefined ? undefined : v + delta < 0n ? 0n : v + delta);
  return pick % 2 === 0 ? { ...range, min: shift(range.min) } : { ...range, max: shift(range.max) };
}

/** Widens or narrows one criterion of a match a little: a list element toggled, a bound moved. */
function toggleInMatch(match: RuleMatch, which: number, pick: number): RuleMatch {
  const address = COUNTERPARTIES[pick % COUNTERPARTIES.length] ?? ALICE;
  // Only the criteria the match has: a criterion added or dropped is another edit.
  const present = (['assets', 'counterparty', 'initiatorRoles', 'amount', 'contractCall', 'allowance'] as const)
    .map((key, i) => (match[key] === undefined ? -1 : i))
    .filter((i) => i >= 0);
  switch (present[which % Math.max(present.length, 1)]) {
    case 0:
      return { ...match, assets: toggled(match.assets, ASSETS[pick % ASSETS.length] ?? 'native') };
    case 1: {
      const cp = match.counterparty;
      if (cp === undefined || cp.type === 'any') return match;
      return { ...match, counterparty: { ...cp, addresses: toggled(cp.addresses, address) ?? cp.addresses } };
    }
    case 2:
      return { ...match, initiatorRoles: toggled(match.initiatorRoles, ROLES[pick % ROLES.length] ?? 'admin') };
    case 3:
      return match.amount === undefined ? match : { ...match, amount: shifted(match.amount, pick) };
    case 4: {
      const call = match.contractCall;
      if (call?.args === undefined) return match;
      const args = call.args.map((limit) =>
        limit.oneOf === undefined ? shifted(limit, pick) : { ...limit, oneOf: toggled(limit.oneOf, address) },
      );
      return { ...match, contractCall: { ...call, args } };
    }
    case 5: {
      const allowance = match.allowance;
      if (allowance === undefined) return match;
      if (pick % 2 === 0)
        return {
          ...match,
          allowance: { ...allowance, spenders: toggled(allowance.spenders, address) ?? allowance.spenders },
        };
      const max =
        allowance.maxAllowance === undefined ? undefined : shifted({ max: allowance.maxAllowance }, which).max;
      return max === undefined ? match : { ...match, allowance: { ...allowance, maxAllowance: max } };
    }
    default:
      return match;
  }
}

const scaled = (value: bigint, factor: number): bigint => (value * BigInt(Math.round(factor * 4))) / 4n;

function editAssetLimits(
  limits: WalletLimits,
  asset: string,
  window: (typeof WINDOWS)[number],
  factor: number,
): WalletLimits {
  const perAsset: Record<string, AssetLimits | undefined> = { ...limits.perAsset };
  const current: Record<string, bigint | undefined> = { ...perAsset[asset] };
  const old = current[window];
  current[window] = factor === 0 ? undefined : old === undefined ? scaled(1_000n, factor) : scaled(old, factor);
  perAsset[asset] = Object.fromEntries(Object.entries(current).filter(([, v]) => v !== undefined));
  return { ...limits, perAsset: perAsset as WalletLimits['perAsset'] };
}

/** Random edits: some stricter (BLOCK rules, lower limits, higher quorums), some laxer, some neither. */
const edit: fc.Arbitrary<Edit> = fc.oneof(
  // Rules: insert, remove, reorder, rename, change action or escalation.
  {
    weight: 3,
    arbitrary: fc.tuple(parsedRule('added'), fc.nat(), fc.boolean()).map(([rule, at, asBlock]): Edit => (p) => {
      const added: Rule = asBlock ? { ...rule, action: { type: 'BLOCK' } } : rule;
      const rules = [...p.rules];
      rules.splice(at % (rules.length + 1), 0, { ...added, id: `added${rules.length}` });
      return withRules(p, rules);
    }),
  },
  {
    weight: 2,
    arbitrary: fc.nat().map(
      (at): Edit =>
        (p) =>
          withRules(
            p,
            p.rules.filter((_, i) => i !== at % p.rules.length),
          ),
    ),
  },
  { weight: 1, arbitrary: fc.constant<Edit>((p) => withRules(p, [...p.rules].reverse())) },
  { weight: 1, arbitrary: fc.nat().map((at) => onRule(at, (rule) => ({ ...rule, id: `${rule.id}-renamed` }))) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat(), action).map(([at, next]) =>
      onRule(at, (rule) => {
        const { escalate, ...rest } = rule;
        return next.type === 'BLOCK' && escalate !== undefined
          ? { ...rest, escalate, action: next }
          : { ...rest, action: next };
      }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: -1, max: 2 }), fc.constantFrom(-3000, 0, 0, 600))
      .map(([at, dq, dt]) =>
        onRule(at, (rule) =>
          rule.action.type === 'REQUIRE_APPROVAL'
            ? {
                ...rule,
                action: {
                  ...rule.action,
                  quorum: Math.max(1, rule.action.quorum + dq),
                  timeoutSeconds: Math.max(1, rule.action.timeoutSeconds + dt),
                },
              }
            : rule,
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.option(fc.constantFrom(...SIDE_EFFECTS), { nil: undefined }))
      .map(([at, escalate]) =>
        onRule(at, ({ escalate: _old, ...rule }) =>
          rule.action.type === 'BLOCK' && escalate !== undefined ? { ...rule, escalate } : rule,
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.nat().map((at): Edit => (p) => {
      const candidates = p.rules.filter((rule) => rule.match.allowance !== undefined);
      const target = candidates[at % Math.max(candidates.length, 1)];
      return onRule(target === undefined ? 0 : p.rules.indexOf(target), (rule) => {
        const allowance = rule.match.allowance;
        if (allowance === undefined) return rule;
        const { unlimited, maxAllowance: _max, ...spenders } = allowance;
        return {
          ...rule,
          match: { ...rule.match, allowance: unlimited === true ? spenders : { ...spenders, unlimited: true } },
        };
      })(p);
    }),
  },
  // Matches: narrow by a criterion, widen by dropping one, toggle a list element, shift an amount bound.
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(), criterion)
      .map(([at, added]) => onRule(at, (rule) => ({ ...rule, match: { ...rule.match, ...added } }))),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.nat(),
        fc.constantFrom<keyof RuleMatch>(
          'assets',
          'counterparty',
          'amount',
          'initiatorRoles',
          'operations',
          'allowance',
        ),
      )
      .map(([at, key]) => onRule(at, (rule) => ({ ...rule, match: without(rule.match, key) }))),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.nat(), fc.nat(), fc.nat())
      .map(([at, which, pick]) => onRule(at, (rule) => ({ ...rule, match: toggleInMatch(rule.match, which, pick) }))),
  },
  // Limits: scale, remove or add an amount limit; move the hours; toggle a weekday; change the cooldown.
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...ASSETS), fc.constantFrom(...WINDOWS), fc.constantFrom(0, 0.5, 0.75, 1.25, 2))
      .map(
        ([asset, window, factor]): Edit =>
          (p) =>
            withLimits(p, editAssetLimits(p.limits, asset, window, factor)),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .option(
        fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 })).filter(([s, e]) => s !== e),
        { nil: undefined },
      )
      .map(
        (hours): Edit =>
          ({ limits: { allowedHours: _old, ...limits }, ...p }) =>
            withLimits(
              p,
              hours === undefined ? limits : { ...limits, allowedHours: { start: hours[0], end: hours[1] } },
            ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 6 }).map((day): Edit => (p) => {
      const days = p.limits.allowedWeekdays;
      const next = days === undefined ? [day] : days.includes(day) ? days.filter((d) => d !== day) : [...days, day];
      return withLimits(p, { ...p.limits, allowedWeekdays: next.length === 0 ? [day] : next });
    }),
  },
  {
    weight: 1,
    arbitrary: fc.option(fc.constantFrom(30, 600, 3600), { nil: undefined }).map(
      (cooldown): Edit =>
        ({ limits: { cooldownSeconds: _old, ...limits }, ...p }) =>
          withLimits(p, cooldown === undefined ? limits : { ...limits, cooldownSeconds: cooldown }),
    ),
  },
  // Escalation and the limits approver.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...SEVERITIES), fc.constantFrom(...ESCALATIONS))
      .map(([severity, type]): Edit => (p) => ({
        ...p,
        escalation: { ...p.escalation, [severity]: type },
      })),
  },
  {
    weight: 1,
    arbitrary: fc.option(approverSpec, { nil: undefined }).map(
      (approver): Edit =>
        ({ limits: { approval: _old, ...limits }, ...p }) =>
          withLimits(p, approver === undefined ? limits : { ...limits, approval: approver }),
    ),
  },
);

/** Every rule blocks: with no policy before, the only kind of policy that is tightening. */
const blockOnly = (p: Policy): Policy =>
  withRules(
    p,
    p.rules.map((rule) => (rule.action.type === 'BLOCK' ? rule : { ...rule, action: { type: 'BLOCK' } })),
  );

/**
 * Broad rules that most generated intents meet: random rules rarely match a random intent, and a change
 * can only show in a decision where some rule lets the intent through.
 */
const BROAD_RULES: readonly Rule[] = policy({
  rules: [
    allow('broad-allow', ALL_KINDS),
    allow('broad-native', { assets: ['native'] }),
    allow('broad-known', {
      operations: ['transfer', 'approve'],
      counterparty: { type: 'allowlist', addresses: [ALICE, BOB] },
    }),
    approval('broad-approval', 2, 'treasury', 3600, ALL_KINDS),
    approval('broad-large', 1, 'risk', 600, { amount: { min: '1500' } }),
    allow('broad-unlimited', { operations: ['approve'], allowance: { spenders: [SPENDER, ALICE], unlimited: true } }),
    allow('broad-approve', { operations: ['approve'] }),
    allow('broad-allowance', {
      operations: ['approve'],
      allowance: { spenders: [SPENDER, BOB], maxAllowance: '1500' },
    }),
    allow('broad-vault', {
      contractCall: { target: VAULT, signature: 'deposit(uint256,address)', args: [{ index: 0, max: '1500' }] },
    }),
    allow('broad-receiver', {
      contractCall: { target: VAULT, signature: 'deposit(uint256,address)', args: [{ index: 1, oneOf: [ALICE, BOB] }] },
    }),
  ],
}).rules;

/** Amount limits around the generated amounts (1 … 3000) and usage, so that they are often hit. */
const assetLimits: fc.Arbitrary<AssetLimits> = fc
  .tuple(fc.constantFrom(500n, 1500n, 2500n), fc.constantFrom(0n, 1000n, 3000n), fc.constantFrom(0n, 3000n))
  .chain(([perTransaction, d, w]) =>
    fc.subarray(
      [
        ['perTransaction', perTransaction],
        ['daily', perTransaction + d],
        ['weekly', perTransaction + d + w],
      ] as const,
      { minLength: 1 },
    ),
  )
  .map((entries) => Object.fromEntries(entries));

const limits: fc.Arbitrary<WalletLimits> = fc.record(
  {
    perAsset: fc.record({ native: assetLimits, [TOKEN]: assetLimits }, { requiredKeys: [] }),
    allowedHours: fc.constantFrom({ start: 6, end: 22 }, { start: 22, end: 20 }),
    allowedWeekdays: fc.constantFrom([1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]),
    cooldownSeconds: fc.constantFrom(60, 600),
    approval: approverSpec,
  },
  { requiredKeys: ['perAsset', 'approval'] },
);

const escalation = fc.record(
  Object.fromEntries(SEVERITIES.map((severity) => [severity, fc.constantFrom(...ESCALATIONS)])),
  { requiredKeys: [] },
);

/** A random policy (random rules, some broad rules, limits near the generated amounts), the `before` of a pair. */
const basePolicy = (randomRules: number): fc.Arbitrary<Policy> =>
  fc
    .tuple(
      policyJson.map(policy),
      fc.subarray([...BROAD_RULES], { minLength: 1, maxLength: 4 }),
      limits,
      fc.option(escalation, { nil: undefined }),
    )
    .map(([p, broad, walletLimits, overrides]) => ({
      version: p.version,
      rules: [...broad, ...p.rules.slice(0, randomRules)],
      limits: walletLimits,
      ...(overrides === undefined ? {} : { escalation: overrides }),
    }));

const edited = (before: fc.Arbitrary<Policy>, edits: number) =>
  fc.tuple(before, fc.array(edit, { minLength: 1, maxLength: edits })).map(([p, applied]) => ({
    before: p as Policy | undefined,
    after: applied.reduce((q, e) => e(q), p),
  }));

// Single edits of policies of broad rules make each kind of relaxation the only change often enough
// to be caught; random rules and double edits add the combinations.
const pair = fc.oneof(
  { weight: 5, arbitrary: edited(basePolicy(0), 1) },
  { weight: 4, arbitrary: edited(basePolicy(2), 2) },
  {
    weight: 1,
    arbitrary: fc.tuple(basePolicy(2), fc.boolean()).map(([after, onlyBlocks]) => ({
      before: undefined as Policy | undefined,
      after: onlyBlocks ? blockOnly(after) : after,
    })),
  },
);

const evaluations = fc.array(
  evaluationInput(
    fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'FROZEN'),
    fc.oneof(
      intent,
      approveIntent,
      fc
        .tuple(fc.bigInt({ min: 1n, max: 3000n }), fc.constantFrom(ALICE, BOB, MIXER))
        .map(([amount, receiver]) => vaultDeposit(amount, receiver)),
    ),
  ),
  { minLength: 12, maxLength: 12 },
);

describe('classifyPolicyChange: soundness against evaluatePolicy', () => {
  it('a change classified tightening decides every generated input at least as strictly', () => {
    const RUNS = 600;
    let tight = 0;
    let strictlyTighter = 0;
    fc.assert(
      fc.property(pair, evaluations, ({ before, after }, evaluations) => {
        if (classifyPolicyChange(before, after).direction !== 'tightening') return;
        tight += 1;
        let stricterSomewhere = false;
        for (const evaluation of evaluations) {
          const [old, now] = [decide(before, evaluation), decide(after, evaluation)];
          expect(atLeastAsStrict(now, old)).toBe(true);
          stricterSomewhere ||= !atLeastAsStrict(old, now);
        }
        if (stricterSomewhere) strictlyTighter += 1;
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: a good share is classified tightening, and many of those really decide differently.
    expect(tight).toBeGreaterThanOrEqual(RUNS * 0.4);
    expect(strictlyTighter).toBeGreaterThanOrEqual(RUNS * 0.08);
  });
});

import fc from 'fast-check';
import { encodeFunctionData } from 'viem';
import type { Address } from '../../../../lambdas/domain/address';
import type { Intent } from '../../../../lambdas/domain/intents';
import { MAX_UINT256 } from '../../../../lambdas/domain/money';
import {
  UNLIMITED_ALLOWANCE_MIN,
  type EvaluationInput,
  type WalletStatus,
} from '../../../../lambdas/domain/policy/policy';
import { ROLES } from '../../../../lambdas/domain/principal';
import {
  ALICE,
  BOB,
  GROUPS,
  MIXER,
  OTHER_TOKEN,
  SPENDER,
  TOKEN,
  VAULT,
  VAULT_ABI,
  callIntent,
  erc20Approve,
  erc20IncreaseAllowance,
  nativeTransfer,
  tokenTransfer,
} from './policy-fixtures';

// Small pools, so that generated rules and intents meet often enough for the properties to bite.
const COUNTERPARTIES: Address[] = [ALICE, BOB, MIXER, SPENDER];
const ASSETS = ['native', TOKEN, OTHER_TOKEN];
const amount = fc.bigInt({ min: 1n, max: 3_000n });
const bound = fc.bigInt({ min: 0n, max: 3_000n }).map(String);

const counterpartyMatch = fc.oneof(
  fc.constant({ type: 'any' }),
  fc.record({
    type: fc.constantFrom('allowlist', 'denylist'),
    addresses: fc.subarray(COUNTERPARTIES, { minLength: 1 }),
  }),
);

const amountRange = fc
  .tuple(fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }))
  .filter(([min, max]) => min !== undefined || max !== undefined)
  .map(([a, b]) =>
    a !== undefined && b !== undefined && BigInt(a) > BigInt(b) ? { min: b, max: a } : { min: a, max: b },
  )
  .map(({ min, max }) => ({ ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) }));

const common = {
  assets: fc.subarray(ASSETS, { minLength: 1 }),
  counterparty: counterpartyMatch,
  amount: amountRange,
  initiatorRoles: fc.subarray([...ROLES], { minLength: 1 }),
};

/** Keeps at most `max` of the fields of `all`: rules with many criteria would rarely match anything. */
function someOf<T extends Record<string, unknown>>(all: fc.Arbitrary<T>, max: number): fc.Arbitrary<Partial<T>> {
  return all.chain((record) =>
    fc
      .subarray(Object.keys(record), { maxLength: max })
      .map((keys) => Object.fromEntries(keys.map((k) => [k, record[k]])) as Partial<T>),
  );
}

const genericMatch = someOf(
  fc.record({ ...common, operations: fc.subarray(['transfer', 'approve', 'transferFrom'], { minLength: 1 }) }),
  2,
);

const contractCall = fc.record(
  {
    target: fc.constantFrom(VAULT, OTHER_TOKEN),
    signature: fc.constant('deposit(uint256,address)'),
    args: fc.constantFrom([{ index: 0, max: '1500' }], [{ index: 1, oneOf: [ALICE, BOB] }]),
  },
  { requiredKeys: ['target', 'signature'] },
);

const callMatch = fc
  .tuple(someOf(fc.record(common), 1), contractCall)
  .map(([criteria, call]) => ({ ...criteria, contractCall: call }));

const allowanceCriterion = fc
  .tuple(
    fc.subarray(COUNTERPARTIES, { minLength: 1 }),
    fc.oneof(
      fc.constant({}),
      bound.map((maxAllowance) => ({ maxAllowance })),
      fc.boolean().map((unlimited) => ({ unlimited })),
    ),
  )
  .map(([spenders, extra]) => ({ spenders, ...extra }));

/** The match of an allowance rule: approvals only, optionally narrowed by asset or initiator role. */
export const allowanceMatch = fc
  .tuple(someOf(fc.record({ assets: common.assets, initiatorRoles: common.initiatorRoles }), 1), allowanceCriterion)
  .map(([criteria, allowance]) => ({ ...criteria, operations: ['approve'], allowance }));

const anyMatch = fc.oneof(genericMatch, callMatch, allowanceMatch);

const group = fc.constantFrom(...GROUPS.keys());

const approvalSpec = group.chain((approverGroup) =>
  fc.record({
    quorum: fc.integer({ min: 1, max: GROUPS.get(approverGroup)?.size ?? 1 }),
    approverGroup: fc.constant(approverGroup),
    timeoutSeconds: fc.integer({ min: 1, max: 7 * 86_400 }),
  }),
);

/** A rule's action in JSON form. */
export const actionJson = fc.oneof(
  fc.constant({ type: 'ALLOW' }),
  approvalSpec.map((spec) => ({ type: 'REQUIRE_APPROVAL', ...spec })),
  fc.constant({ type: 'BLOCK' }),
);

const ruleBody = fc.oneof(
  {
    arbitrary: fc.record({ match: anyMatch, action: fc.constant({ type: 'ALLOW' }) }),
    weight: 2,
  },
  fc.record({
    match: anyMatch,
    action: approvalSpec.map((spec) => ({ type: 'REQUIRE_APPROVAL', ...spec })),
  }),
  fc.record(
    {
      match: anyMatch,
      action: fc.constant({ type: 'BLOCK' }),
      escalate: fc.constantFrom('NOTIFY', 'FREEZE', 'LOCKDOWN'),
    },
    { requiredKeys: ['match', 'action'] },
  ),
);

/** A rule in JSON form with the given id. */
export const ruleJson = (id: string) => ruleBody.map((body) => ({ id, ...body }));

const assetLimits = fc
  .tuple(
    fc.bigInt({ min: 1n, max: 2_000n }),
    fc.bigInt({ min: 0n, max: 2_000n }),
    fc.bigInt({ min: 0n, max: 5_000n }),
    fc.bigInt({ min: 0n, max: 10_000n }),
  )
  .map(([perTransaction, d, w, m]) => ({
    perTransaction,
    daily: perTransaction + d,
    weekly: perTransaction + d + w,
    monthly: perTransaction + d + w + m,
  }))
  .chain((limits) =>
    fc
      .subarray(Object.entries(limits), { minLength: 1 })
      .map((entries) => Object.fromEntries(entries.map(([k, v]) => [k, v.toString()]))),
  );

export const limitsJson = fc
  .tuple(
    someOf(
      fc.record({
        perAsset: fc
          .subarray(ASSETS, { minLength: 1 })
          .chain((assets) =>
            fc.tuple(...assets.map(() => assetLimits)).map((l) => Object.fromEntries(assets.map((a, i) => [a, l[i]]))),
          ),
        allowedHours: fc
          .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 }))
          .filter(([s, e]) => s !== e)
          .map(([start, end]) => ({ start, end })),
        allowedWeekdays: fc.subarray([0, 1, 2, 3, 4, 5, 6], { minLength: 1 }),
        cooldownSeconds: fc.integer({ min: 1, max: 86_400 }),
      }),
      2,
    ),
    approvalSpec,
  )
  .map(([limits, approval]) => ({ ...limits, approval }));

const escalationJson = fc.record(
  Object.fromEntries(
    ['low', 'medium', 'high', 'critical'].map((s) => [
      s,
      fc.constantFrom('NOTIFY', 'REQUIRE_APPROVAL', 'FREEZE', 'LOCKDOWN'),
    ]),
  ),
  { requiredKeys: [] },
);

/** A random valid policy in JSON form; rules are named r0, r1, … */
export const policyJson = fc.record(
  {
    version: fc.integer({ min: 1, max: 1_000 }),
    rules: fc.array(ruleBody, { maxLength: 8 }).map((bodies) => bodies.map((body, i) => ({ id: `r${i}`, ...body }))),
    limits: limitsJson,
    escalation: escalationJson,
  },
  { requiredKeys: ['rules'] },
);

const to = fc.constantFrom(...COUNTERPARTIES);

/** Allowances around the bounds rules use, and around where "unlimited" starts. */
const allowanceAmount = fc.oneof(
  amount,
  fc.constantFrom(0n, UNLIMITED_ALLOWANCE_MIN - 1n, UNLIMITED_ALLOWANCE_MIN, MAX_UINT256),
);

/** An approve or increaseAllowance over the same pools. */
export const approveIntent: fc.Arbitrary<Intent> = fc
  .tuple(to, allowanceAmount, fc.constantFrom(TOKEN, OTHER_TOKEN), fc.boolean())
  .map(([spender, value, token, increase]) =>
    increase ? erc20IncreaseAllowance(spender, value, token) : erc20Approve(spender, value, token),
  );

/** A random intent over the same pools, built the way the API builds it. */
export const intent: fc.Arbitrary<Intent> = fc.oneof(
  fc.tuple(to, amount).map(([recipient, value]) => nativeTransfer(recipient, value)),
  fc
    .tuple(to, amount, fc.constantFrom(TOKEN, OTHER_TOKEN))
    .map(([recipient, value, token]) => tokenTransfer(recipient, value, token)),
  approveIntent,
  fc
    .tuple(amount, to, fc.constantFrom(VAULT, OTHER_TOKEN), fc.bigInt({ min: 0n, max: 10n }))
    .map(([value, receiver, target, sent]) =>
      callIntent(
        target,
        encodeFunctionData({ abi: VAULT_ABI, functionName: 'deposit', args: [value, receiver] }),
        sent,
      ),
    ),
  fc
    .integer({ min: 0, max: 255 })
    .map((fee) => callIntent(VAULT, encodeFunctionData({ abi: VAULT_ABI, functionName: 'setFee', args: [fee] }))),
);

const DAY_MS = 86_400_000;
const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2025, 0, 1) }).map((ms) => new Date(ms));

/** A random evaluation input; `walletStatus` is ACTIVE unless told, the intent any of {@link intent} unless told. */
export const evaluationInput = (
  walletStatus: fc.Arbitrary<WalletStatus> = fc.constant('ACTIVE'),
  intents: fc.Arbitrary<Intent> = intent,
): fc.Arbitrary<EvaluationInput> =>
  fc
    .record(
      {
        intent: intents,
        initiator: fc.subarray([...ROLES]).map((roles) => ({ id: 'user-1', roles })),
        now: instant,
        walletStatus,
        usage: fc
          .tuple(
            fc.bigInt({ min: 0n, max: 3_000n }),
            fc.bigInt({ min: 0n, max: 6_000n }),
            fc.bigInt({ min: 0n, max: 12_000n }),
          )
          .map(([daily, w, m]) => ({ daily, weekly: daily + w, monthly: daily + w + m })),
        lastTransferGapMs: fc.integer({ min: -1_000, max: DAY_MS }),
        exposure: fc.bigInt({ min: 0n, max: 3_000n }),
      },
      { requiredKeys: ['intent', 'initiator', 'now', 'walletStatus', 'usage'] },
    )
    .map(({ lastTransferGapMs, ...rest }) => ({
      ...rest,
      ...(lastTransferGapMs === undefined ? {} : { lastTransferAt: new Date(rest.now.getTime() - lastTransferGapMs) }),
    }));

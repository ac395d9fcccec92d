import type { AbiParameter, Hex } from 'viem';
import type { Address } from '../address';
import type { Asset } from '../asset';
import type { Intent } from '../intents';
import type { Principal, Role } from '../principal';

/**
 * A wallet's transfer policy: ordered rules that decide ALLOW / REQUIRE_APPROVAL / BLOCK, wallet
 * limits that raise violations, and how violations escalate. Deny by default: an intent no rule
 * matches is blocked. Amounts are bigint base units; {@link parsePolicy} reads them from decimal strings.
 */
export interface Policy {
  /** Assigned by the policy store; decisions carry it so an audit can name the policy that applied. */
  readonly version: number;
  readonly rules: readonly Rule[];
  readonly limits: WalletLimits;
  /** Overrides of {@link DEFAULT_ESCALATION}, per severity. */
  readonly escalation?: EscalationConfig;
}

/** What a policy is checked against besides itself: the approval groups that exist now. */
export interface PolicyContext {
  readonly groups: ReadonlyMap<string, { readonly size: number }>;
}

/** The most rules a policy may hold: evaluation cost and reviewability both grow with it. */
export const MAX_RULES = 200;

export interface Rule {
  /** 1–64 characters of [A-Za-z0-9_.-], unique in the policy. */
  readonly id: string;
  readonly description?: string;
  readonly match: RuleMatch;
  readonly action: RuleAction;
  /** A side effect to apply when this rule blocks; only BLOCK rules carry one. */
  readonly escalate?: SideEffect;
}

/** The operations a rule without `contractCall` covers when it names none. */
export const DEFAULT_OPERATIONS: readonly Operation[] = ['transfer'];

/** The intent kinds a generic (non contract-call) rule can name. */
export type Operation = 'transfer' | 'approve' | 'transferFrom';

/** Every present criterion must match; an absent criterion matches anything. */
export interface RuleMatch {
  readonly assets?: readonly Asset[];
  readonly counterparty?: CounterpartyMatch;
  /** Inclusive bounds on the intent's amount (for an approve: the allowance). */
  readonly amount?: AmountRange;
  /** Matches when the initiator holds any of these roles. */
  readonly initiatorRoles?: readonly Role[];
  /**
   * Absent means {@link DEFAULT_OPERATIONS}, so a generic rule never allows approvals silently.
   * Never set together with `contractCall`.
   */
  readonly operations?: readonly Operation[];
  /** With it, the rule matches only contract calls to this target and function; without it, never. */
  readonly contractCall?: ContractCallMatch;
  /**
   * Which allowances the rule covers. Only with `operations: ['approve']`, and never with `counterparty`
   * or `amount`, which it replaces for approvals.
   */
  readonly allowance?: AllowanceMatch;
}

/**
 * The allowances a rule covers: an approve (or increaseAllowance) matches when its spender is listed
 * and the allowance it grants is at most `maxAllowance`. An allowance of {@link UNLIMITED_ALLOWANCE_MIN}
 * or more is "unlimited": it matches only with `unlimited: true`, and is blocked unless such a rule
 * matches (UNLIMITED_ALLOWANCE).
 */
export interface AllowanceMatch {
  readonly spenders: readonly Address[];
  /** Inclusive, below {@link UNLIMITED_ALLOWANCE_MIN}; absent: any limited allowance. Never with `unlimited`. */
  readonly maxAllowance?: bigint;
  readonly unlimited?: boolean;
}

/**
 * Allowances from 2^255 up are "unlimited": tokens and wallets treat values near 2^256 - 1 as infinite,
 * and no custody limit is that large, so such an approve hands the spender the whole balance for good.
 */
export const UNLIMITED_ALLOWANCE_MIN = 2n ** 255n;

/** A denylist matches when the counterparty IS listed: pair it with BLOCK. */
export type CounterpartyMatch =
  | { readonly type: 'any' }
  | { readonly type: 'allowlist'; readonly addresses: readonly Address[] }
  | { readonly type: 'denylist'; readonly addresses: readonly Address[] };

/** Inclusive bounds; at least one is set. */
export interface AmountRange {
  readonly min?: bigint;
  readonly max?: bigint;
}

/**
 * A function of one contract. `selector` and `parameters` are derived from `signature` when the
 * policy is parsed, so evaluation never hashes or parses a signature.
 */
export interface ContractCallMatch {
  readonly target: Address;
  /** As written in the policy, e.g. "deposit(uint256,address)". */
  readonly signature: string;
  readonly selector: Hex;
  readonly parameters: readonly AbiParameter[];
  readonly args?: readonly ArgumentLimit[];
}

/**
 * A limit on one decoded argument: `min`/`max` (non-negative, inclusive) only on integer arguments,
 * `oneOf` only on address arguments.
 */
export interface ArgumentLimit {
  readonly index: number;
  readonly min?: bigint;
  readonly max?: bigint;
  readonly oneOf?: readonly Address[];
}

export type RuleAction = { readonly type: 'ALLOW' } | ApprovalAction | { readonly type: 'BLOCK' };

export type ActionType = RuleAction['type'];

/** How restrictive each action is: the most restrictive of the matching rules decides. */
export const ACTION_STRICTNESS: Readonly<Record<ActionType, number>> = { ALLOW: 0, REQUIRE_APPROVAL: 1, BLOCK: 2 };

/** The more restrictive of two actions. */
export const stricterAction = (a: ActionType, b: ActionType): ActionType =>
  ACTION_STRICTNESS[a] >= ACTION_STRICTNESS[b] ? a : b;

/** Who must approve: `quorum` distinct members of `approverGroup` within `timeoutSeconds`. */
export interface ApprovalAction extends ApprovalSpec {
  readonly type: 'REQUIRE_APPROVAL';
}

export interface ApprovalSpec {
  readonly quorum: number;
  readonly approverGroup: string;
  readonly timeoutSeconds: number;
}

/** The longest an approval may stay open. */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;

/**
 * Limits of the wallet, checked on every intent kind. Breaking one is a {@link Violation}, which
 * escalates by its severity; limits never allow anything by themselves.
 */
export interface WalletLimits {
  /** Limits apply to an asset only when it is listed here. */
  readonly perAsset?: Readonly<Partial<Record<Asset, AssetLimits>>>;
  /** UTC hours, half-open [start, end); start > end crosses midnight (22→6). */
  readonly allowedHours?: HourWindow;
  /** UTC weekdays of `now`, 0 = Sunday … 6 = Saturday. */
  readonly allowedWeekdays?: readonly number[];
  /** The least time between two accepted transfers of the wallet. */
  readonly cooldownSeconds?: number;
  /** Who approves when a violation escalates to REQUIRE_APPROVAL. */
  readonly approval?: ApprovalSpec;
}

/** Amount limits of one asset; each window is rolling and counts the principal outflow before this transfer. */
export interface AssetLimits {
  readonly perTransaction?: bigint;
  readonly daily?: bigint;
  readonly weekly?: bigint;
  readonly monthly?: bigint;
}

export interface HourWindow {
  readonly start: number;
  readonly end: number;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** 'none' marks a refusal that escalates nothing (wallet not active, no rule matches). */
export type ViolationSeverity = Severity | 'none';

export type EscalationType = 'NOTIFY' | 'REQUIRE_APPROVAL' | 'FREEZE' | 'LOCKDOWN';

/** The escalations the caller applies besides the decision: REQUIRE_APPROVAL is the decision itself. */
export type SideEffect = Exclude<EscalationType, 'REQUIRE_APPROVAL'>;

export type EscalationConfig = Readonly<Partial<Record<Severity, EscalationType>>>;

/** What each severity escalates to unless the policy says otherwise. */
export const DEFAULT_ESCALATION: Readonly<Record<Severity, EscalationType>> = {
  low: 'NOTIFY',
  medium: 'REQUIRE_APPROVAL',
  high: 'FREEZE',
  critical: 'LOCKDOWN',
};

export type ViolationCode =
  | 'WALLET_FROZEN'
  | 'WALLET_LOCKED'
  | 'NO_MATCHING_RULE'
  | 'PER_TRANSACTION_LIMIT'
  | 'DAILY_LIMIT'
  | 'WEEKLY_LIMIT'
  | 'MONTHLY_LIMIT'
  | 'OUTSIDE_ALLOWED_HOURS'
  | 'OUTSIDE_ALLOWED_WEEKDAYS'
  | 'COOLDOWN'
  | 'UNLIMITED_ALLOWANCE';

/** The severity of each violation; wallet status, deny by default and unlimited allowances escalate nothing. */
export const VIOLATION_SEVERITY: Readonly<Record<ViolationCode, ViolationSeverity>> = {
  WALLET_FROZEN: 'none',
  WALLET_LOCKED: 'none',
  NO_MATCHING_RULE: 'none',
  PER_TRANSACTION_LIMIT: 'medium',
  DAILY_LIMIT: 'medium',
  WEEKLY_LIMIT: 'medium',
  MONTHLY_LIMIT: 'medium',
  OUTSIDE_ALLOWED_HOURS: 'low',
  OUTSIDE_ALLOWED_WEEKDAYS: 'low',
  COOLDOWN: 'low',
  // A refusal, not a breach to escalate: no approver may grant what no rule allows.
  UNLIMITED_ALLOWANCE: 'none',
};

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface Violation {
  readonly code: ViolationCode;
  readonly severity: ViolationSeverity;
  readonly message: string;
  /** JSON-safe: amounts as decimal strings. */
  readonly details: Readonly<Record<string, JsonValue>>;
}

export type WalletStatus = 'ACTIVE' | 'FROZEN' | 'LOCKED';

/** Everything evaluation needs; the caller reads the clock and the ledger, so evaluation stays pure. */
export interface EvaluationInput {
  readonly intent: Intent;
  readonly initiator: Principal;
  readonly now: Date;
  readonly walletStatus: WalletStatus;
  /** Principal outflow of `intent.asset` in the rolling 24 h / 7 d / 30 d before this transfer, excluding it. */
  readonly usage: VelocityUsage;
  /**
   * What this transfer counts against the velocity windows, as recorded when it was reserved: the
   * principal for a transfer, the granted allowance for an approve, 0 for an approve that lowers an
   * allowance. Absent: `intent.amount`. The per-transaction limit always judges `intent.amount`.
   */
  readonly exposure?: bigint;
  /** The wallet's previous accepted transfer, for the cooldown. */
  readonly lastTransferAt?: Date;
}

export interface VelocityUsage {
  readonly daily: bigint;
  readonly weekly: bigint;
  readonly monthly: bigint;
}

/** Every listed group must reach its own quorum; `quorum` is the largest of them. */
export interface ApprovalRequirement {
  readonly quorum: number;
  readonly groups: readonly { readonly group: string; readonly quorum: number }[];
  readonly timeoutSeconds: number;
}

/** A side effect for the caller to apply; `reason` is a violation code or `rule:<id>`. */
export interface Escalation {
  readonly type: SideEffect;
  readonly reason: ViolationCode | `rule:${string}`;
}

export interface PolicyDecision {
  readonly action: ActionType;
  readonly policyVersion: number;
  readonly matchedRuleIds: readonly string[];
  /**
   * The matched rules whose own action is the decision's action; empty when the decision comes from
   * the wallet status, deny by default, or escalated violations alone.
   */
  readonly decidingRuleIds: readonly string[];
  /** Present exactly when the action is REQUIRE_APPROVAL. */
  readonly approval?: ApprovalRequirement;
  readonly violations: readonly Violation[];
  /** Ordered LOCKDOWN, FREEZE, NOTIFY. */
  readonly escalations: readonly Escalation[];
  /** One human sentence. */
  readonly reason: string;
}

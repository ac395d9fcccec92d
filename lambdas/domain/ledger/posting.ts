import { keccak256, stringToHex, type Hex } from 'viem';
import type { Asset } from '../asset';
import type { Bucket, OutflowCounters } from './account-state';
import { accountKey, type LedgerAccount } from './ledger-account';

/** One side of a posting: a signed amount on one bucket of one account. */
export interface Leg {
  readonly account: LedgerAccount;
  readonly bucket: Bucket;
  readonly amount: bigint;
}

/** An increase of a wallet account's cumulative outflow counter; counters never go down. */
export interface CounterIncrement {
  readonly account: LedgerAccount;
  readonly counter: keyof OutflowCounters;
  readonly amount: bigint;
}

/** The funds held for one transfer: its principal on its asset, its fee allowance on the native asset. */
export interface Reservation {
  readonly transferId: string;
  readonly walletId: string;
  readonly asset: Asset;
  /** Principal in base units; zero for calls that move no value of `asset` (an ERC-20 approve). */
  readonly amount: bigint;
  /**
   * Native base units: gas limit × the highest max fee per gas any attempt of this transfer may be
   * signed with (the fee ceiling), so that replacements and our cancellation fit in it too.
   */
  readonly feeAllowance: bigint;
  /**
   * What the transfer counts against velocity limits when that is not `amount`: an approve moves no
   * principal but exposes the allowance it grants. Absent: `amount`. Every phase gives back the same.
   */
  readonly exposure?: bigint;
  /**
   * When the reservation was made: its RESERVE posting's time. The planner stamps it on every phase from
   * the postings recorded before (a caller may leave it out; one that differs is a conflict), so a
   * release cannot claim another time: velocity windows give a release back only to the window its
   * reservation was made in.
   */
  readonly reservedAt?: Date;
}

/** What a reservation counts against velocity limits (see {@link Reservation.exposure}). */
export const exposureOf = (r: Reservation): bigint => r.exposure ?? r.amount;

/**
 * An incoming transfer seen on chain. `depositId` names the observation (chain, transaction, log index
 * and block hash), so a deposit that reappears in another block after a reorg is a new deposit.
 */
export interface Deposit {
  readonly depositId: string;
  readonly walletId: string;
  readonly asset: Asset;
  readonly amount: bigint;
}

/**
 * Funds that left a custody address on chain without a transfer of ours (an ERC-20 Transfer log from
 * it, or a transaction from it that we did not sign). `outflowId` names the chain evidence, so the same
 * outflow seen twice is one outflow.
 */
export interface UnexplainedOutflow {
  readonly outflowId: string;
  readonly walletId: string;
  readonly asset: Asset;
  readonly amount: bigint;
}

export const TRANSFER_POSTING_TYPES = ['RESERVE', 'RELEASE', 'BROADCAST', 'SETTLE', 'SETTLE_CANCELLED'] as const;
export const DEPOSIT_POSTING_TYPES = ['DEPOSIT_SEEN', 'DEPOSIT_REORGED', 'DEPOSIT_CONFIRMED'] as const;
export const OUTFLOW_POSTING_TYPES = ['UNEXPLAINED_OUTFLOW'] as const;

export type TransferPostingType = (typeof TRANSFER_POSTING_TYPES)[number];
export type DepositPostingType = (typeof DEPOSIT_POSTING_TYPES)[number];
export type OutflowPostingType = (typeof OUTFLOW_POSTING_TYPES)[number];
export type PostingType = TransferPostingType | DepositPostingType | OutflowPostingType;

interface PostingBase {
  /** Deterministic (`<transferId>:<phase>`), so a retried step builds the same id and is a no-op. */
  readonly id: string;
  /** Per asset, the amounts sum to zero. */
  readonly legs: readonly Leg[];
  readonly counters: readonly CounterIncrement[];
  /** An input: the domain never reads the clock. */
  readonly at: Date;
}

/** A posting of one phase of a transfer; it carries the reservation so each phase can be checked against the first. */
export interface TransferPosting extends PostingBase {
  readonly type: TransferPostingType;
  readonly transferId: string;
  readonly reservation: Reservation;
}

export interface DepositPosting extends PostingBase {
  readonly type: DepositPostingType;
  readonly depositId: string;
  readonly deposit: Deposit;
}

/**
 * An unexplained outflow booked so that the ledger follows the chain. Its legs are decided by
 * `planPosting` from the wallet account's state when it is applied (which buckets the amount is
 * taken from), so the legs a caller builds are only a proposal; the recorded posting carries the split.
 */
export interface OutflowPosting extends PostingBase {
  readonly type: OutflowPostingType;
  readonly outflowId: string;
  readonly outflow: UnexplainedOutflow;
}

/** One balanced change of the ledger: the unit the store writes in one transaction. */
export type Posting = TransferPosting | DepositPosting | OutflowPosting;

/**
 * The most accounts one posting may touch. The store writes one journal entry per account, one posting
 * marker and up to two phase condition checks in one TransactWriteItems, which takes at most 10 items.
 */
export const MAX_ACCOUNTS_PER_POSTING = 6;

const ID_SUFFIX: { readonly [T in PostingType]: string } = {
  RESERVE: 'reserve',
  RELEASE: 'release',
  BROADCAST: 'broadcast',
  SETTLE: 'settle',
  SETTLE_CANCELLED: 'settle-cancelled',
  DEPOSIT_SEEN: 'deposit-seen',
  DEPOSIT_REORGED: 'deposit-reorged',
  DEPOSIT_CONFIRMED: 'deposit-confirmed',
  UNEXPLAINED_OUTFLOW: 'unexplained-outflow',
};

/** The id of the `type` posting of a transfer or deposit. */
export const postingId = (subjectId: string, type: PostingType): string => `${subjectId}:${ID_SUFFIX[type]}`;

export const isTransferPosting = (posting: Posting): posting is TransferPosting => 'reservation' in posting;

export const isOutflowPosting = (posting: Posting): posting is OutflowPosting => 'outflow' in posting;

/** The transfer, deposit or outflow the posting belongs to. */
export function subjectIdOf(posting: Posting): string {
  if (isTransferPosting(posting)) return posting.transferId;
  return isOutflowPosting(posting) ? posting.outflowId : posting.depositId;
}

/** A bucket of an account. */
export type Place = readonly [LedgerAccount, Bucket];

/** `amount` from one bucket to another, as two legs; nothing when the amount is zero. */
export function move(amount: bigint, from: Place, to: Place): Leg[] {
  if (amount === 0n) return [];
  return [
    { account: from[0], bucket: from[1], amount: -amount },
    { account: to[0], bucket: to[1], amount },
  ];
}

/** What a posting changes on one account: the account gets one journal entry for them. */
export interface AccountChanges {
  readonly account: LedgerAccount;
  readonly legs: readonly Leg[];
  readonly counters: readonly CounterIncrement[];
}

/** The posting's legs and counter increments grouped by account, in order of first appearance. */
export function changesByAccount(posting: Posting): AccountChanges[] {
  const changes = new Map<string, { account: LedgerAccount; legs: Leg[]; counters: CounterIncrement[] }>();
  const of = (account: LedgerAccount) => {
    const key = accountKey(account);
    const found = changes.get(key) ?? { account, legs: [], counters: [] };
    if (!changes.has(key)) changes.set(key, found);
    return found;
  };
  for (const leg of posting.legs) of(leg.account).legs.push(leg);
  for (const counter of posting.counters) of(counter.account).counters.push(counter);
  return [...changes.values()];
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

// What the posting is about: its reservation or deposit, field by field.
function subjectFields(posting: Posting): readonly unknown[] {
  if (isTransferPosting(posting)) {
    const r = posting.reservation;
    // reservedAt is left out: the planner stamps it from the recorded postings and checks it itself.
    return [r.transferId, r.walletId, r.asset, r.amount, r.feeAllowance, exposureOf(r)];
  }
  if (isOutflowPosting(posting)) {
    const o = posting.outflow;
    return [o.outflowId, o.walletId, o.asset, o.amount];
  }
  const d = posting.deposit;
  return [d.depositId, d.walletId, d.asset, d.amount];
}

/** Whether two postings are about the same reservation or deposit, with the same amounts. */
export function sameSubject(a: Posting, b: Posting): boolean {
  const [x, y] = [subjectFields(a), subjectFields(b)];
  return x.length === y.length && x.every((value, i) => value === y[i]);
}

/**
 * A digest of what the posting is about (its reservation, deposit or outflow, field by field): equal
 * for two postings exactly when {@link sameSubject} holds of them (up to a keccak-256 collision). The
 * store keeps it on a posting's marker, so a later phase can check its subject in a condition instead
 * of reading the marker first.
 */
export const subjectDigest = (posting: Posting): Hex => keccak256(stringToHex(canonical(subjectFields(posting))));

/**
 * Everything a posting changes, as a comparable string. `at` is left out: a retried step rebuilds the
 * posting at another instant, and that is still the same posting. So are an unexplained outflow's legs:
 * they are the planner's split over the balances of the moment, and the same outflow booked again when
 * the balances have moved is still the same outflow (a replay, not a conflict).
 */
export function postingFingerprint(posting: Posting): string {
  const legs = isOutflowPosting(posting) ? [] : posting.legs.map((l) => [accountKey(l.account), l.bucket, l.amount]);
  const counters = posting.counters.map((c) => [accountKey(c.account), c.counter, c.amount]);
  return canonical([posting.id, posting.type, subjectFields(posting), legs, counters]);
}

import type { AccountKind } from './ledger-account';

/** The buckets of a wallet account; `settled` is derived (available + reserved + pendingOut). */
export const WALLET_BUCKETS = ['available', 'reserved', 'pendingOut', 'pendingIn'] as const;

export type WalletBucket = (typeof WALLET_BUCKETS)[number];

/** Counterparty accounts (external, fees) have one bucket, which may go negative. */
export type Bucket = WalletBucket | 'balance';

export const isWalletBucket = (bucket: Bucket): bucket is WalletBucket => bucket !== 'balance';

/**
 * Cumulative outflow of a wallet account, never decreasing: what was reserved in a time window is the
 * difference of two entries' `outflowReserved`; what a window gives back is read from the release
 * entries of reservations made inside it (see `usageSince`), never from `outflowReleased` alone. The
 * counters count exposure: the principal of a transfer, the allowance an approve grants. Fee allowances
 * are left out: velocity limits are about what a wallet sends, and counting gas would make a limit
 * depend on the fee market.
 */
export interface OutflowCounters {
  /** Exposure ever reserved. */
  readonly outflowReserved: bigint;
  /** Exposure ever given back: released reservations and cancelled transfers. */
  readonly outflowReleased: bigint;
}

interface JournalPosition {
  /** How many entries the account's journal has; the next entry is `seq + 1` (the store's sort key). */
  readonly seq: number;
  /** Time of the newest entry; undefined before the first. */
  readonly at: Date | undefined;
}

/** A wallet account's running state, as its newest journal entry carries it. */
export interface WalletAccountState extends JournalPosition, OutflowCounters {
  readonly kind: 'wallet';
  readonly available: bigint;
  readonly reserved: bigint;
  readonly pendingOut: bigint;
  readonly pendingIn: bigint;
  /**
   * When the newest reservation on this account was made (its entry's time); undefined before the first.
   * Every transfer reserves its fee allowance on the wallet's native account, so there it is the time of
   * the wallet's previous transfer, as of any entry: what a cooldown limit is judged on.
   */
  readonly lastReservedAt?: Date;
  /**
   * The latest reservation time (`released.reservedAt`) of any release entered on this account so far:
   * a velocity window starting at or after it gives nothing back, so its releases need not be read.
   * Undefined when no release was entered (`outflowReleased` is zero) or, on an account that has
   * released before, when that is not known: its releases were entered before this field existed (see
   * {@link releaseTimesKnown}).
   */
  readonly newestReleaseOfReservedAt?: Date;
}

/**
 * Whether a wallet account's state knows the latest reservation time of its releases: it has one, or
 * nothing was ever released on it. A state written before the field existed does not.
 */
export const releaseTimesKnown = (state: OutflowCounters & { readonly newestReleaseOfReservedAt?: Date }): boolean =>
  state.newestReleaseOfReservedAt !== undefined || state.outflowReleased === 0n;

/** An external or fees account's running state. */
export interface CounterpartyAccountState extends JournalPosition {
  readonly kind: Exclude<AccountKind, 'wallet'>;
  readonly balance: bigint;
}

export type AccountState = WalletAccountState | CounterpartyAccountState;

const EMPTY_WALLET: WalletAccountState = {
  kind: 'wallet',
  seq: 0,
  at: undefined,
  available: 0n,
  reserved: 0n,
  pendingOut: 0n,
  pendingIn: 0n,
  outflowReserved: 0n,
  outflowReleased: 0n,
};

/** The state of an account that has no journal entry yet. */
export function emptyAccountState(kind: 'wallet'): WalletAccountState;
export function emptyAccountState(kind: AccountKind): AccountState;
export function emptyAccountState(kind: AccountKind): AccountState {
  return kind === 'wallet' ? EMPTY_WALLET : { kind, seq: 0, at: undefined, balance: 0n };
}

/** A wallet's balances of one asset as the API shows them. */
export interface WalletBalances {
  readonly available: bigint;
  /** The confirmed balance: available + reserved + pendingOut (an outgoing transfer leaves it when it settles). */
  readonly settled: bigint;
  readonly reserved: bigint;
  readonly pendingOut: bigint;
  readonly pendingIn: bigint;
}

export function walletBalances(state: WalletAccountState): WalletBalances {
  const { available, reserved, pendingOut, pendingIn } = state;
  return { available, settled: available + reserved + pendingOut, reserved, pendingOut, pendingIn };
}

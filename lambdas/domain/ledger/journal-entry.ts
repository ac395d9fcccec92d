import type { AccountState, WalletAccountState } from './account-state';
import type { LedgerAccount } from './ledger-account';
import type { Leg } from './posting';

/**
 * One entry of an account's append-only journal: the posting that wrote it, that account's legs, and
 * the account's running state after it (`state.seq` is the entry's sequence, the store's sort key).
 */
export interface JournalEntry<S extends AccountState = AccountState> {
  readonly account: LedgerAccount;
  readonly postingId: string;
  readonly legs: readonly Leg[];
  readonly state: S;
  /**
   * The posting's time, or the account's previous entry's if that is later, so a journal never goes
   * back in time (clocks of concurrent Lambdas differ a little). Equal to `state.at`.
   */
  readonly at: Date;
  /**
   * On the entry of a posting that gives principal back (a release or a cancelled transfer): how much
   * the outflow counter took back and when that reservation was made. A velocity window subtracts it
   * only when the reservation was made inside the window.
   */
  readonly released?: ReleasedReservation;
}

/** Principal given back, with the time of the reservation it belonged to. */
export interface ReleasedReservation {
  readonly amount: bigint;
  readonly reservedAt: Date;
}

export const isWalletEntry = (entry: JournalEntry): entry is JournalEntry<WalletAccountState> =>
  entry.state.kind === 'wallet';

import type { Asset } from '../domain/asset';
import type { OutflowCounters, WalletBalances } from '../domain/ledger/account-state';
import type { JournalEntry } from '../domain/ledger/journal-entry';
import type { Posting } from '../domain/ledger/posting';
import type { ReservationSnapshot } from '../domain/ledger/reservation-snapshot';
import type { VelocityUsage } from '../domain/policy/policy';
import type { Page, PageRequest } from './page';

/** What posting did: nothing when the same posting had been recorded before. */
export interface PostingOutcome {
  readonly replayed: boolean;
  readonly entries: readonly JournalEntry[];
  /** For a RESERVE recorded now: what policy needs of the wallet as of it (see {@link LedgerStore.priorActivityOf}). */
  readonly snapshot?: ReservationSnapshot;
}

/** What policy weighs a transfer against, as of its reservation. */
export interface PriorActivity {
  /** The velocity usage before this transfer's reservation (see {@link LedgerStore.priorUsage}). */
  readonly usage: VelocityUsage;
  /**
   * When the wallet's previous reservation (its previous transfer) was made, as of the entry just before
   * this transfer's on the wallet's native account; undefined for the wallet's first transfer. Every
   * transfer reserves its fee allowance on that account, whose journal takes conditional puts, so two
   * concurrent submits are ordered there and the later one always sees the earlier: what a cooldown needs.
   */
  readonly previousReservationAt?: Date;
}

/**
 * The internal ledger: append-only journals per account, each posting written whole or not at all.
 * Postings are decided by the domain model on freshly read balances; funds that are not there give
 * `LEDGER.INSUFFICIENT_FUNDS`, a posting in the wrong phase `LEDGER.INVALID_PHASE`.
 */
export interface LedgerStore {
  post(posting: Posting): Promise<PostingOutcome>;
  balances(walletId: string, asset: Asset): Promise<WalletBalances>;
  /** The cumulative outflow counters of a wallet account as they stood at `at`. */
  countersAt(walletId: string, asset: Asset, at: Date): Promise<OutflowCounters>;
  /**
   * The outflow (exposure) of the rolling windows ending at `now`, as of this transfer's reservation:
   * what each window reserved before it, less only releases (recorded before it) of reservations made
   * inside that window. What policy weighs the transfer against.
   */
  priorUsage(transferId: string, now: Date): Promise<VelocityUsage>;
  /**
   * The velocity usage and the previous reservation's time, read together: one marker read, the entry
   * before the reservation on its asset's and on the native account, the three window starts and the
   * month's releases (about 7 reads). For a transfer whose reservation left no snapshot.
   */
  priorActivity(transferId: string, now: Date): Promise<PriorActivity>;
  /**
   * The same as {@link priorActivity} for the reservation `snapshot` was taken of (when its RESERVE was
   * planned, see {@link PostingOutcome.snapshot}), without reading the reservation's marker or the
   * entries before it: at most the three window starts, and none of them when the account reserved
   * nothing since; the month's releases only when one may belong to a reservation inside the month.
   * What the snapshot cannot prove (a state written before its fields existed) is read as
   * `priorActivity` reads it, so the answer is the same.
   */
  priorActivityOf(
    reservation: { readonly walletId: string; readonly asset: Asset },
    snapshot: ReservationSnapshot,
    now: Date,
  ): Promise<PriorActivity>;
  /** An account's entries, newest first. */
  history(walletId: string, asset: Asset, page?: PageRequest): Promise<Page<JournalEntry>>;
}

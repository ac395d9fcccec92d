import { NATIVE } from '../asset';
import { emptyAccountState, releaseTimesKnown, type OutflowCounters, type WalletAccountState } from './account-state';
import type { LedgerState, PostingPlan } from './apply-posting';
import { accountKey, walletAccount, type LedgerAccount } from './ledger-account';
import { ZERO_COUNTERS } from './outflow-in-window';

/**
 * What policy needs about a wallet as of just before a reservation, known from the account heads the
 * planner read for the RESERVE posting (no read of its own): the velocity windows' starting point and the
 * previous reservation's time. True only of a plan that was committed: the entries' conditional puts
 * then proved those heads were the accounts' newest. Plain data (numbers, bigints, dates), so a caller
 * can keep it with the transfer (tagged JSON) and hand it back to `LedgerStore.priorActivityOf`.
 */
export interface ReservationSnapshot {
  /** The seq of the entry the reservation wrote on the asset's wallet account; undefined when it wrote none. */
  readonly assetAccountSeq?: number;
  /**
   * That account's outflow counters just before that entry. Zeros, and not used, when `assetAccountSeq`
   * is undefined: usage is then read as of the account's newest entry, as `priorActivity` does.
   */
  readonly countersBefore: OutflowCounters;
  /**
   * That account's `lastReservedAt` before the entry: every reservation before this one on the asset's
   * account was made then or earlier. Undefined when there was none or the state predates the field
   * (then `countersBefore.outflowReserved` tells: zero means none).
   */
  readonly assetLastReservedAt?: Date;
  /**
   * That account's `newestReleaseOfReservedAt` before the entry: no release entered before this
   * reservation belongs to a reservation made later. Undefined when none or unknown
   * (`releaseTimesKnown` of `countersBefore` and this field tells which).
   */
  readonly newestReleaseOfReservedAt?: Date;
  /**
   * The seq of the entry the reservation wrote on the wallet's native account (its fee allowance, or a
   * native principal); undefined when it wrote none (no fee allowance on a token transfer): then
   * `previousReservationAt` is not known from the reservation and is read at decision time instead.
   */
  readonly nativeAccountSeq?: number;
  /** The native account's `lastReservedAt` just before that entry: the wallet's previous transfer. */
  readonly previousReservationAt?: Date;
}

/** What the velocity windows read of a wallet account as it stood before a reservation. */
export interface WindowBasis extends OutflowCounters {
  readonly lastReservedAt?: Date;
  readonly newestReleaseOfReservedAt?: Date;
}

const walletStateIn = (state: LedgerState, account: LedgerAccount): WalletAccountState => {
  const found = state.accounts.get(accountKey(account));
  return found?.kind === 'wallet' ? found : emptyAccountState('wallet');
};

/**
 * The snapshot of a RESERVE posting's plan, from the state it was planned on (which holds the newest
 * state of every account the posting writes; an account it does not write is not looked at). Undefined
 * for any other posting, and for a replay.
 */
export function reservationSnapshot(state: LedgerState, plan: PostingPlan): ReservationSnapshot | undefined {
  const { posting } = plan;
  if (plan.replayed || posting.type !== 'RESERVE') return undefined;
  const { walletId, asset } = posting.reservation;
  const entryOn = (account: LedgerAccount) => plan.entries.find((e) => accountKey(e.account) === accountKey(account));
  const assetAccount = walletAccount(walletId, asset);
  const nativeAccount = walletAccount(walletId, NATIVE);
  const assetEntry = entryOn(assetAccount);
  const nativeEntry = entryOn(nativeAccount);
  const assetBefore = assetEntry === undefined ? undefined : walletStateIn(state, assetAccount);
  const nativeBefore = nativeEntry === undefined ? undefined : walletStateIn(state, nativeAccount);
  const defined = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    ...defined('assetAccountSeq', assetEntry?.state.seq),
    countersBefore:
      assetBefore === undefined
        ? ZERO_COUNTERS
        : { outflowReserved: assetBefore.outflowReserved, outflowReleased: assetBefore.outflowReleased },
    ...defined('assetLastReservedAt', assetBefore?.lastReservedAt),
    ...defined('newestReleaseOfReservedAt', assetBefore?.newestReleaseOfReservedAt),
    ...defined('nativeAccountSeq', nativeEntry?.state.seq),
    ...defined('previousReservationAt', nativeBefore?.lastReservedAt),
  };
}

/** The window basis a snapshot records; undefined when the reservation wrote nothing on the asset's account. */
export function snapshotBasis(snapshot: ReservationSnapshot): WindowBasis | undefined {
  if (snapshot.assetAccountSeq === undefined) return undefined;
  const { countersBefore, assetLastReservedAt, newestReleaseOfReservedAt } = snapshot;
  return {
    ...countersBefore,
    ...(assetLastReservedAt === undefined ? {} : { lastReservedAt: assetLastReservedAt }),
    ...(newestReleaseOfReservedAt === undefined ? {} : { newestReleaseOfReservedAt }),
  };
}

/**
 * Whether the account provably reserved nothing after `start` (up to the basis): nothing was ever
 * reserved, or the last reservation was made at or before it. Only a RESERVE grows `outflowReserved`,
 * and its entry stamps `lastReservedAt` with its own time, which never goes back along a journal; so
 * the counter at the window's start equals the counter of the basis, and the window's usage is zero.
 * False when it cannot tell (a state from before `lastReservedAt` existed).
 */
export function reservedNothingAfter(basis: WindowBasis, start: Date): boolean {
  if (basis.outflowReserved === 0n) return true;
  return basis.lastReservedAt !== undefined && basis.lastReservedAt.getTime() <= start.getTime();
}

/**
 * Whether no release entered on the account (up to the basis) belongs to a reservation made after
 * `start`: then no window starting at or before `start` gives anything back. False when it cannot tell.
 */
export function releasedNothingAfter(basis: WindowBasis, start: Date): boolean {
  if (!releaseTimesKnown(basis)) return false;
  return basis.newestReleaseOfReservedAt === undefined || basis.newestReleaseOfReservedAt.getTime() <= start.getTime();
}

import { InsufficientFundsError, LedgerInvariantError } from '../errors';
import { formatAmount } from '../money';
import {
  emptyAccountState,
  isWalletBucket,
  releaseTimesKnown,
  walletBalances,
  WALLET_BUCKETS,
  type AccountState,
  type WalletAccountState,
  type WalletBalances,
} from './account-state';
import type { JournalEntry, ReleasedReservation } from './journal-entry';
import { accountKey, walletAccount, type LedgerAccount } from './ledger-account';
import { planUnexplainedOutflow } from './outflow-postings';
import {
  changesByAccount,
  isOutflowPosting,
  isTransferPosting,
  postingFingerprint,
  type AccountChanges,
  type OutflowPosting,
  type Posting,
  type TransferPosting,
} from './posting';
import { assertPhase, phaseConditions } from './posting-phase';
import { validatePosting } from './validate-posting';

/**
 * What applying a posting needs to know: the current state of the accounts it touches (an absent one
 * has no entry yet) and the postings recorded so far. The store reads just the touched accounts' newest
 * entries and the posting markers named by `phaseConditions`; the in-memory ledger holds everything.
 */
export interface LedgerState {
  readonly accounts: ReadonlyMap<string, AccountState>;
  readonly postings: ReadonlyMap<string, Posting>;
}

export const EMPTY_LEDGER_STATE: LedgerState = { accounts: new Map(), postings: new Map() };

/** The new journal entries of a posting, one per touched account; none when it was recorded already. */
export interface PostingPlan {
  /** True when the same posting was recorded before: nothing to write. */
  readonly replayed: boolean;
  /**
   * The posting as it is recorded: the one given, except that an unexplained outflow's legs are the
   * planner's split; on a replay, the posting recorded before.
   */
  readonly posting: Posting;
  readonly entries: readonly JournalEntry[];
}

export interface PostingResult extends PostingPlan {
  readonly state: LedgerState;
}

// validatePosting refuses legs on buckets an account does not have, and counters on counterparty
// accounts; meeting either here is a bug.
const misplaced = (what: string, kind: string): LedgerInvariantError =>
  new LedgerInvariantError('LEDGER.INVALID_POSTING', `${what} does not exist on a ${kind} account`);

/** The account's state after its changes: the running state its next journal entry carries. */
function nextState(current: AccountState, { legs, counters }: AccountChanges, at: Date): AccountState {
  if (current.kind !== 'wallet') {
    if (counters.length > 0) throw misplaced('an outflow counter', current.kind);
    return {
      ...current,
      seq: current.seq + 1,
      at,
      balance: legs.reduce((sum, leg) => sum + leg.amount, current.balance),
    };
  }
  const next = { ...current, seq: current.seq + 1, at };
  for (const { bucket, amount } of legs) {
    if (!isWalletBucket(bucket)) throw misplaced(`bucket ${bucket}`, 'wallet');
    next[bucket] += amount;
  }
  for (const { counter, amount } of counters) next[counter] += amount;
  return next;
}

/**
 * Refuses a negative wallet bucket. Too little available for a reservation is a business refusal
 * (INSUFFICIENT_FUNDS, with what is available and what the reservation needs); any other negative
 * bucket means a posting that does not match the account's history, a broken invariant.
 */
function assertNoNegativeBucket(
  posting: Posting,
  account: LedgerAccount,
  before: WalletAccountState,
  after: WalletAccountState,
): void {
  const negative = WALLET_BUCKETS.find((bucket) => after[bucket] < 0n);
  if (negative === undefined) return;
  if (negative === 'available' && posting.type === 'RESERVE') {
    const [available, required] = [formatAmount(before.available), formatAmount(before.available - after.available)];
    const details = { asset: account.asset, available, required };
    throw new InsufficientFundsError(
      'LEDGER.INSUFFICIENT_FUNDS',
      `${available} ${account.asset} available, ${required} required`,
      { details },
    );
  }
  throw new LedgerInvariantError(
    'LEDGER.INVALID_POSTING',
    `posting ${posting.id}: ${accountKey(account)}/${negative} would go negative`,
    {
      details: { postingId: posting.id, account: accountKey(account), bucket: negative },
    },
  );
}

const later = (a: Date | undefined, b: Date): Date => (a !== undefined && a.getTime() > b.getTime() ? a : b);

// What a posting gives back on one account, for the velocity windows: the outflowReleased increment
// and the time of the reservation it belonged to.
function releasedOn(posting: Posting, { counters }: AccountChanges): ReleasedReservation | undefined {
  const amount = counters.filter((c) => c.counter === 'outflowReleased').reduce((sum, c) => sum + c.amount, 0n);
  const reservedAt = isTransferPosting(posting) ? posting.reservation.reservedAt : undefined;
  // Without a reservation time the release is left unrecorded here, which can only overstate usage.
  return amount > 0n && reservedAt !== undefined ? { amount, reservedAt } : undefined;
}

function entryFor(state: LedgerState, posting: Posting, changes: AccountChanges): JournalEntry {
  const { account, legs } = changes;
  const current = state.accounts.get(accountKey(account)) ?? emptyAccountState(account.kind);
  const at = later(current.at, posting.at);
  let next = nextState(current, changes, at);
  // The newest reservation time rides in the running state, so the next reservation on this account
  // reads it from the entry just before its own: the cooldown is decided on the journal that serialises
  // every submit of the wallet (its native account holds every fee allowance).
  if (next.kind === 'wallet' && posting.type === 'RESERVE') next = { ...next, lastReservedAt: at };
  if (current.kind === 'wallet' && next.kind === 'wallet') assertNoNegativeBucket(posting, account, current, next);
  const released = releasedOn(posting, changes);
  // The latest reservation time of the account's releases, kept only while it is known: a release
  // entered before the field existed may belong to a later reservation than any entered since.
  if (released !== undefined && current.kind === 'wallet' && next.kind === 'wallet' && releaseTimesKnown(current))
    next = { ...next, newestReleaseOfReservedAt: later(current.newestReleaseOfReservedAt, released.reservedAt) };
  return { account, postingId: posting.id, legs, state: next, at, ...(released === undefined ? {} : { released }) };
}

const conflict = (posting: Posting, reason: string): LedgerInvariantError =>
  new LedgerInvariantError('LEDGER.POSTING_CONFLICT', `posting ${posting.id}: ${reason}`, {
    details: { postingId: posting.id },
  });

const sameInstant = (a: Date | undefined, b: Date | undefined): boolean =>
  a === undefined || b === undefined || a.getTime() === b.getTime();

/**
 * The transfer posting with its reservation's time: a RESERVE's own time; for a later phase, the time
 * the posting it follows recorded (that posting is in `state`, as the phase check required it). A
 * caller's time that differs is refused, so no phase can move a reservation into another window.
 */
function withReservationTime(state: LedgerState, posting: TransferPosting): TransferPosting {
  const given = posting.reservation.reservedAt;
  if (posting.type === 'RESERVE') {
    if (!sameInstant(given, posting.at)) throw conflict(posting, 'a reservation is made at its RESERVE posting');
    return { ...posting, reservation: { ...posting.reservation, reservedAt: posting.at } };
  }
  const { requires } = phaseConditions(posting);
  const first = requires === undefined ? undefined : state.postings.get(requires);
  const recordedAt = first !== undefined && isTransferPosting(first) ? first.reservation.reservedAt : undefined;
  if (!sameInstant(given, recordedAt)) throw conflict(posting, `its reservation time differs from ${requires}`);
  const reservedAt = recordedAt ?? given;
  return reservedAt === undefined ? posting : { ...posting, reservation: { ...posting.reservation, reservedAt } };
}

/** The posting as it is recorded: an outflow's legs split over the balances, a reservation's time stamped. */
function completed(state: LedgerState, posting: Posting): Posting {
  if (isOutflowPosting(posting)) return planUnexplainedOutflow(posting, walletBalancesIn(state, posting));
  return isTransferPosting(posting) ? withReservationTime(state, posting) : posting;
}

/**
 * Decides what a posting writes, without changing anything: validates it, treats a posting recorded
 * already as a replay (the same content) or a conflict (other content under the same id), checks its
 * phase, and computes each touched account's next entry. Throws when the posting must not be applied.
 */
export function planPosting(state: LedgerState, given: Posting): PostingPlan {
  validatePosting(given);
  const recorded = state.postings.get(given.id);
  if (recorded !== undefined) {
    const sameTime =
      !isTransferPosting(recorded) ||
      !isTransferPosting(given) ||
      sameInstant(recorded.reservation.reservedAt, given.reservation.reservedAt);
    if (postingFingerprint(recorded) === postingFingerprint(given) && sameTime)
      return { replayed: true, posting: recorded, entries: [] };
    throw new LedgerInvariantError('LEDGER.POSTING_CONFLICT', `posting ${given.id} was recorded with other amounts`, {
      details: { postingId: given.id },
    });
  }
  assertPhase(state.postings, given);
  const posting = completed(state, given);
  if (isOutflowPosting(posting)) validatePosting(posting);
  return { replayed: false, posting, entries: changesByAccount(posting).map((c) => entryFor(state, posting, c)) };
}

// The balances an unexplained outflow is split over: its wallet account's, as the state holds them.
function walletBalancesIn(state: LedgerState, { outflow }: OutflowPosting): WalletBalances {
  const current = state.accounts.get(accountKey(walletAccount(outflow.walletId, outflow.asset)));
  return walletBalances(current?.kind === 'wallet' ? current : emptyAccountState('wallet'));
}

/** Writes a planned posting into mutable maps: the in-memory counterpart of the store's transaction. */
export function commitPosting(
  state: { readonly accounts: Map<string, AccountState>; readonly postings: Map<string, Posting> },
  posting: Posting,
  entries: readonly JournalEntry[],
): void {
  for (const entry of entries) state.accounts.set(accountKey(entry.account), entry.state);
  state.postings.set(posting.id, posting);
}

/** Applies a posting to a ledger state and returns the new state and journal entries; `state` is not changed. */
export function applyPosting(state: LedgerState, posting: Posting): PostingResult {
  const plan = planPosting(state, posting);
  if (plan.replayed) return { ...plan, state };
  const next = { accounts: new Map(state.accounts), postings: new Map(state.postings) };
  commitPosting(next, plan.posting, plan.entries);
  return { ...plan, state: next };
}

import { InsufficientFundsError, LedgerInvariantError } from '../errors';
import { formatAmount } from '../money';
import {
  emptyAccountState,
  isWalletBucket,
  walletBalances,
  WALLET_BUCKETS,
  type AccountState,
  type WalletAccountState,
  type WalletBalances,
} from './account-state';
import type { JournalEntry } from './journal-entry';
import { accountKey, walletAccount, type LedgerAccount } from './ledger-account';
import { planUnexplainedOutflow } from './outflow-postings';
import {
  changesByAccount,
  isOutflowPosting,
  postingFingerprint,
  type AccountChanges,
  type OutflowPosting,
  type Posting,
} from './posting';
import { assertPhase } from './posting-phase';
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

function entryFor(state: LedgerState, posting: Posting, changes: AccountChanges): JournalEntry {
  const { account, legs } = changes;
  const current = state.accounts.get(accountKey(account)) ?? emptyAccountState(account.kind);
  const at = later(current.at, posting.at);
  const next = nextState(current, changes, at);
  if (current.kind === 'wallet' && next.kind === 'wallet') assertNoNegativeBucket(posting, account, current, next);
  return { account, postingId: posting.id, legs, state: next, at };
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
    if (postingFingerprint(recorded) === postingFingerprint(given))
      return { replayed: true, posting: recorded, entries: [] };
    throw new LedgerInvariantError('LEDGER.POSTING_CONFLICT', `posting ${given.id} was recorded with other amounts`, {
      details: { postingId: given.id },
    });
  }
  assertPhase(state.postings, given);
  const posting = isOutflowPosting(given) ? planUnexplainedOutflow(given, walletBalancesIn(state, given)) : given;
  if (posting !== given) validatePosting(posting);
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

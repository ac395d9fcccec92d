import type { Asset } from '../asset';
import {
  emptyAccountState,
  walletBalances,
  type AccountState,
  type WalletAccountState,
  type WalletBalances,
} from './account-state';
import { commitPosting, planPosting, type LedgerState, type PostingPlan } from './apply-posting';
import { isWalletEntry, type JournalEntry } from './journal-entry';
import { accountKey, walletAccount, type LedgerAccount } from './ledger-account';
import type { Posting } from './posting';
import { reservationPhase, type ReservationPhase } from './posting-phase';

/**
 * The whole ledger in memory: account states, recorded postings and every account's journal. For
 * tests, benchmarks and the local tools; it applies postings exactly as {@link applyPosting} does, but
 * in place, so a long run does not copy its state on every posting.
 */
export class Ledger {
  readonly #accounts = new Map<string, AccountState>();
  readonly #postings = new Map<string, Posting>();
  readonly #journals = new Map<string, JournalEntry[]>();

  /** Applies a posting, or does nothing when it was recorded already; throws (and changes nothing) when refused. */
  post(posting: Posting): PostingPlan {
    const plan = planPosting(this.state, posting);
    if (plan.replayed) return plan;
    commitPosting({ accounts: this.#accounts, postings: this.#postings }, plan.posting, plan.entries);
    for (const entry of plan.entries) this.#journalOf(entry.account).push(entry);
    return plan;
  }

  /** A read-only view of the current state (not a copy). */
  get state(): LedgerState {
    return { accounts: this.#accounts, postings: this.#postings };
  }

  account(account: LedgerAccount): AccountState {
    return this.#accounts.get(accountKey(account)) ?? emptyAccountState(account.kind);
  }

  balances(walletId: string, asset: Asset): WalletBalances {
    const state = this.account(walletAccount(walletId, asset));
    return walletBalances(state.kind === 'wallet' ? state : emptyAccountState('wallet'));
  }

  journal(account: LedgerAccount): readonly JournalEntry[] {
    return this.#journals.get(accountKey(account)) ?? [];
  }

  walletJournal(walletId: string, asset: Asset): readonly JournalEntry<WalletAccountState>[] {
    return this.journal(walletAccount(walletId, asset)).filter(isWalletEntry);
  }

  /** Every account's journal. */
  journals(): ReadonlyMap<string, readonly JournalEntry[]> {
    return this.#journals;
  }

  phase(transferId: string): ReservationPhase {
    return reservationPhase(this.#postings, transferId);
  }

  #journalOf(account: LedgerAccount): JournalEntry[] {
    const key = accountKey(account);
    let journal = this.#journals.get(key);
    if (journal === undefined) this.#journals.set(key, (journal = []));
    return journal;
  }
}

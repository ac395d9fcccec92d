import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NATIVE, type Asset } from '../../domain/asset';
import { ConflictError, StrongroomError } from '../../domain/errors';
import {
  emptyAccountState,
  walletBalances,
  type AccountState,
  type OutflowCounters,
  type WalletAccountState,
  type WalletBalances,
} from '../../domain/ledger/account-state';
import { planPosting, type LedgerState, type PostingPlan } from '../../domain/ledger/apply-posting';
import type { JournalEntry, ReleasedReservation } from '../../domain/ledger/journal-entry';
import { accountKey, walletAccount, type LedgerAccount } from '../../domain/ledger/ledger-account';
import { usageSince, ZERO_COUNTERS } from '../../domain/ledger/outflow-in-window';
import { expectedPostings, phaseConditions } from '../../domain/ledger/posting-phase';
import {
  changesByAccount,
  isTransferPosting,
  postingId,
  subjectDigest,
  type Posting,
  type TransferPosting,
} from '../../domain/ledger/posting';
import { VELOCITY_WINDOWS_MS } from '../../domain/ledger/prior-usage';
import {
  releasedNothingAfter,
  reservationSnapshot,
  reservedNothingAfter,
  snapshotBasis,
  type ReservationSnapshot,
  type WindowBasis,
} from '../../domain/ledger/reservation-snapshot';
import type { VelocityUsage } from '../../domain/policy/policy';
import type { LedgerStore, PostingOutcome, PriorActivity } from '../../ports/ledger-store';
import type { Page, PageRequest } from '../../ports/page';
import { PageTokens, pageLimit } from './page-token';
import { queryAll } from './query-all';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from './retry';
import { fromTaggedJson, padSequence, toTaggedJson } from './tagged-json';
import { MAX_TRANSACT_ITEMS, transactWrite, type TransactItem } from './transact';

const journalKey = (account: LedgerAccount): string => `ACCT#${accountKey(account)}`;
const markerKey = (id: string): { pk: string; sk: string } => ({ pk: `POSTING#${id}`, sk: '-' });
const atKey = (at: Date, seq: number): string => `${at.toISOString()}#${padSequence(seq)}`;
/** No bound on the seq of the entries a usage counts: a reservation that wrote no entry on the account. */
const NO_SEQ_BOUND = Number.MAX_SAFE_INTEGER;

/** A RESERVE posting's marker: the posting and the seq of the entry it wrote on each account. */
interface ReservationMarker {
  readonly posting: TransferPosting;
  readonly entries: Record<string, number>;
}

/** Account heads read ahead of a posting ({@link DynamoLedgerStore.readHeads}): the accounts read, and the states found. */
export interface PrefetchedHeads {
  readonly read: ReadonlySet<string>;
  readonly states: ReadonlyMap<string, AccountState>;
}

/** Items of the caller's to commit in the same transaction as a posting (the SUBMITTED event). */
export interface AlongsideWrite {
  readonly items: readonly TransactItem[];
  /** What to throw when one of these items' conditions fails: the posting cannot decide that. */
  readonly onConflict: () => Error;
}

/**
 * How a posting is planned: 'checked' on the markers it names, read first; 'optimistic' on the markers
 * its phase expects, unread, with conditions on its items that make the transaction fail otherwise.
 */
export type PlanMode = 'optimistic' | 'checked';

/** A posting planned as transaction items: nothing to write when it was recorded before. */
export type PlannedPosting =
  | { readonly replayed: true }
  | {
      readonly replayed: false;
      readonly plan: PostingPlan;
      /** The posting's items, to be placed first in the caller's transaction (see {@link ledgerItemsFailed}). */
      readonly items: TransactItem[];
      /** For a RESERVE: what policy needs of the wallet as of it; true once `items` committed. */
      readonly snapshot?: ReservationSnapshot;
    };

/**
 * Whether a transaction that held `planned`'s items first (then the caller's) failed on the posting's
 * part, from the indexes of the items whose condition failed. If so, plan the posting again, 'checked':
 * on an optimistic plan a replay, a phase out of order and an account that moved all fail here, and only
 * the markers tell them apart (a replay then writes nothing of the caller's either). If not, the caller's
 * own items failed. No index at all (DynamoDB Local sometimes gives no reasons) counts as the posting's.
 */
export function ledgerItemsFailed(planned: PlannedPosting, failedIndexes: readonly number[]): boolean {
  if (planned.replayed) return false;
  return failedIndexes.length === 0 || failedIndexes.some((i) => i < planned.items.length);
}

/**
 * The ledger in the ledger table: one journal per account (`ACCT#<wallet>#<asset>#<kind>`, sk the
 * entry's zero-padded seq, `atKey` for lookups by time through the `byTime` index, and on entries that
 * give principal back `releasedOfKey` (their reservation's time) for the sparse `byReservedAt` index) and one marker per
 * posting (`POSTING#<id>`, with the digest of its subject and its reservation's time). A posting is one
 * TransactWriteItems: a conditional put of each account's next entry, the marker, and condition checks
 * on the markers its phase requires or excludes. When a condition fails someone else wrote first: it
 * re-reads and decides again, within a time bound.
 */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
  ) {}

  /** Posts on the markers read first (see {@link postWith}): one read per account and per marker, one transaction. */
  post(posting: Posting): Promise<PostingOutcome> {
    return this.postWith(posting);
  }

  /**
   * Posts, committing `alongside` in the same transaction (not when the posting is a replay). Every
   * attempt is planned 'checked' (see {@link planItems}), except with `optimistic` the first, which
   * reads no marker; an attempt after one that failed on the posting's items reads them.
   */
  postWith(
    posting: Posting,
    alongside?: AlongsideWrite,
    options: { readonly optimistic?: boolean } = {},
  ): Promise<PostingOutcome> {
    return retryWithinTimeBound(async (n) => {
      const mode: PlanMode = options.optimistic === true && n === 0 ? 'optimistic' : 'checked';
      const planned = await this.planItems(posting, mode);
      if (planned.replayed) return { done: true, value: { replayed: true, entries: [] } };
      const { plan, items, snapshot } = planned;
      const extra = alongside?.items ?? [];
      if (items.length + extra.length > MAX_TRANSACT_ITEMS)
        throw new RangeError(
          `posting ${posting.id} needs ${items.length + extra.length} items, more than ${MAX_TRANSACT_ITEMS}`,
        );
      const outcome = await transactWrite(this.doc, [...items, ...extra]);
      if (outcome.ok) {
        const value = { replayed: false, entries: plan.entries, ...(snapshot === undefined ? {} : { snapshot }) };
        return { done: true, value };
      }
      if (outcome.kind === 'condition' && alongside) {
        // An optimistic plan that failed may be a replay, which must write nothing of the caller's: the
        // checked plan decides first.
        const replanFirst = mode === 'optimistic' && ledgerItemsFailed(planned, outcome.failedIndexes);
        if (!replanFirst && outcome.failedIndexes.some((i) => i >= items.length)) throw alongside.onConflict();
      }
      return {
        done: false,
        reason: `posting ${posting.id}: ${outcome.kind === 'conflict' ? 'transaction conflict' : 'an account or marker moved'}`,
      };
    }, this.retry);
  }

  /**
   * Plans a posting as the items of one transaction, writing nothing. 'checked' reads the touched
   * accounts' newest entries (one Query, Limit 1, each) and the markers the posting names (one GetItem
   * each: its own id, the one its phase requires, the one it excludes), so it tells a replay, and
   * refuses a phase out of order. 'optimistic' reads only the accounts and plans as if the markers were
   * what the posting expects (`expectedPostings`: its own and the excluded one absent, the required one
   * present with the same subject and reservation time), so it is never a replay: its items hold only
   * then (attribute_not_exists on its marker and the excluded one; on the required one a ConditionCheck
   * of its subject digest and reservation time), so a wrong guess makes the transaction fail on these
   * items and the caller plans again 'checked' (see {@link ledgerItemsFailed}). That also covers a
   * required marker written before markers carried a subject. A later phase of a transfer whose
   * reservation time the caller left out is planned 'checked' in either mode. A native RESERVE reads one
   * account optimistically, a token one two (the token's and the native fee allowance's).
   *
   * Throws what the planner refuses (LEDGER.INSUFFICIENT_FUNDS, LEDGER.INVALID_PHASE, ...); an
   * optimistic plan the planner refuses reads the markers and decides again first (a replay of a RESERVE
   * looks like missing funds on the heads it moved), so it throws, or finds a replay, as a checked one.
   * The plan and the snapshot of a RESERVE are true only if the items commit.
   */
  async planItems(posting: Posting, mode: PlanMode, prefetched?: PrefetchedHeads): Promise<PlannedPosting> {
    const expected = mode === 'optimistic' ? expectedPostings(posting) : undefined;
    if (expected === undefined) return this.planned(await this.stateFor(posting), posting, false);
    const accounts = await this.headsOf(posting, prefetched);
    try {
      return this.planned({ accounts, postings: expected }, posting, true);
    } catch {
      // Refused on a guess: a replay or a phase out of order looks like missing funds or a bucket going
      // negative on the accounts it already moved. The markers decide what to throw (or that it is a replay).
      return this.planned(await this.stateFor(posting, accounts), posting, false);
    }
  }

  private planned(state: LedgerState, posting: Posting, optimistic: boolean): PlannedPosting {
    const plan = planPosting(state, posting);
    if (plan.replayed) return { replayed: true };
    // The plan's posting: an unexplained outflow is recorded with the planner's split of its legs.
    const items = this.itemsFor(plan, optimistic);
    const snapshot = reservationSnapshot(state, plan);
    return snapshot === undefined ? { replayed: false, plan, items } : { replayed: false, plan, items, snapshot };
  }

  async balances(walletId: string, asset: Asset): Promise<WalletBalances> {
    const [entry] = await this.newest(journalKey(walletAccount(walletId, asset)));
    return walletBalances((entry?.state as WalletAccountState | undefined) ?? emptyAccountState('wallet'));
  }

  async countersAt(walletId: string, asset: Asset, at: Date): Promise<OutflowCounters> {
    const entry = await this.entryAtOrBefore(walletAccount(walletId, asset), at);
    return (entry?.state as WalletAccountState | undefined) ?? ZERO_COUNTERS;
  }

  /**
   * Usage per window = (reserved counter before this reservation − reserved counter at the window's
   * start) − Σ releases entered before this reservation whose reservation was made inside the window
   * ({@link usageSince}). Cost per call, whatever the journal's length: one marker GetItem, one GetItem
   * of the entry before the reservation, one Query (Limit 1, `byTime`) per window start, and one
   * paginated Query on the sparse `byReservedAt` index of the release entries whose reservation lies in
   * the widest (30 d) window; the daily and weekly windows filter those in memory. Every read is
   * strongly consistent (the indexes are local). That last Query grows with the releases of the month
   * (about 1 KB each with the index's ALL projection: a page of 1 MB holds ~1 000); two point reads of
   * cumulative counters cannot subtract only same-window releases exactly.
   */
  async priorUsage(transferId: string, now: Date): Promise<VelocityUsage> {
    return this.usageBefore(await this.reservationMarker(transferId), now);
  }

  /**
   * Usage (above) and the previous reservation's time: the native account's entry just before this
   * reservation's carries it (`lastReservedAt`), one GetItem more. A reservation that wrote nothing on
   * the native account (no fee allowance) falls back to the account's newest entry, which can only name
   * a later reservation: a cooldown judged on it is stricter, never looser. About 7 reads; a transfer
   * whose reservation left a snapshot reads less through {@link priorActivityOf}.
   */
  async priorActivity(transferId: string, now: Date): Promise<PriorActivity> {
    const marker = await this.reservationMarker(transferId);
    const [usage, previousReservationAt] = await Promise.all([
      this.usageBefore(marker, now),
      this.previousReservationAt(marker),
    ]);
    return previousReservationAt === undefined ? { usage } : { usage, previousReservationAt };
  }

  /**
   * {@link priorActivity} of the reservation `snapshot` was taken of, when its RESERVE was planned: no
   * marker read, no read of the entries before it (the snapshot holds what they say). A window that
   * starts at or after the account's last reservation before this one reserved nothing in it: zero, no
   * Query (`reservedNothingAfter`). The month's releases are read only when one may belong to a
   * reservation made inside the month (`releasedNothingAfter`). Cost: 0 to 3 Queries (Limit 1, `byTime`),
   * at most one paginated Query on `byReservedAt`, and one Query (Limit 1) of the newest entry of an
   * account the reservation wrote nothing on (no fee allowance: the native account; no exposure: the
   * asset's), read there as priorActivity reads it. What the snapshot cannot prove (a state written
   * before its fields existed) is read: the answer is priorActivity's.
   */
  async priorActivityOf(
    reservation: { readonly walletId: string; readonly asset: Asset },
    snapshot: ReservationSnapshot,
    now: Date,
  ): Promise<PriorActivity> {
    const account = walletAccount(reservation.walletId, reservation.asset);
    const native = walletAccount(reservation.walletId, NATIVE);
    const basis = snapshotBasis(snapshot);
    const [usage, previousReservationAt] = await Promise.all([
      basis === undefined || snapshot.assetAccountSeq === undefined
        ? // No entry on the asset's account: usage as of its newest entry, as priorActivity reads it.
          this.newestWalletState(account).then((newest) => this.usage(account, newest, NO_SEQ_BOUND, now, true))
        : this.usage(account, basis, snapshot.assetAccountSeq, now, true),
      snapshot.nativeAccountSeq === undefined
        ? this.newestWalletState(native).then((newest) => newest.lastReservedAt)
        : Promise.resolve(snapshot.previousReservationAt),
    ]);
    return previousReservationAt === undefined ? { usage } : { usage, previousReservationAt };
  }

  private async reservationMarker(transferId: string): Promise<ReservationMarker> {
    const marker = await this.marker(postingId(transferId, 'RESERVE'));
    if (marker?.posting.type !== 'RESERVE')
      throw new StrongroomError('STORE.NOT_FOUND', `transfer ${transferId} has no reservation`);
    return { posting: marker.posting, entries: marker.entries };
  }

  private async previousReservationAt({ posting, entries }: ReservationMarker): Promise<Date | undefined> {
    const native = walletAccount(posting.reservation.walletId, NATIVE);
    const seq = entries[accountKey(native)];
    const state =
      seq === undefined
        ? (await this.newest(journalKey(native)))[0]?.state
        : seq > 1
          ? (await this.entryOfSeq(native, seq - 1)).state
          : undefined;
    return state?.kind === 'wallet' ? state.lastReservedAt : undefined;
  }

  private async usageBefore(marker: ReservationMarker, now: Date): Promise<VelocityUsage> {
    const account = walletAccount(marker.posting.reservation.walletId, marker.posting.reservation.asset);
    const reservationSeq = marker.entries[accountKey(account)];
    // A reservation of no exposure (an approve that lowers an allowance) wrote nothing on the asset's
    // account: usage is as of now.
    const before =
      reservationSeq === undefined
        ? await this.newestCounters(account)
        : await this.countersOfSeq(account, reservationSeq - 1);
    const beforeSeq = reservationSeq === undefined ? NO_SEQ_BOUND : reservationSeq;
    return this.usage(account, before, beforeSeq, now, false);
  }

  /**
   * The usage of the windows ending at `now` of the entries before `beforeSeq`, whose newest is `before`.
   * With `prove`, a window or the releases that `before` proves empty are not read.
   */
  private async usage(
    account: LedgerAccount,
    before: WindowBasis,
    beforeSeq: number,
    now: Date,
    prove: boolean,
  ): Promise<VelocityUsage> {
    const reservedSince = async (start: Date): Promise<bigint> => {
      if (prove && reservedNothingAfter(before, start)) return 0n;
      const entry = await this.entryAtOrBefore(account, start);
      // Only entries before the reservation count; a window starting after it has seen nothing of it.
      if (entry !== undefined && entry.state.seq >= beforeSeq) return 0n;
      const atStart = (entry?.state as WalletAccountState | undefined) ?? ZERO_COUNTERS;
      return before.outflowReserved - atStart.outflowReserved;
    };
    const windows = (['daily', 'weekly', 'monthly'] as const).map((name) => ({
      name,
      start: new Date(now.getTime() - VELOCITY_WINDOWS_MS[name]),
    }));
    const widest = windows.reduce((a, b) => (a.start.getTime() <= b.start.getTime() ? a : b)).start;
    const [releases, ...reserved] = await Promise.all([
      prove && releasedNothingAfter(before, widest) ? [] : this.releasesSince(account, widest, beforeSeq),
      ...windows.map(({ start }) => reservedSince(start)),
    ]);
    const usage = windows.map(({ start }, i) => usageSince(start, reserved[i] ?? 0n, releases));
    return { daily: usage[0] ?? 0n, weekly: usage[1] ?? 0n, monthly: usage[2] ?? 0n };
  }

  async history(walletId: string, asset: Asset, page: PageRequest = {}): Promise<Page<JournalEntry>> {
    const listing = `ledger:history:${walletId}:${asset}`;
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': journalKey(walletAccount(walletId, asset)) },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: this.pageTokens.decode(listing, page.nextToken, ['pk', 'sk']),
      }),
    );
    const items = (result.Items ?? []).map(toEntry);
    return result.LastEvaluatedKey
      ? { items, nextToken: this.pageTokens.encode(listing, result.LastEvaluatedKey) }
      : { items };
  }

  /** The touched accounts' newest states (unless given, just read) and the markers the posting's checks name. */
  private async stateFor(posting: Posting, heads?: ReadonlyMap<string, AccountState>): Promise<LedgerState> {
    const { requires, excludes } = phaseConditions(posting);
    const markerIds = [posting.id, requires, excludes].filter((id): id is string => id !== undefined);
    const [accounts, markers] = await Promise.all([
      heads ?? this.headsOf(posting),
      Promise.all(markerIds.map(async (id) => [id, (await this.marker(id))?.posting] as const)),
    ]);
    return {
      accounts,
      postings: new Map(markers.filter((e): e is readonly [string, Posting] => e[1] !== undefined)),
    };
  }

  /**
   * The accounts' newest states, read ahead of a posting (a submit reads them while it reads the wallet):
   * {@link planItems} then reads only the accounts this did not. A head read ahead may be stale by the
   * time the posting commits; its entry's condition then fails and the posting is planned again.
   */
  async readHeads(accounts: readonly LedgerAccount[]): Promise<PrefetchedHeads> {
    const byKey = new Map(accounts.map((account) => [accountKey(account), account]));
    const newest = await Promise.all(
      [...byKey].map(async ([key, account]) => [key, (await this.newest(journalKey(account)))[0]?.state] as const),
    );
    return {
      read: new Set(byKey.keys()),
      states: new Map(newest.filter((e): e is readonly [string, AccountState] => e[1] !== undefined)),
    };
  }

  /** The newest state of each account the posting touches; an account without entries is left out. */
  private async headsOf(posting: Posting, prefetched?: PrefetchedHeads): Promise<Map<string, AccountState>> {
    const newest = await Promise.all(
      changesByAccount(posting).map(async ({ account }) => {
        const key = accountKey(account);
        const state = prefetched?.read.has(key)
          ? prefetched.states.get(key)
          : (await this.newest(journalKey(account)))[0]?.state;
        return [key, state] as const;
      }),
    );
    return new Map(newest.filter((e): e is readonly [string, AccountState] => e[1] !== undefined));
  }

  private itemsFor(plan: PostingPlan, optimistic: boolean): TransactItem[] {
    const { posting } = plan;
    const { requires, excludes } = phaseConditions(posting);
    const entries: TransactItem[] = plan.entries.map((entry) => ({
      Put: {
        TableName: this.table,
        Item: {
          pk: journalKey(entry.account),
          sk: padSequence(entry.state.seq),
          atKey: atKey(entry.at, entry.state.seq),
          at: entry.at.toISOString(),
          postingId: entry.postingId,
          account: toTaggedJson(entry.account),
          legs: toTaggedJson(entry.legs),
          state: toTaggedJson(entry.state),
          // Sparse: only entries that give principal back are in the byReservedAt index.
          ...(entry.released === undefined
            ? {}
            : {
                releasedOfKey: atKey(entry.released.reservedAt, entry.state.seq),
                released: toTaggedJson(entry.released),
              }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    const entrySeqs = Object.fromEntries(plan.entries.map((e) => [accountKey(e.account), e.state.seq]));
    // What a later phase checks of this marker without reading it: the subject and the reservation time.
    const subject = subjectDigest(posting);
    const reservedAt = isTransferPosting(posting) ? posting.reservation.reservedAt?.toISOString() : undefined;
    const marker: TransactItem = {
      Put: {
        TableName: this.table,
        Item: {
          ...markerKey(posting.id),
          posting: toTaggedJson(posting),
          entries: JSON.stringify(entrySeqs),
          subject,
          ...(reservedAt === undefined ? {} : { reservedAt }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const checks: TransactItem[] = [
      ...(requires === undefined
        ? []
        : [this.requiredCheck(requires, optimistic ? { subject, reservedAt } : undefined)]),
      ...(excludes === undefined
        ? []
        : [
            {
              ConditionCheck: {
                TableName: this.table,
                Key: markerKey(excludes),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]),
    ];
    return [...entries, marker, ...checks];
  }

  /**
   * The check that the required marker is recorded. A checked plan read it and compared its subject
   * (markers are never overwritten), so existence is enough; an optimistic one did not, so the marker
   * must also carry this posting's subject digest and reservation time.
   */
  private requiredCheck(id: string, expect?: { subject: string; reservedAt: string | undefined }): TransactItem {
    const check = { TableName: this.table, Key: markerKey(id) };
    if (expect === undefined) return { ConditionCheck: { ...check, ConditionExpression: 'attribute_exists(pk)' } };
    const withTime = expect.reservedAt !== undefined;
    return {
      ConditionCheck: {
        ...check,
        ConditionExpression: `attribute_exists(pk) AND #subject = :subject${withTime ? ' AND #reservedAt = :reservedAt' : ''}`,
        ExpressionAttributeNames: { '#subject': 'subject', ...(withTime ? { '#reservedAt': 'reservedAt' } : {}) },
        ExpressionAttributeValues: {
          ':subject': expect.subject,
          ...(withTime ? { ':reservedAt': expect.reservedAt } : {}),
        },
      },
    };
  }

  private async marker(id: string): Promise<{ posting: Posting; entries: Record<string, number> } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: markerKey(id), ConsistentRead: true }),
    );
    return Item
      ? {
          posting: fromTaggedJson<Posting>(Item.posting as string),
          entries: JSON.parse(Item.entries as string) as Record<string, number>,
        }
      : undefined;
  }

  private async newest(pk: string): Promise<JournalEntry[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(toEntry);
  }

  private async newestCounters(account: LedgerAccount): Promise<OutflowCounters> {
    const [entry] = await this.newest(journalKey(account));
    return (entry?.state as WalletAccountState | undefined) ?? ZERO_COUNTERS;
  }

  private async newestWalletState(account: LedgerAccount): Promise<WalletAccountState> {
    const [entry] = await this.newest(journalKey(account));
    return entry?.state.kind === 'wallet' ? entry.state : emptyAccountState('wallet');
  }

  private async countersOfSeq(account: LedgerAccount, seq: number): Promise<OutflowCounters> {
    if (seq < 1) return ZERO_COUNTERS;
    return (await this.entryOfSeq(account, seq)).state as WalletAccountState;
  }

  private async entryOfSeq(account: LedgerAccount, seq: number): Promise<JournalEntry> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: journalKey(account), sk: padSequence(seq) },
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new ConflictError('STORE.CONFLICT', `journal entry ${seq} of ${accountKey(account)} is missing`);
    return toEntry(Item);
  }

  /** The releases entered before entry `beforeSeq` whose reservation was made after `start`. */
  private async releasesSince(account: LedgerAccount, start: Date, beforeSeq: number): Promise<ReleasedReservation[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byReservedAt',
      // '~' sorts after every sequence digit: a reservation made exactly at `start` is outside.
      KeyConditionExpression: 'pk = :pk AND releasedOfKey > :from',
      ExpressionAttributeValues: { ':pk': journalKey(account), ':from': `${start.toISOString()}#~` },
      ProjectionExpression: 'sk, released',
    });
    return items
      .filter((item) => Number(item.sk as string) < beforeSeq)
      .map((item) => fromTaggedJson<ReleasedReservation>(item.released as string));
  }

  private async entryAtOrBefore(account: LedgerAccount, at: Date): Promise<JournalEntry | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byTime',
        KeyConditionExpression: 'pk = :pk AND atKey <= :at',
        ExpressionAttributeValues: { ':pk': journalKey(account), ':at': `${at.toISOString()}#~` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const [item] = Items ?? [];
    return item ? toEntry(item) : undefined;
  }
}

function toEntry(item: Record<string, unknown>): JournalEntry {
  return {
    account: fromTaggedJson<LedgerAccount>(item.account as string),
    postingId: item.postingId as string,
    legs: fromTaggedJson(item.legs as string),
    state: fromTaggedJson<AccountState>(item.state as string),
    at: new Date(item.at as string),
    ...(typeof item.released === 'string' ? { released: fromTaggedJson<ReleasedReservation>(item.released) } : {}),
  };
}

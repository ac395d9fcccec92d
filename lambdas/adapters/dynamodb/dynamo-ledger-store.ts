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
import { phaseConditions } from '../../domain/ledger/posting-phase';
import { changesByAccount, postingId, type Posting, type TransferPosting } from '../../domain/ledger/posting';
import { VELOCITY_WINDOWS_MS } from '../../domain/ledger/prior-usage';
import type { VelocityUsage } from '../../domain/policy/policy';
import type { LedgerStore, PostingOutcome, PriorActivity } from '../../ports/ledger-store';
import type { Page, PageRequest } from '../../ports/page';
import { PageTokens, pageLimit } from './page-token';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from './retry';
import { fromTaggedJson, padSequence, toTaggedJson } from './tagged-json';
import { MAX_TRANSACT_ITEMS, transactWrite, type TransactItem } from './transact';

const journalKey = (account: LedgerAccount): string => `ACCT#${accountKey(account)}`;
const markerKey = (id: string): { pk: string; sk: string } => ({ pk: `POSTING#${id}`, sk: '-' });
const atKey = (at: Date, seq: number): string => `${at.toISOString()}#${padSequence(seq)}`;

/** A RESERVE posting's marker: the posting and the seq of the entry it wrote on each account. */
interface ReservationMarker {
  readonly posting: TransferPosting;
  readonly entries: Record<string, number>;
}

/** Items of the caller's to commit in the same transaction as a posting (the SUBMITTED event). */
export interface AlongsideWrite {
  readonly items: readonly TransactItem[];
  /** What to throw when one of these items' conditions fails: the posting cannot decide that. */
  readonly onConflict: () => Error;
}

/**
 * The ledger in the ledger table: one journal per account (`ACCT#<wallet>#<asset>#<kind>`, sk the
 * entry's zero-padded seq, `atKey` for lookups by time through the `byTime` index, and on entries that
 * give principal back `releasedOfKey` (their reservation's time) for the sparse `byReservedAt` index) and one marker per
 * posting (`POSTING#<id>`). A posting is one TransactWriteItems: a conditional put of each account's
 * next entry, the marker, and condition checks on the markers its phase requires or excludes. When
 * a condition fails someone else wrote first: it re-reads and decides again, within a time bound.
 */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
  ) {}

  post(posting: Posting): Promise<PostingOutcome> {
    return this.postWith(posting);
  }

  /** Posts, committing `alongside` in the same transaction (not when the posting is a replay). */
  postWith(posting: Posting, alongside?: AlongsideWrite): Promise<PostingOutcome> {
    return retryWithinTimeBound(async () => {
      const plan = planPosting(await this.stateFor(posting), posting);
      if (plan.replayed) return { done: true, value: plan };
      // The plan's posting: an unexplained outflow is recorded with the planner's split of its legs.
      const postingItems = this.itemsFor(plan.posting, plan);
      const extra = alongside?.items ?? [];
      if (postingItems.length + extra.length > MAX_TRANSACT_ITEMS)
        throw new RangeError(
          `posting ${posting.id} needs ${postingItems.length + extra.length} items, more than ${MAX_TRANSACT_ITEMS}`,
        );
      const outcome = await transactWrite(this.doc, [...postingItems, ...extra]);
      if (outcome.ok) return { done: true, value: plan };
      if (outcome.kind === 'condition' && alongside && outcome.failedIndexes.some((i) => i >= postingItems.length))
        throw alongside.onConflict();
      return {
        done: false,
        reason: `posting ${posting.id}: ${outcome.kind === 'conflict' ? 'transaction conflict' : 'an account or marker moved'}`,
      };
    }, this.retry);
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
   * a later reservation: a cooldown judged on it is stricter, never looser.
   */
  async priorActivity(transferId: string, now: Date): Promise<PriorActivity> {
    const marker = await this.reservationMarker(transferId);
    const [usage, previousReservationAt] = await Promise.all([
      this.usageBefore(marker, now),
      this.previousReservationAt(marker),
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
    const beforeSeq = reservationSeq === undefined ? Number.MAX_SAFE_INTEGER : reservationSeq;
    const reservedSince = async (start: Date): Promise<bigint> => {
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
      this.releasesSince(account, widest, beforeSeq),
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

  /** The touched accounts' newest states and the markers the posting's checks name. */
  private async stateFor(posting: Posting): Promise<LedgerState> {
    const accounts = changesByAccount(posting).map((c) => c.account);
    const { requires, excludes } = phaseConditions(posting);
    const markerIds = [posting.id, requires, excludes].filter((id): id is string => id !== undefined);
    const [newest, markers] = await Promise.all([
      Promise.all(
        accounts.map(
          async (account) => [accountKey(account), (await this.newest(journalKey(account)))[0]?.state] as const,
        ),
      ),
      Promise.all(markerIds.map(async (id) => [id, (await this.marker(id))?.posting] as const)),
    ]);
    return {
      accounts: new Map(newest.filter((e): e is readonly [string, AccountState] => e[1] !== undefined)),
      postings: new Map(markers.filter((e): e is readonly [string, Posting] => e[1] !== undefined)),
    };
  }

  private itemsFor(posting: Posting, plan: PostingPlan): TransactItem[] {
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
    const marker: TransactItem = {
      Put: {
        TableName: this.table,
        Item: { ...markerKey(posting.id), posting: toTaggedJson(posting), entries: JSON.stringify(entrySeqs) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const checks: TransactItem[] = [
      ...(requires === undefined
        ? []
        : [
            {
              ConditionCheck: {
                TableName: this.table,
                Key: markerKey(requires),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ]),
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
    const releases: ReleasedReservation[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byReservedAt',
          // '~' sorts after every sequence digit: a reservation made exactly at `start` is outside.
          KeyConditionExpression: 'pk = :pk AND releasedOfKey > :from',
          ExpressionAttributeValues: { ':pk': journalKey(account), ':from': `${start.toISOString()}#~` },
          ProjectionExpression: 'sk, released',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (Number(item.sk as string) >= beforeSeq) continue;
        releases.push(fromTaggedJson<ReleasedReservation>(item.released as string));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return releases;
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

import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import { applyTransferEvent, foldTransferEvents } from '../../domain/lifecycle/transfer-lifecycle';
import type { TransferEvent, TransferStatus } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { Page, PageRequest } from '../../ports/page';
import type { TransferEventStore, TransferSummary } from '../../ports/transfer-event-store';
import type { Hex } from 'viem';
import type { Posting } from '../../domain/ledger/posting';
import type { StepWrites } from '../../ports/transfer-event-store';
import type { DynamoAuditLog } from './dynamo-audit-log';
import type { DynamoLedgerStore, PlannedPosting, PrefetchedHeads } from './dynamo-ledger-store';
import { queryAll } from './query-all';
import { PageTokens, pageLimit } from './page-token';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from './retry';
import { transactWrite, MAX_TRANSACT_ITEMS, type TransactItem } from './transact';
import {
  decodeStream,
  encodeStream,
  extendStream,
  storedEvent,
  storedEventOfItem,
  toTransferEvent,
  type StoredEvent,
  type StoredStream,
} from './transfer-stream';

export interface TransferEventTables {
  readonly events: string;
  readonly transfers: string;
}

/** What an append writes, for callers that must commit it together with other items. */
export interface PreparedAppend {
  readonly items: readonly TransactItem[];
  readonly next: TransferState;
  readonly stream: StoredStream;
}

/** The stores whose writes a step commits in its own transaction (ARCHITECTURE.md §5). */
export interface StepCollaborators {
  readonly ledger?: DynamoLedgerStore;
  readonly audit?: DynamoAuditLog;
}

const streamKey = (transferId: string): string => `TX#${transferId}`;

/**
 * Transfer event streams in the events table (one conditional put per event) with the listing
 * projection in the transfers table, written in the same transaction and conditioned on the
 * sequence and the stream digest it replaces. The lifecycle's transition table checks every event
 * before it is written.
 *
 * A workflow step writes once: its events, its ledger posting, its audit record and the projection in
 * one TransactWriteItems ({@link append} with {@link StepWrites}). Reads are avoided where a condition
 * can stand in for them: the posting is planned on the accounts' newest entries only (its markers are
 * conditions), the audit record is chained to the trace head the stream recorded (a put conditioned on
 * its seq being free), and the state itself can come from the workflow's payload ({@link resume}): the
 * projection's digest condition refuses a stale or altered one, and the step then reads the table.
 */
export class DynamoTransferEventStore implements TransferEventStore {
  /** The stored stream behind each state this store produced: its digest, events and audit head. */
  private readonly streams = new WeakMap<TransferState, StoredStream>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: TransferEventTables,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
    private readonly collaborators: StepCollaborators = {},
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  /** Checks the events against the lifecycle and builds the items that append them. */
  prepareAppend(
    current: TransferState | undefined,
    events: readonly TransferEvent[],
    audit?: { readonly seq: number; readonly hash: Hex },
  ): PreparedAppend {
    if (events.length === 0) throw new RangeError('nothing to append');
    let next = current;
    for (const event of events) next = applyTransferEvent(next, event);
    const state = next as TransferState;
    const pk = streamKey(state.id);
    const stored = events.map((event, i) => ({
      ...storedEvent(pk, event),
      ...(audit !== undefined && i === events.length - 1 ? { audit } : {}),
    }));
    const previous = current === undefined ? undefined : this.streams.get(current);
    if (current !== undefined && previous === undefined)
      throw new Error(`transfer ${state.id}: append after a state this store did not read (load it first)`);
    const stream = extendStream(state.id, previous, stored);
    const eventItems: TransactItem[] = stored.map((event) => ({
      Put: {
        TableName: this.tables.events,
        Item: {
          pk,
          sk: event.sk,
          type: event.type,
          at: event.at,
          actor: event.actor,
          data: event.data,
          ...(event.audit === undefined ? {} : { auditSeq: event.audit.seq, auditHash: event.audit.hash }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    const projection = this.projectionItem(current, previous?.digest, state, stream.digest);
    return { items: [...eventItems, projection], next: state, stream };
  }

  /**
   * Appends `events` after `current` and commits the step's other writes with them, all in one
   * transaction when they fit in one. The posting is planned on the accounts' newest entries (a
   * replay of a posting recorded before is found by its marker's condition and dropped); the audit
   * record is chained after the head the stream knows, re-read only when another writer moved it.
   */
  async append(
    current: TransferState | undefined,
    events: readonly TransferEvent[],
    writes: StepWrites = {},
    /** The events as they are written once the posting is planned (the submit records its reservation's snapshot). */
    withPlan: (events: readonly TransferEvent[], planned: PlannedPosting | undefined) => readonly TransferEvent[] = (
      e,
    ) => e,
  ): Promise<TransferState> {
    const { ledger, audit } = this.requireCollaborators(writes);
    if (current !== undefined && !this.streams.has(current)) await this.adopt(current);
    let posting = writes.posting;
    let ledgerMode: 'optimistic' | 'checked' = 'optimistic';
    let auditHead: { seq: number; hash: Hex } | undefined | 'unknown' = this.knownAuditHead(current, writes);
    const traceOf = (): string => writes.audit?.traceId as string;
    // Heads read ahead serve the first plan only: every later one reads again.
    let prefetched = writes.prefetched as PrefetchedHeads | undefined;
    return retryWithinTimeBound(async () => {
      let ledgerItems: readonly TransactItem[] = [];
      let planned: PlannedPosting | undefined;
      if (posting !== undefined && ledger !== undefined) {
        planned = await ledger.planItems(posting, ledgerMode, prefetched);
        prefetched = undefined;
        if (planned.replayed) {
          posting = undefined;
          planned = undefined;
        } else ledgerItems = planned.items;
      }
      let auditItem: TransactItem | undefined;
      let auditRecord: { seq: number; hash: Hex } | undefined;
      if (writes.audit !== undefined && audit !== undefined) {
        if (auditHead === 'unknown') auditHead = await audit.newestHead(traceOf());
        const prepared = audit.prepareAppend(writes.audit, auditHead);
        auditItem = prepared.item;
        auditRecord = { seq: prepared.record.seq, hash: prepared.record.hash };
      }
      const append = this.prepareAppend(current, withPlan(events, planned), auditRecord);
      const nonceItems = (writes.nonce?.items ?? []) as readonly TransactItem[];
      const items = [...ledgerItems, ...nonceItems, ...append.items, ...(auditItem === undefined ? [] : [auditItem])];
      if (items.length > MAX_TRANSACT_ITEMS) {
        if (ledgerItems.length === 0 || nonceItems.length > 0)
          throw new RangeError(`transfer ${append.next.id}: ${items.length} items do not fit in one transaction`);
        // Too much for one transaction: the posting first (idempotent, so a retried step replays it), then the rest.
        await (ledger as DynamoLedgerStore).post(posting as Posting);
        posting = undefined;
        return { done: false, reason: 'the posting was written on its own' };
      }
      const outcome = await transactWrite(this.doc, items);
      if (outcome.ok) {
        this.streams.set(append.next, append.stream);
        return { done: true, value: append.next };
      }
      if (outcome.kind === 'conflict')
        return { done: false, reason: `transfer ${append.next.id}: transaction conflict` };
      const failed = outcome.failedIndexes;
      const nonceFrom = ledgerItems.length;
      const eventsFrom = nonceFrom + nonceItems.length;
      const auditIndex = eventsFrom + append.items.length;
      if (failed.some((i) => i >= eventsFrom && i < auditIndex) || failed.length === 0) {
        // The stream moved (or DynamoDB Local gave no reasons: then look at the stream).
        if (failed.length > 0 || (await this.moved(current, append.next.id)))
          throw this.conflict(current, append.next.id);
      }
      // A nonce another transfer took (or, with no reasons given, perhaps took): the caller reserves another.
      if (nonceItems.length > 0 && (failed.length === 0 || failed.some((i) => i >= nonceFrom && i < eventsFrom)))
        throw new ConflictError('NONCE.TAKEN', `transfer ${append.next.id}: the planned nonce was taken`, {
          details: { transferId: append.next.id },
        });
      // The ledger's items are its accounts' entries, then its marker and phase checks: an entry that lost
      // its seq means another posting landed on the account (plan again on the new heads); a marker or
      // check that failed means the phase was not as assumed (plan again on the markers read).
      if (planned?.replayed === false) {
        const entries = planned.plan.entries.length;
        if (failed.length === 0 || failed.some((i) => i >= entries && i < nonceFrom)) ledgerMode = 'checked';
      }
      if (auditItem !== undefined && (failed.length === 0 || failed.includes(auditIndex))) auditHead = 'unknown';
      return { done: false, reason: `transfer ${append.next.id}: a posting or the audit trace moved` };
    }, this.retry);
  }

  /** The state the workflow carried (`payload`, see {@link streamOf}), or else the one stored. */
  async resume(transferId: string, payload: unknown): Promise<TransferState | undefined> {
    const stream = decodeStream(transferId, payload);
    if (stream !== undefined) {
      try {
        const state = foldTransferEvents(stream.events.map((event) => toTransferEvent(transferId, event)));
        this.streams.set(state, stream);
        return state;
      } catch {
        // Not a stream the lifecycle accepts: read the table instead.
      }
    }
    return this.load(transferId);
  }

  /** What the workflow carries to the next step; undefined for a state this store did not produce. */
  streamOf(state: TransferState): string | undefined {
    const stream = this.streams.get(state);
    return stream === undefined ? undefined : encodeStream(stream);
  }

  async read(transferId: string): Promise<readonly TransferEvent[]> {
    return (await this.stored(transferId)).map((event) => toTransferEvent(transferId, event));
  }

  async load(transferId: string): Promise<TransferState | undefined> {
    const stored = await this.stored(transferId);
    if (stored.length === 0) return undefined;
    const state = foldTransferEvents(stored.map((event) => toTransferEvent(transferId, event)));
    this.streams.set(state, extendStream(transferId, undefined, stored));
    return state;
  }

  private async stored(transferId: string): Promise<StoredEvent[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tables.events,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': streamKey(transferId) },
    });
    return items.map(storedEventOfItem);
  }

  private knownAuditHead(
    current: TransferState | undefined,
    writes: StepWrites,
  ): { seq: number; hash: Hex } | undefined | 'unknown' {
    if (writes.audit === undefined) return undefined;
    // A new transfer starts a new trace; otherwise the head its stream recorded, if it knows one.
    if (current === undefined) return undefined;
    const stream = this.streams.get(current);
    return stream?.auditHead ?? 'unknown';
  }

  /** A state built elsewhere (a copy, a fake): its stream is read so the append can chain to it. */
  private async adopt(current: TransferState): Promise<void> {
    const stored = await this.stored(current.id);
    if (stored.length !== current.seq) throw this.conflict(current, current.id);
    this.streams.set(current, extendStream(current.id, undefined, stored));
  }

  private requireCollaborators(writes: StepWrites): StepCollaborators {
    if (writes.posting !== undefined && this.collaborators.ledger === undefined)
      throw new Error('configuration: this event store was built without the ledger its steps post to');
    if (writes.audit !== undefined && this.collaborators.audit === undefined)
      throw new Error('configuration: this event store was built without the audit log its steps record to');
    return this.collaborators;
  }

  private async moved(current: TransferState | undefined, transferId: string): Promise<boolean> {
    const stored = await this.stored(transferId);
    if (stored.length !== (current?.seq ?? 0)) return true;
    const known = current === undefined ? undefined : this.streams.get(current);
    return known !== undefined && extendStream(transferId, undefined, stored).digest !== known.digest;
  }

  private conflict(current: TransferState | undefined, transferId: string): ConflictError {
    return new ConflictError(
      'STORE.CONFLICT',
      `transfer ${transferId} moved past seq ${current?.seq ?? 0}: re-read it`,
      { details: { transferId, expectedSeq: current?.seq ?? 0 } },
    );
  }

  listByWallet(walletId: string, page: PageRequest = {}): Promise<Page<TransferSummary>> {
    return this.list('byWallet', 'walletId', walletId, page);
  }

  listByStatus(status: TransferStatus, page: PageRequest = {}): Promise<Page<TransferSummary>> {
    return this.list('byStatus', 'status', status, page);
  }

  private async list(
    index: string,
    attribute: string,
    value: string,
    page: PageRequest,
  ): Promise<Page<TransferSummary>> {
    // A token pages the index and the value it was issued for, never another wallet's or status's.
    const listing = `transfers:${index}:${value}`;
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tables.transfers,
        IndexName: index,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': attribute },
        ExpressionAttributeValues: { ':v': value },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: this.pageTokens.decode(listing, page.nextToken, [
          'pk',
          attribute,
          index === 'byWallet' ? 'createdKey' : 'updatedKey',
        ]),
      }),
    );
    const items = (result.Items ?? []).map(toSummary);
    return result.LastEvaluatedKey
      ? { items, nextToken: this.pageTokens.encode(listing, result.LastEvaluatedKey) }
      : { items };
  }

  private projectionItem(
    previous: TransferState | undefined,
    previousDigest: Hex | undefined,
    state: TransferState,
    digest: Hex,
  ): TransactItem {
    const condition =
      previous === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'seq = :previous AND streamDigest = :digest',
            ExpressionAttributeValues: { ':previous': previous.seq, ':digest': previousDigest },
          };
    return {
      Put: {
        TableName: this.tables.transfers,
        Item: {
          pk: streamKey(state.id),
          id: state.id,
          walletId: state.walletId,
          status: state.status,
          seq: state.seq,
          submittedAt: state.submittedAt.toISOString(),
          updatedAt: state.updatedAt.toISOString(),
          createdKey: `${state.submittedAt.toISOString()}#${state.id}`,
          updatedKey: `${state.updatedAt.toISOString()}#${state.id}`,
          streamDigest: digest,
        },
        ...condition,
      },
    };
  }
}

function toSummary(item: Record<string, unknown>): TransferSummary {
  return {
    id: item.id as string,
    walletId: item.walletId as string,
    status: item.status as TransferStatus,
    seq: item.seq as number,
    submittedAt: new Date(item.submittedAt as string),
    updatedAt: new Date(item.updatedAt as string),
  };
}

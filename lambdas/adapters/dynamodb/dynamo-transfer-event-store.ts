import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import { applyTransferEvent, foldTransferEvents } from '../../domain/lifecycle/transfer-lifecycle';
import type { TransferEvent, TransferStatus } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { Page, PageRequest } from '../../ports/page';
import type { TransferEventStore, TransferSummary } from '../../ports/transfer-event-store';
import { queryAll } from './query-all';
import { streamEventFields, streamItem } from './stream-item';
import { PageTokens, pageLimit } from './page-token';
import { transactWrite, MAX_TRANSACT_ITEMS, type TransactItem } from './transact';

export interface TransferEventTables {
  readonly events: string;
  readonly transfers: string;
}

/** What an append writes, for callers that must commit it together with other items. */
export interface PreparedAppend {
  readonly items: readonly TransactItem[];
  readonly next: TransferState;
}

const streamKey = (transferId: string): string => `TX#${transferId}`;

/**
 * Transfer event streams in the events table (one conditional put per event) with the listing
 * projection in the transfers table, written in the same transaction and conditioned on the
 * sequence it replaces. The lifecycle's transition table checks every event before it is written.
 */
export class DynamoTransferEventStore implements TransferEventStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: TransferEventTables,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
  ) {}

  /** Checks the events against the lifecycle and builds the items that append them. */
  prepareAppend(current: TransferState | undefined, events: readonly TransferEvent[]): PreparedAppend {
    if (events.length === 0) throw new RangeError('nothing to append');
    let next = current;
    for (const event of events) next = applyTransferEvent(next, event);
    const state = next as TransferState;
    const eventItems: TransactItem[] = events.map((event) => ({
      Put: {
        TableName: this.tables.events,
        Item: streamItem(streamKey(event.transferId), event),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    return { items: [...eventItems, this.projectionItem(current, state)], next: state };
  }

  async append(current: TransferState | undefined, events: readonly TransferEvent[]): Promise<TransferState> {
    const prepared = this.prepareAppend(current, events);
    if (prepared.items.length > MAX_TRANSACT_ITEMS)
      throw new RangeError(`append at most ${MAX_TRANSACT_ITEMS - 1} events at once`);
    const outcome = await transactWrite(this.doc, prepared.items);
    if (!outcome.ok) {
      const id = prepared.next.id;
      throw new ConflictError('STORE.CONFLICT', `transfer ${id} moved past seq ${current?.seq ?? 0}: re-read it`, {
        details: { transferId: id, expectedSeq: current?.seq ?? 0 },
      });
    }
    return prepared.next;
  }

  async read(transferId: string): Promise<readonly TransferEvent[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tables.events,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': streamKey(transferId) },
    });
    return items.map((item) => toEvent(transferId, item));
  }

  async load(transferId: string): Promise<TransferState | undefined> {
    const events = await this.read(transferId);
    return events.length === 0 ? undefined : foldTransferEvents(events);
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

  private projectionItem(previous: TransferState | undefined, state: TransferState): TransactItem {
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
        },
        ...(previous === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'seq = :previous', ExpressionAttributeValues: { ':previous': previous.seq } }),
      },
    };
  }
}

function toEvent(transferId: string, item: Record<string, unknown>): TransferEvent {
  return { transferId, ...streamEventFields(item) } as TransferEvent;
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

import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StrongroomError, ValidationError } from '../../domain/errors';
import type {
  ExceptionResolution,
  ExceptionStatus,
  ReconciliationException,
} from '../../domain/reconciliation/reconciliation-exception';
import type { Page, PageRequest } from '../../ports/page';
import type { ExceptionEntry, ReconciliationStore } from '../../ports/reconciliation-store';
import { PageTokens, pageLimit } from './page-token';
import { fromTaggedJson, toTaggedJson } from './tagged-json';
import { transactWrite, type TransactItem } from './transact';

const exceptionKey = (id: string): string => `RECON#${id}`;
const EXCEPTION_SK = 'EXCEPTION';
const RESOLUTION_SK = 'RESOLUTION';
/** Listing partitions: every exception, and those of one wallet; their resolved twins. */
const listing = (status: 'all' | 'resolved', walletId: string | undefined): string =>
  `${status === 'all' ? 'RECONS' : 'RECONS_RESOLVED'}${walletId === undefined ? '' : `#WALLET#${walletId}`}`;
const listingSk = (exception: ReconciliationException): string =>
  `${exception.detectedAt.toISOString()}#${exception.id}`;

/**
 * The reconciliation exception queue in the events table, append-only like everything there:
 * `RECON#<id>` holds the exception (sk `EXCEPTION`) and, once, its resolution (sk `RESOLUTION`), each
 * a conditional put. The exception is written in the same transaction as two listing items (`RECONS`
 * and `RECONS#WALLET#<id>`, sk `<detectedAt>#<id>`), the resolution with two items in the resolved
 * listings (`RECONS_RESOLVED…`), so every listing is a query of one partition, newest first. Open
 * entries are the listing less the resolved ones (one read per entry of a page).
 */
export class DynamoReconciliationStore implements ReconciliationStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
  ) {}

  async record(exception: ReconciliationException): Promise<{ readonly recorded: boolean }> {
    const data = toTaggedJson(exception);
    const sk = listingSk(exception);
    const put = (pk: string, itemSk: string): TransactItem => ({
      Put: {
        TableName: this.table,
        Item: { pk, sk: itemSk, id: exception.id, kind: exception.kind, walletId: exception.walletId, data },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    const outcome = await transactWrite(this.doc, [
      put(exceptionKey(exception.id), EXCEPTION_SK),
      put(listing('all', undefined), sk),
      put(listing('all', exception.walletId), sk),
    ]);
    if (outcome.ok) return { recorded: true };
    if (outcome.kind === 'condition') return { recorded: false };
    throw new StrongroomError('STORE.CONTENTION', `exception ${exception.id} is being recorded by another writer`);
  }

  async get(id: string): Promise<ExceptionEntry | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': exceptionKey(id) },
        ConsistentRead: true,
      }),
    );
    const exception = Items?.find((item) => item.sk === EXCEPTION_SK);
    if (exception === undefined) return undefined;
    const resolution = Items?.find((item) => item.sk === RESOLUTION_SK);
    return {
      exception: fromTaggedJson<ReconciliationException>(exception.data as string),
      ...(resolution === undefined
        ? {}
        : { resolution: fromTaggedJson<ExceptionResolution>(resolution.resolution as string) }),
    };
  }

  async list(filter: {
    readonly walletId?: string;
    readonly status?: ExceptionStatus;
    readonly page?: PageRequest;
  }): Promise<Page<ExceptionEntry>> {
    const page = filter.page ?? {};
    const pk = listing(filter.status === 'resolved' ? 'resolved' : 'all', filter.walletId);
    // Bound to the filter too: `open` and `all` page the same partition but not the same entries.
    const tokenListing = `reconciliation:exceptions:${filter.status ?? 'all'}:${filter.walletId ?? ''}`;
    const startKey = this.pageTokens.decode(tokenListing, page.nextToken, ['pk', 'sk']);
    if (startKey !== undefined && startKey.pk !== pk)
      throw new ValidationError('REQUEST.INVALID_FIELD', 'nextToken', 'is not a token this listing issued');
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    const rows = result.Items ?? [];
    let entries: ExceptionEntry[];
    if (filter.status === 'resolved') {
      entries = rows.map((row) => ({
        exception: fromTaggedJson<ReconciliationException>(row.data as string),
        resolution: fromTaggedJson<ExceptionResolution>(row.resolution as string),
      }));
    } else {
      const resolutions = await Promise.all(rows.map((row) => this.resolutionOf(row.id as string)));
      entries = rows.map((row, i) => {
        const resolution = resolutions[i];
        const exception = fromTaggedJson<ReconciliationException>(row.data as string);
        return resolution === undefined ? { exception } : { exception, resolution };
      });
      if (filter.status === 'open') entries = entries.filter((entry) => entry.resolution === undefined);
    }
    return result.LastEvaluatedKey
      ? { items: entries, nextToken: this.pageTokens.encode(tokenListing, result.LastEvaluatedKey) }
      : { items: entries };
  }

  async resolve(exception: ReconciliationException, resolution: ExceptionResolution): Promise<void> {
    const data = toTaggedJson(exception);
    const resolutionJson = toTaggedJson(resolution);
    const sk = listingSk(exception);
    const put = (pk: string, itemSk: string): TransactItem => ({
      Put: {
        TableName: this.table,
        Item: { pk, sk: itemSk, id: exception.id, walletId: exception.walletId, data, resolution: resolutionJson },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    const outcome = await transactWrite(this.doc, [
      // The exception must exist: a resolution of nothing is never written.
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: exceptionKey(exception.id), sk: EXCEPTION_SK },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      put(exceptionKey(exception.id), RESOLUTION_SK),
      put(listing('resolved', undefined), sk),
      put(listing('resolved', exception.walletId), sk),
    ]);
    if (outcome.ok) return;
    if (outcome.kind === 'condition') {
      // DynamoDB Local may not say which condition failed: whether the exception exists tells.
      if ((await this.get(exception.id)) === undefined)
        throw new StrongroomError('STORE.NOT_FOUND', `no exception ${exception.id} to resolve`, {
          details: { exceptionId: exception.id },
        });
      throw new StrongroomError('STORE.DUPLICATE', `exception ${exception.id} is resolved already`, {
        details: { exceptionId: exception.id },
      });
    }
    throw new StrongroomError('STORE.CONTENTION', `exception ${exception.id} is being resolved by another writer`);
  }

  private async resolutionOf(id: string): Promise<ExceptionResolution | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: exceptionKey(id), sk: RESOLUTION_SK },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : fromTaggedJson<ExceptionResolution>(Item.resolution as string);
  }
}

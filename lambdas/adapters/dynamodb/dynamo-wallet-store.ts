import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getAddress } from 'viem';
import { ConflictError, StrongroomError, ValidationError } from '../../domain/errors';
import type { KeyScheme, Wallet } from '../../domain/wallets/wallet';
import type { WalletEvent } from '../../domain/wallets/wallet-events';
import { applyWalletEvent, foldWalletEvents } from '../../domain/wallets/wallet-lifecycle';
import type { Page, PageRequest } from '../../ports/page';
import type { WalletStore, WalletSummary } from '../../ports/wallet-store';
import { PageTokens, pageLimit } from './page-token';
import { queryAll } from './query-all';
import { streamEventFields, streamItem } from './stream-item';
import { transactWrite, MAX_TRANSACT_ITEMS, type TransactItem } from './transact';

const streamKey = (walletId: string): string => `WALLET#${walletId}`;
/** The listing: one append-only index item per wallet, sk `<createdAt ISO>#<id>`. */
const LISTING = 'WALLETS';
/** What a page token of the wallet listing is bound to. */
const WALLET_LISTING = 'wallets:all';
const addressKey = (chainId: number, address: string): string => `WALLET_ADDRESS#${chainId}#${address.toLowerCase()}`;
const ADDRESS_SK = 'WALLET';

/**
 * Wallets in the events table: the stream `WALLET#<id>` (one conditional put per event, sk the
 * zero-padded seq), and, written in the same transaction as WALLET_CREATED, an index item in the
 * `WALLETS` partition and an address claim `WALLET_ADDRESS#<chainId>#<address>` whose conditional
 * put keeps two wallets from ever sharing an address on a chain. Nothing is updated or deleted: the
 * index holds only what never changes, and the status is always folded from the stream.
 */
export class DynamoWalletStore implements WalletStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
  ) {}

  async append(current: Wallet | undefined, events: readonly WalletEvent[]): Promise<Wallet> {
    if (events.length === 0) throw new RangeError('nothing to append');
    let next = current;
    for (const event of events) next = applyWalletEvent(next, event);
    const wallet = next as Wallet;
    const creating = current === undefined;
    const items = [...events.map((event) => this.eventItem(event)), ...(creating ? this.creationItems(wallet) : [])];
    if (items.length > MAX_TRANSACT_ITEMS)
      throw new RangeError(`append at most ${MAX_TRANSACT_ITEMS - (creating ? 2 : 0)} events at once`);

    const outcome = await transactWrite(this.doc, items);
    if (outcome.ok) return wallet;
    if (outcome.kind === 'condition' && creating) {
      // The address claim is the last item. DynamoDB Local may omit the reasons: then look at the claim.
      const idTaken =
        outcome.failedIndexes.length === 0
          ? !(await this.addressClaimedByAnother(wallet))
          : outcome.failedIndexes.some((i) => i < items.length - 1);
      if (idTaken)
        throw new StrongroomError('STORE.DUPLICATE', `wallet ${wallet.id} exists already`, {
          details: { walletId: wallet.id },
        });
      throw new StrongroomError(
        'STORE.DUPLICATE',
        `another wallet holds ${wallet.address} on chain ${wallet.chainId}`,
        {
          details: { chainId: wallet.chainId, address: wallet.address },
        },
      );
    }
    const expected = current?.version ?? 0;
    throw new ConflictError('STORE.CONFLICT', `wallet ${wallet.id} moved past version ${expected}: re-read it`, {
      details: { walletId: wallet.id, expectedVersion: expected },
    });
  }

  async get(id: string): Promise<Wallet | undefined> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': streamKey(id) },
    });
    return items.length === 0 ? undefined : foldWalletEvents(items.map((item) => toEvent(id, item)));
  }

  async list(page: PageRequest = {}): Promise<Page<WalletSummary>> {
    const startKey = this.pageTokens.decode(WALLET_LISTING, page.nextToken, ['pk', 'sk']);
    if (startKey !== undefined && startKey.pk !== LISTING)
      throw new ValidationError('REQUEST.INVALID_FIELD', 'nextToken', 'is not a token this listing issued');
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': LISTING },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    const items = (result.Items ?? []).map(toSummary);
    return result.LastEvaluatedKey
      ? { items, nextToken: this.pageTokens.encode(WALLET_LISTING, result.LastEvaluatedKey) }
      : { items };
  }

  async byAddress(chainId: number, address: string): Promise<Wallet | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: addressKey(chainId, address), sk: ADDRESS_SK },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : this.get(Item.walletId as string);
  }

  async addressesOnChain(chainId: number): Promise<ReadonlyMap<string, string>> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#chainId = :chainId',
      ExpressionAttributeNames: { '#chainId': 'chainId' },
      ExpressionAttributeValues: { ':pk': LISTING, ':chainId': chainId },
    });
    return new Map(items.map((item) => [item.address as string, item.id as string]));
  }

  private eventItem(event: WalletEvent): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: streamItem(streamKey(event.walletId), event),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** The index item and, last, the address claim. */
  private creationItems(wallet: Wallet): TransactItem[] {
    const createdAt = wallet.createdAt.toISOString();
    return [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: LISTING,
            sk: `${createdAt}#${wallet.id}`,
            id: wallet.id,
            name: wallet.name,
            chainId: wallet.chainId,
            address: wallet.address.toLowerCase(),
            keyScheme: wallet.keyScheme,
            createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { pk: addressKey(wallet.chainId, wallet.address), sk: ADDRESS_SK, walletId: wallet.id, at: createdAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  private async addressClaimedByAnother(wallet: Wallet): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: addressKey(wallet.chainId, wallet.address), sk: ADDRESS_SK },
        ConsistentRead: true,
      }),
    );
    return Item !== undefined && Item.walletId !== wallet.id;
  }
}

function toEvent(walletId: string, item: Record<string, unknown>): WalletEvent {
  return { walletId, ...streamEventFields(item) } as WalletEvent;
}

function toSummary(item: Record<string, unknown>): WalletSummary {
  return {
    id: item.id as string,
    name: item.name as string,
    chainId: item.chainId as number,
    address: getAddress(item.address as string),
    keyScheme: item.keyScheme as KeyScheme,
    createdAt: new Date(item.createdAt as string),
  };
}

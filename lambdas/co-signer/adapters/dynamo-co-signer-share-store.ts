import { sameShare } from '../domain/same-share';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CoSignerShare } from '../../../enclave-host/contract';
import type {
  CoSignerShareRecord,
  CoSignerShareStore,
  RegisterOutcome,
  RetireOutcome,
} from '../ports/co-signer-share-store';

export interface DynamoCoSignerShareStoreOptions {
  /** A document client that drops undefined values (lambdas/adapters/dynamodb/document-client.ts makes one). */
  readonly client: DynamoDBDocumentClient;
  /** The physical name of the `coSigner` table. */
  readonly table: string;
}

/** Epochs are positive integers of at most 9 digits (parse-co-signer-share.ts): padded, sk order is epoch order. */
const EPOCH = /^[1-9][0-9]{0,8}$/;
const absent = 'attribute_not_exists(pk)';

const shareKey = (walletId: string): string => `SHARE#${walletId}`;
function epochKey(epoch: string): string {
  if (!EPOCH.test(epoch)) throw new RangeError(`epoch must be a positive integer of at most 9 digits, got ${epoch}`);
  return `EPOCH#${epoch.padStart(9, '0')}`;
}
const retiredKey = (epoch: string): string => `${epochKey(epoch)}#RETIRED`;

interface ShareItem {
  readonly sk: string;
  readonly share: CoSignerShare;
  readonly registeredAt: string;
}

interface RetiredItem {
  readonly sk: string;
  readonly at: string;
  readonly reason: string;
}

/**
 * The co-signer's shares on its own append-only `coSigner` table (no other function is granted it):
 * pk `SHARE#<walletId>`, sk `EPOCH#<epoch, 9 digits>` holds share 2 as the enclave handed it over
 * (ciphertext under the co-signer's KMS key, with its context); sk `EPOCH#<epoch>#RETIRED` the epoch's
 * retirement. Retiring is a second item, not an update of the first: the table takes conditional puts
 * only, so a registered share can be neither replaced nor un-retired, and the first retirement's
 * reason stays (its put is conditioned on absence).
 */
export class DynamoCoSignerShareStore implements CoSignerShareStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: DynamoCoSignerShareStoreOptions) {
    this.client = options.client;
    this.table = options.table;
  }

  async register(share: CoSignerShare, at: Date): Promise<RegisterOutcome> {
    const { walletId, epoch } = share.context;
    const key = { pk: shareKey(walletId), sk: epochKey(epoch) };
    const item = { ...key, share: copyOf(share), registeredAt: at.toISOString() };
    if (await this.putIfAbsent(item)) return 'registered';
    const stored = await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    if (stored.Item === undefined) throw new Error(`share item ${key.pk} ${key.sk} is gone from an append-only table`);
    return sameShare((stored.Item as ShareItem).share, share) ? 'already-registered' : 'conflict';
  }

  async current(walletId: string): Promise<CoSignerShareRecord | undefined> {
    // Descending, the highest epoch's retirement (if any) comes first, then its share.
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :epoch)',
        ExpressionAttributeValues: { ':pk': shareKey(walletId), ':epoch': 'EPOCH#' },
        ScanIndexForward: false,
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    const share = Items.find((item) => !String(item.sk).endsWith('#RETIRED')) as ShareItem | undefined;
    if (share === undefined) return undefined;
    const retired = Items.find((item) => item.sk === `${share.sk}#RETIRED`) as RetiredItem | undefined;
    return {
      share: copyOf(share.share),
      registeredAt: new Date(share.registeredAt),
      ...(retired === undefined ? {} : { retired: { at: new Date(retired.at), reason: retired.reason } }),
    };
  }

  async retire(walletId: string, epoch: string, reason: string, at: Date): Promise<RetireOutcome> {
    const pk = shareKey(walletId);
    const registered = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk, sk: epochKey(epoch) },
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    if (registered.Item === undefined) return 'unknown';
    return (await this.putIfAbsent({ pk, sk: retiredKey(epoch), at: at.toISOString(), reason }))
      ? 'retired'
      : 'already-retired';
  }

  /** A put that never replaces: false when the item exists already. */
  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: absent }));
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      )
        return false;
      throw error;
    }
  }
}

/** The share's own fields only: nothing a caller added rides into the table or out of it. */
function copyOf(share: CoSignerShare): CoSignerShare {
  const { deployment, walletId, address, epoch } = share.context;
  return {
    format: share.format,
    context: { deployment, walletId, address, epoch, share: share.context.share },
    ciphertextBlob: share.ciphertextBlob,
  };
}

import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NonceReservation, NonceStore } from '../../ports/nonce-store';
import { retryWithinTimeBound, DEFAULT_RETRY, type RetryOptions } from './retry';
import { padSequence } from './tagged-json';
import { transactWrite } from './transact';

const addressKey = (chainId: number, address: string): string => `NONCE#${chainId}#${address.toLowerCase()}`;
const transferKey = (transferId: string): string => `TRANSFER#${transferId}`;

/**
 * Nonce reservations in the nonces table: `NONCE#<chain>#<address>` / zero-padded nonce, plus a
 * `TRANSFER#<id>` marker written in the same transaction, so a retried Prepare gets the nonce it
 * already holds instead of a second one.
 */
export class DynamoNonceStore implements NonceStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  reserve(request: {
    chainId: number;
    address: string;
    transferId: string;
    chainPendingNonce: number;
    at: Date;
  }): Promise<NonceReservation> {
    return retryWithinTimeBound(async () => {
      const held = await this.heldBy(request.transferId);
      if (held) return { done: true, value: held };
      const latest = await this.latest(request.chainId, request.address);
      const nonce = Math.max(latest === undefined ? 0 : latest.nonce + 1, request.chainPendingNonce);
      const reservation: NonceReservation = {
        chainId: request.chainId,
        address: request.address,
        nonce,
        transferId: request.transferId,
        at: request.at,
      };
      const item = {
        chainId: reservation.chainId,
        address: reservation.address,
        nonce,
        transferId: reservation.transferId,
        at: reservation.at.toISOString(),
      };
      const outcome = await transactWrite(this.doc, [
        {
          Put: {
            TableName: this.table,
            Item: { pk: addressKey(request.chainId, request.address), sk: padSequence(nonce), ...item },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: { pk: transferKey(request.transferId), sk: '-', ...item },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      return outcome.ok
        ? { done: true, value: reservation }
        : { done: false, reason: `nonce ${nonce} taken or transfer raced` };
    }, this.retry);
  }

  async get(chainId: number, address: string, nonce: number): Promise<NonceReservation | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: addressKey(chainId, address), sk: padSequence(nonce) },
        ConsistentRead: true,
      }),
    );
    return Item ? toReservation(Item) : undefined;
  }

  async latest(chainId: number, address: string): Promise<NonceReservation | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': addressKey(chainId, address) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const [item] = Items ?? [];
    return item ? toReservation(item) : undefined;
  }

  private async heldBy(transferId: string): Promise<NonceReservation | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: transferKey(transferId), sk: '-' }, ConsistentRead: true }),
    );
    return Item ? toReservation(Item) : undefined;
  }
}

function toReservation(item: Record<string, unknown>): NonceReservation {
  return {
    chainId: item.chainId as number,
    address: item.address as string,
    nonce: item.nonce as number,
    transferId: item.transferId as string,
    at: new Date(item.at as string),
  };
}

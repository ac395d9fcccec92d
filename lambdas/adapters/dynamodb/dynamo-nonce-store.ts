import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NonceReservation, NonceReservationRequest, NonceStore } from '../../ports/nonce-store';
import { retryWithinTimeBound, DEFAULT_RETRY, type RetryOptions } from './retry';
import { padSequence } from './tagged-json';
import { transactWrite, type TransactItem } from './transact';

const addressKey = (chainId: number, address: string): string => `NONCE#${chainId}#${address.toLowerCase()}`;
const transferKey = (transferId: string): string => `TRANSFER#${transferId}`;

/**
 * A reservation planned as transaction items, for the caller to commit in its own transaction (a
 * workflow step's event with it): nothing is written until the caller's transaction commits.
 */
export interface PlannedReservation {
  /** What the transfer holds once `items` committed. */
  readonly reservation: NonceReservation;
  /**
   * Two conditional puts, in this order: [0] the address's nonce, whose condition fails when another
   * transfer took that nonce first; [1] the transfer's marker, whose condition fails when the transfer
   * already holds a nonce. They go into the caller's transaction next to each other, in this order.
   */
  readonly items: TransactItem[];
}

/**
 * Whether a transaction that held `planned.items` from index `offset` on (where the caller put the
 * first of them) failed on them, from the indexes of the items whose condition failed. If so, call
 * `reserve`: it returns the nonce the transfer already holds, or takes the next free one (outside the
 * caller's transaction, as before plans existed). If not, the caller's own items failed. No index at
 * all (DynamoDB Local sometimes gives no reasons) counts as the nonce items': `reserve` is right
 * either way.
 */
export function nonceItemsFailed(planned: PlannedReservation, failedIndexes: readonly number[], offset = 0): boolean {
  return failedIndexes.length === 0 || failedIndexes.some((i) => i >= offset && i < offset + planned.items.length);
}

/**
 * Nonce reservations in the nonces table: `NONCE#<chain>#<address>` / zero-padded nonce, plus a
 * `TRANSFER#<id>` marker written in the same transaction, so a retried Prepare gets the nonce it
 * already holds instead of a second one.
 *
 * `planReservation` is one Query (the address's newest nonce) and no write: it returns the two
 * conditional puts for the caller's own transaction, their conditions standing in for a read of the
 * marker. `reserve` writes them in a transaction of its own, re-reading and retrying within a time
 * bound when a condition fails.
 */
export class DynamoNonceStore implements NonceStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  reserve(request: NonceReservationRequest): Promise<NonceReservation> {
    // The first attempt does not look for a nonce this transfer holds: the marker's conditional put
    // finds it, and every later attempt (after any lost condition) looks first.
    return retryWithinTimeBound(async (attempt) => {
      if (attempt > 0) {
        const held = await this.heldBy(request.transferId);
        if (held) return { done: true, value: held };
      }
      const { reservation, items } = await this.planReservation(request);
      const outcome = await transactWrite(this.doc, items);
      return outcome.ok
        ? { done: true, value: reservation }
        : { done: false, reason: `nonce ${reservation.nonce} taken or transfer raced` };
    }, this.retry);
  }

  /**
   * The next nonce of the address, from one Query and no write, and the items that reserve it for the
   * transfer in the caller's own transaction: see {@link PlannedReservation} for their order, and
   * {@link nonceItemsFailed} for what to do when that transaction fails. The transfer's marker is not
   * read: when the transfer holds a nonce already, the marker's condition fails and `reserve` returns
   * the nonce it holds.
   */
  async planReservation(request: NonceReservationRequest): Promise<PlannedReservation> {
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
      chainId: request.chainId,
      address: request.address,
      nonce,
      transferId: request.transferId,
      at: request.at.toISOString(),
    };
    return {
      reservation,
      items: [
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
      ],
    };
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

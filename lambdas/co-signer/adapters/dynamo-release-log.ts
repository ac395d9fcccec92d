import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Hex } from 'viem';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from '../../adapters/dynamodb/retry';
import { transactWrite } from '../../adapters/dynamodb/transact';
import type { Address } from '../../domain/address';
import type { Asset } from '../../domain/asset';
import { sameAsset, withinCap } from '../domain/daily-cap';
import type { RecordOutcome, ReleaseLog, ShareRelease } from '../ports/release-log';

export interface DynamoReleaseLogOptions {
  /** A document client that drops undefined values (lambdas/adapters/dynamodb/document-client.ts makes one). */
  readonly client: DynamoDBDocumentClient;
  /** The physical name of the `coSigner` table. */
  readonly table: string;
  /** How long a release retries while other releases of the same wallet keep winning (default 10 s). */
  readonly retry?: RetryOptions;
  /** Items per page when the window is read back from the head (default 50). */
  readonly pageSize?: number;
}

/** How a release is stored: amounts as decimal strings, instants as ISO strings. */
interface ReleaseItem {
  readonly pk: string;
  readonly sk: string;
  readonly walletId: string;
  readonly proofId: Hex;
  readonly jobId: string;
  readonly transferId: string;
  readonly epoch: string;
  readonly asset: Asset;
  readonly amount: string;
  readonly recipientKeyDigest: Hex;
  readonly at: string;
  /** The latest `at` of this release and every earlier one of the wallet: see {@link DynamoReleaseLog}. */
  readonly latestAt: string;
}

const SEQ_DIGITS = 12;
const releasesKey = (walletId: string): string => `RELEASES#${walletId}`;
const seqKey = (seq: number): string => `SEQ#${String(seq).padStart(SEQ_DIGITS, '0')}`;
const proofKey = (proofId: Hex): string => `PROOF#${proofId}`;
const absent = 'attribute_not_exists(pk)';

/** What the head of a wallet's sequence and its window say, read in one pass. */
interface WindowRead {
  readonly head: number;
  readonly latestAt: string | undefined;
  readonly releasedInWindow: bigint;
}

/**
 * The co-signer's release log on its own append-only `coSigner` table. pk `RELEASES#<walletId>`:
 * - sk `SEQ#<12-digit sequence>`: the wallet's releases in the order they committed, 1, 2, 3, …;
 * - sk `PROOF#<proofId>`: the same release under its proof, so a proof is recorded once and found by one read.
 *
 * The cap, atomically: `recordWithinCap` reads the wallet's head (the highest sequence number) and the
 * window's sum with consistent reads, decides, and appends `SEQ#<head + 1>` and `PROOF#<proofId>` in one
 * transaction, each conditioned on its absence. Two releases of one wallet that read the same head
 * both write `SEQ#<head + 1>`: one commits, the other's condition fails, and it re-reads (now seeing
 * the winner's amount) and decides again. So every committed release was within the cap given what
 * committed before it, and the sequence is the order in which they did. A proof already recorded (a
 * redelivered job) fails the `PROOF#` condition or is seen first, and is `already-recorded`, never counted
 * twice. Only conditional puts: the table's IAM (no UpdateItem, no DeleteItem) is enough.
 *
 * The window is read from the head backwards, not the whole history: each release carries `latestAt`,
 * the latest `at` of itself and every release before it, which never decreases along the sequence. The
 * first release (going back) whose `latestAt` is before the window's start ends the read: it and all
 * before it are outside the window, even if lambdas' clocks put some `at`s out of order.
 */
export class DynamoReleaseLog implements ReleaseLog {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retry: RetryOptions;
  private readonly pageSize: number;

  constructor(options: DynamoReleaseLogOptions) {
    this.client = options.client;
    this.table = options.table;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pageSize = options.pageSize ?? 50;
  }

  recordWithinCap(release: ShareRelease, cap: bigint, windowStart: Date): Promise<RecordOutcome> {
    const pk = releasesKey(release.walletId);
    return retryWithinTimeBound<RecordOutcome>(async () => {
      if ((await this.find(release.walletId, release.proofId)) !== undefined)
        return { done: true, value: 'already-recorded' };
      const read = await this.readWindow(release.walletId, release.asset, windowStart);
      if (!withinCap(cap, read.releasedInWindow, release.amount))
        return { done: true, value: { kind: 'cap-exceeded', releasedInWindow: read.releasedInWindow } };
      const at = release.at.toISOString();
      const latestAt = read.latestAt !== undefined && read.latestAt > at ? read.latestAt : at;
      const item = (sk: string): ReleaseItem => ({ ...itemOf(release), pk, sk, latestAt });
      const outcome = await transactWrite(this.client, [
        { Put: { TableName: this.table, Item: item(seqKey(read.head + 1)), ConditionExpression: absent } },
        { Put: { TableName: this.table, Item: item(proofKey(release.proofId)), ConditionExpression: absent } },
      ]);
      if (outcome.ok) return { done: true, value: 'recorded' };
      // Another release of the wallet (or this proof's) committed first: re-read and decide again.
      return { done: false, reason: `release ${read.head + 1} of wallet ${release.walletId} was taken` };
    }, this.retry);
  }

  async find(walletId: string, proofId: Hex): Promise<ShareRelease | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: releasesKey(walletId), sk: proofKey(proofId) },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : releaseOf(Item as ReleaseItem);
  }

  async releasedSince(walletId: string, asset: Asset, since: Date): Promise<bigint> {
    return (await this.readWindow(walletId, asset, since)).releasedInWindow;
  }

  /** The head's number and latestAt, and the sum of `asset` released at or after `since`, read back from the head. */
  private async readWindow(walletId: string, asset: Asset, since: Date): Promise<WindowRead> {
    const start = since.toISOString();
    let head = 0;
    let latestAt: string | undefined;
    let releasedInWindow = 0n;
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)',
          ExpressionAttributeValues: { ':pk': releasesKey(walletId), ':seq': 'SEQ#' },
          ProjectionExpression: 'sk, asset, amount, #at, latestAt',
          ExpressionAttributeNames: { '#at': 'at' },
          ScanIndexForward: false,
          Limit: this.pageSize,
          ConsistentRead: true,
          ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = raw as Pick<ReleaseItem, 'sk' | 'asset' | 'amount' | 'at' | 'latestAt'>;
        if (latestAt === undefined) {
          head = Number(item.sk.slice('SEQ#'.length));
          latestAt = item.latestAt;
        }
        // ISO instants of one format compare as strings compare.
        if (item.latestAt < start) return { head, latestAt, releasedInWindow };
        if (item.at >= start && sameAsset(item.asset, asset)) releasedInWindow += BigInt(item.amount);
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return { head, latestAt, releasedInWindow };
  }
}

function itemOf(release: ShareRelease): Omit<ReleaseItem, 'pk' | 'sk' | 'latestAt'> {
  return {
    walletId: release.walletId,
    proofId: release.proofId,
    jobId: release.jobId,
    transferId: release.transferId,
    epoch: release.epoch,
    asset: release.asset,
    amount: release.amount.toString(),
    recipientKeyDigest: release.recipientKeyDigest,
    at: release.at.toISOString(),
  };
}

function releaseOf(item: ReleaseItem): ShareRelease {
  return {
    walletId: item.walletId,
    proofId: item.proofId,
    jobId: item.jobId,
    transferId: item.transferId,
    epoch: item.epoch,
    asset: item.asset === 'native' ? 'native' : (item.asset as Address),
    amount: BigInt(item.amount),
    recipientKeyDigest: item.recipientKeyDigest,
    at: new Date(item.at),
  };
}

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  paginateQuery,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { hashTypedData, sha256, stringToBytes, type Hex } from 'viem';
import {
  chainRecord,
  GENESIS_HASH,
  hashRecord,
  verifyTrace,
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  type TraceHead,
} from '../../domain/audit/audit-chain';
import {
  HEAD_LEAF_ENCODING,
  headLeaf,
  headOfLeaf,
  headsMerkleTree,
  verifyHeadInclusion,
  type HeadLeaf,
} from '../../domain/audit/heads-merkle-tree';
import { checkpointIdOf } from '../../domain/proof/audit-checkpoint';
import { floorToSecond } from '../../domain/proof/unix-seconds';
import type {
  AuditCheckpointPayload,
  AuditLog,
  AuditRecordWriter,
  AuditTrail,
  CheckpointSigner,
  CheckpointSweep,
  SignedAuditCheckpoint,
} from '../../ports/audit-log';
import { queryAll } from './query-all';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from './retry';
import { padSequence } from './tagged-json';
import type { TransactItem } from './transact';

/** Appends contend only within one trace now, so a burst of one trace's steps is the most that waits. */
export const AUDIT_RETRY: RetryOptions = { ...DEFAULT_RETRY, timeBoundMs: 30_000 };

/** Writes audit records in a DynamoDB TransactWriteItems request of the caller's. */
export type DynamoAuditRecordWriter = AuditRecordWriter<TransactItem>;

/** How the changed-heads index is laid out, and how far back each checkpoint looks again. */
export interface DynamoAuditLogOptions {
  readonly retry?: RetryOptions;
  /**
   * Each checkpoint re-reads the index this far before the previous one's end and takes any head no
   * checkpoint covered yet: a writer whose clock is behind, or whose transaction commits late (a
   * prepared append commits when its caller's transaction does), lands in an interval already
   * passed, and is still caught if it is at most this late. The index is a global secondary index,
   * which is eventually consistent (no strongly consistent read): a record that reaches it after a
   * checkpoint scanned its interval is caught the same way, so this also bounds the index's lag.
   */
  readonly rescanMs?: number;
  /** Shards per minute bucket: writers spread over this many keys (readers query all of them). */
  readonly shards?: number;
  /** The writers' and checkpointer's clock for the index (tests move it). */
  readonly now?: () => Date;
  /** With no checkpoint yet, how far back the first one looks. */
  readonly firstLookbackMs?: number;
  /** After this long without any change, an empty checkpoint is signed so the next scan starts later. */
  readonly idleCheckpointMs?: number;
}

const DEFAULTS = {
  rescanMs: 30_000,
  shards: 8,
  firstLookbackMs: 15 * 60_000,
  idleCheckpointMs: 10 * 60_000,
};

const BUCKET_MS = 60_000;
/** The changed-heads index: a global secondary index over the record items' `headsPk` / `headsSk`. */
const HEADS_INDEX = 'byChangedAt';
const QUERY_CONCURRENCY = 16;
const traceKey = (traceId: string): string => `TRACE#${traceId}`;
const CHECKPOINT = 'CHECKPOINT';
// Record sort keys are digits; checkpoint-head items sort after them under this prefix.
const HEAD_PREFIX = 'CHECKPOINT#';
/** `headsPk`, `HEADS#<minute, ISO>#<shard>`: one index partition per minute and shard, so no key takes every write. */
const headsKey = (bucketStartMs: number, shard: number): string =>
  `HEADS#${new Date(bucketStartMs).toISOString().slice(0, 16)}Z#${shard}`;

interface StoredCheckpoint {
  readonly payload: AuditCheckpointPayload;
  readonly leaves: readonly HeadLeaf[];
  readonly signature: Hex;
}

/**
 * The audit trail in the audit table, with no global counter:
 * - records `TRACE#<id>` / seq, hash-chained per trace; each is one conditional put of one item,
 *   which also carries its key in the changed-heads index `byChangedAt` (a global secondary index):
 *   `headsPk` `HEADS#<minute>#<shard of the trace>`, `headsSk` `<written at, ISO ms>#<traceId>#<seq>`;
 *   so a workflow step can put it in the same transaction as its transfer event (`prepareAppend`);
 *   the index is eventually consistent, and each checkpoint re-reads the last `rescanMs` of it;
 * - checkpoints `CHECKPOINT` / n: the standard Merkle root over the heads found in the index since
 *   the previous checkpoint, chained to it by digest and signed through the signer port; with one
 *   item per trace it saw (`TRACE#<id>` / `CHECKPOINT#n`: its leaf's inclusion proof), so verifying a
 *   trace needs two queries and one get.
 */
export class DynamoAuditLog implements AuditLog, DynamoAuditRecordWriter {
  private readonly retry: RetryOptions;
  private readonly options: typeof DEFAULTS;
  private readonly now: () => Date;
  /** How far this instance scanned and found nothing new (a cache: a cold start rescans from the checkpoint). */
  private scannedUntilMs: { readonly number: bigint; readonly untilMs: number } | undefined;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly signer: CheckpointSigner,
    options: DynamoAuditLogOptions = {},
  ) {
    this.retry = options.retry ?? AUDIT_RETRY;
    this.now = options.now ?? (() => new Date());
    this.options = {
      rescanMs: options.rescanMs ?? DEFAULTS.rescanMs,
      shards: options.shards ?? DEFAULTS.shards,
      firstLookbackMs: options.firstLookbackMs ?? DEFAULTS.firstLookbackMs,
      idleCheckpointMs: options.idleCheckpointMs ?? DEFAULTS.idleCheckpointMs,
    };
  }

  /** One read of the trace head and one conditional put; a put that loses to another append reads again. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    return retryWithinTimeBound(async () => {
      const { record, put } = this.preparePut(entry, await this.newestHead(entry.traceId));
      try {
        await this.doc.send(new PutCommand(put));
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return { done: false, reason: `trace ${entry.traceId} moved` };
      }
      return { done: true, value: record };
    }, this.retry);
  }

  /**
   * The record after `previous` and the one TransactWriteItems item that writes it (a put on
   * condition that the record does not exist yet), for the caller's own transaction; no request.
   * `previous` must be the trace's newest record (`newestHead`, or the record this returned last);
   * a stale one fails the condition on this item, and the caller reads the head again. The record's
   * index time is now: its transaction must commit within `rescanMs` for the checkpoints to see it.
   */
  prepareAppend(entry: AuditEntry, previous: ChainHead | undefined): { record: AuditRecord; item: TransactItem } {
    const { record, put } = this.preparePut(entry, previous);
    return { record, item: { Put: put } };
  }

  /** The seq and hash of the trace's newest record: one strongly consistent query. */
  async newestHead(traceId: string): Promise<ChainHead | undefined> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk AND sk < :heads',
      ExpressionAttributeValues: { ':pk': traceKey(traceId), ':heads': HEAD_PREFIX },
      ProjectionExpression: 'seq, #hash',
      ExpressionAttributeNames: { '#hash': 'hash' },
    });
    return item ? { seq: item.seq as number, hash: item.hash as Hex } : undefined;
  }

  async trail(traceId: string): Promise<AuditTrail> {
    const [records, head] = await Promise.all([this.records(traceId), this.newestCheckpointHead(traceId)]);
    if (head === undefined) return { traceId, records, verification: verifyTrace(records) };
    const broken = (reason: string): AuditTrail['verification'] => ({
      verified: false,
      recordCount: records.length,
      firstBroken: { seq: head.head.seq, reason: `${checkpointIdOf(head.number)}: ${reason}` },
    });
    const inclusion = { leafEncoding: HEAD_LEAF_ENCODING, leaf: headLeaf(head.head), proof: head.proof };
    const stored = await this.checkpoint(head.number);
    if (stored === undefined) return { traceId, records, inclusion, verification: broken('it is missing') };
    const checkpoint = this.signed(stored);
    const problem = !(await this.signer.verify(stored.payload, stored.signature))
      ? 'its signature does not verify'
      : !verifyHeadInclusion(stored.payload.headsRoot, head.head, head.proof)
        ? 'the trace head is not under its signed root'
        : undefined;
    return {
      traceId,
      records,
      checkpoint,
      inclusion,
      verification: problem === undefined ? verifyTrace(records, head.head) : broken(problem),
    };
  }

  async writeCheckpoint(at: Date): Promise<AuditCheckpointPayload | undefined> {
    const previous = await this.newestCheckpoint();
    const previousNumber = previous?.payload.number ?? 0n;
    const untilMs = at.getTime();
    const coveredMs =
      previous === undefined ? untilMs - this.options.firstLookbackMs : Number(previous.payload.changedBeforeMs);
    const scanned = this.scannedUntilMs?.number === previousNumber ? this.scannedUntilMs.untilMs : coveredMs;
    // A clock that went back does not move the signed interval back: nothing to do until it passes.
    if (untilMs <= Math.max(scanned, coveredMs)) return undefined;
    const fromMs = Math.max(scanned, coveredMs) - this.options.rescanMs;
    const [entries, covered] = await Promise.all([
      this.changedHeads(fromMs, untilMs),
      this.coveredHeads(fromMs, previous),
    ]);
    const heads = new Map<string, TraceHead>();
    for (const entry of entries) {
      if (entry.seq <= (covered.get(entry.traceId) ?? 0)) continue;
      if (entry.seq > (heads.get(entry.traceId)?.seq ?? 0)) heads.set(entry.traceId, entry);
    }
    if (heads.size === 0 && untilMs - coveredMs < this.options.idleCheckpointMs) {
      this.scannedUntilMs = { number: previousNumber, untilMs };
      return undefined;
    }
    const tree = headsMerkleTree([...heads.values()]);
    const payload: AuditCheckpointPayload = {
      number: previousNumber + 1n,
      previousDigest: previous === undefined ? GENESIS_HASH : this.digest(previous.payload),
      headsRoot: tree.root,
      headCount: BigInt(tree.leaves.length),
      changedBeforeMs: BigInt(untilMs),
      // The signed time is in whole seconds (EIP-712 uint256), so the stored one is too.
      at: floorToSecond(at),
    };
    const signature = await this.signer.sign(payload);
    // The checkpoint first: its conditional put claims the number, so a concurrent checkpointer that
    // loses writes no head item; a crash after it leaves traces verifying against an older checkpoint.
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: CHECKPOINT,
          sk: padSequence(payload.number),
          number: Number(payload.number),
          previousDigest: payload.previousDigest,
          headsRoot: payload.headsRoot,
          headCount: payload.headCount.toString(),
          changedBeforeMs: payload.changedBeforeMs.toString(),
          at: payload.at.toISOString(),
          leaves: JSON.stringify(tree.leaves.map((l) => l.leaf)),
          signature,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    this.scannedUntilMs = undefined;
    await inBatches(tree.leaves, QUERY_CONCURRENCY, async ({ leaf, proof }) => {
      const [traceId, seq, hash] = leaf;
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: traceKey(traceId),
            sk: `${HEAD_PREFIX}${padSequence(payload.number)}`,
            number: Number(payload.number),
            seq: Number(seq),
            hash,
            proof: JSON.stringify(proof),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    });
    return payload;
  }

  async verifyCheckpoints(): Promise<CheckpointSweep> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHECKPOINT },
    });
    const problems: { checkpointId: string; traceId?: string; reason: string }[] = [];
    let previousDigest: Hex = GENESIS_HASH;
    let expected = 1n;
    let headCount = 0;
    for (const item of items) {
      const stored = toCheckpoint(item);
      const { payload } = stored;
      const checkpointId = checkpointIdOf(payload.number);
      const problem = (reason: string, traceId?: string): void => {
        problems.push({ checkpointId, ...(traceId === undefined ? {} : { traceId }), reason });
      };
      if (payload.number !== expected) problem(`expected ${checkpointIdOf(expected)} here: checkpoints were removed`);
      if (payload.previousDigest !== previousDigest) problem('does not link to the digest of the checkpoint before it');
      if (!(await this.signer.verify(payload, stored.signature))) problem('its signature does not verify');
      const heads = stored.leaves.map(headOfLeaf);
      if (heads.some((h) => h === undefined)) problem('a leaf is malformed');
      const valid = heads.filter((h): h is TraceHead => h !== undefined);
      if (headsMerkleTree(valid).root !== payload.headsRoot || BigInt(valid.length) !== payload.headCount)
        problem('its leaves do not match its signed root');
      headCount += valid.length;
      await inBatches(valid, QUERY_CONCURRENCY, async (head) => {
        const record = await this.record(head.traceId, head.seq);
        if (record === undefined) problem(`record ${head.seq} that it saw is gone`, head.traceId);
        else if (record.hash !== head.hash || hashRecord(record) !== record.hash)
          problem(`record ${head.seq} differs from the one it saw`, head.traceId);
      });
      previousDigest = this.digest(payload);
      expected = payload.number + 1n;
    }
    return { checkpointCount: items.length, headCount, problems };
  }

  private preparePut(
    entry: AuditEntry,
    previous: ChainHead | undefined,
  ): { record: AuditRecord; put: PutCommandInput & { Item: Record<string, unknown> } } {
    const record = chainRecord(previous, entry);
    const writtenAt = this.now();
    return {
      record,
      put: {
        TableName: this.table,
        Item: {
          ...toItem(record),
          headsPk: headsKey(bucketStart(writtenAt.getTime()), this.shardOf(record.traceId)),
          headsSk: `${writtenAt.toISOString()}#${record.traceId}#${padSequence(record.seq)}`,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private shardOf(traceId: string): number {
    return Number.parseInt(sha256(stringToBytes(traceId)).slice(2, 10), 16) % this.options.shards;
  }

  private digest(payload: AuditCheckpointPayload): Hex {
    return hashTypedData(this.signer.typedData(payload));
  }

  private signed(stored: StoredCheckpoint): SignedAuditCheckpoint {
    const typedData = this.signer.typedData(stored.payload);
    return {
      checkpointId: checkpointIdOf(stored.payload.number),
      checkpoint: stored.payload,
      typedData,
      digest: hashTypedData(typedData),
      signature: stored.signature,
    };
  }

  /**
   * Every record whose index time is in [fromMs, untilMs), across all shards of the minute buckets it
   * spans, as far as the index has caught up (the rescan of the next checkpoint takes what it lags).
   */
  private async changedHeads(fromMs: number, untilMs: number): Promise<TraceHead[]> {
    const lower = new Date(fromMs).toISOString();
    // Sort keys start with the write time; '~' sorts after '#', so this bound takes all of the last millisecond.
    const upper = `${new Date(untilMs - 1).toISOString()}~`;
    const keys: string[] = [];
    for (let bucket = bucketStart(fromMs); bucket < untilMs; bucket += BUCKET_MS)
      for (let shard = 0; shard < this.options.shards; shard++) keys.push(headsKey(bucket, shard));
    const found: TraceHead[] = [];
    await inBatches(keys, QUERY_CONCURRENCY, async (pk) => {
      // A global secondary index refuses ConsistentRead: eventually consistent.
      const items = await queryAll(
        this.doc,
        {
          TableName: this.table,
          IndexName: HEADS_INDEX,
          KeyConditionExpression: 'headsPk = :pk AND headsSk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
          ProjectionExpression: 'traceId, seq, #hash',
          ExpressionAttributeNames: { '#hash': 'hash' },
        },
        { consistentRead: false },
      );
      for (const item of items)
        found.push({ traceId: item.traceId as string, seq: item.seq as number, hash: item.hash as Hex });
    });
    return found;
  }

  /** The newest seq per trace that the checkpoints overlapping the rescanned interval already signed. */
  private async coveredHeads(fromMs: number, newest: StoredCheckpoint | undefined): Promise<Map<string, number>> {
    const covered = new Map<string, number>();
    if (newest === undefined || Number(newest.payload.changedBeforeMs) <= fromMs) return covered;
    // Newest first, 8 a page, and no page more once one checkpoint ended before the rescan began.
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': CHECKPOINT },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 8,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const stored = toCheckpoint(item);
        // A checkpoint that ended before the rescan began covers nothing in it, nor do older ones.
        if (Number(stored.payload.changedBeforeMs) <= fromMs) return covered;
        for (const head of stored.leaves.map(headOfLeaf))
          if (head !== undefined && head.seq > (covered.get(head.traceId) ?? 0)) covered.set(head.traceId, head.seq);
      }
    }
    return covered;
  }

  private async records(traceId: string): Promise<AuditRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk < :heads',
      ExpressionAttributeValues: { ':pk': traceKey(traceId), ':heads': HEAD_PREFIX },
    });
    return items.map(fromItem);
  }

  private async record(traceId: string, seq: number): Promise<AuditRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: traceKey(traceId), sk: padSequence(seq) },
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  private async newestCheckpointHead(
    traceId: string,
  ): Promise<{ number: bigint; head: TraceHead; proof: readonly Hex[] } | undefined> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :heads)',
      ExpressionAttributeValues: { ':pk': traceKey(traceId), ':heads': HEAD_PREFIX },
    });
    return item
      ? {
          number: BigInt(item.number as number),
          head: { traceId, seq: item.seq as number, hash: item.hash as Hex },
          proof: JSON.parse(item.proof as string) as Hex[],
        }
      : undefined;
  }

  private async newestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHECKPOINT },
    });
    return item ? toCheckpoint(item) : undefined;
  }

  private async checkpoint(number: bigint): Promise<StoredCheckpoint | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: CHECKPOINT, sk: padSequence(number) }, ConsistentRead: true }),
    );
    return Item ? toCheckpoint(Item) : undefined;
  }

  private async queryNewest(
    input: Pick<
      QueryCommandInput,
      'KeyConditionExpression' | 'ExpressionAttributeValues' | 'ProjectionExpression' | 'ExpressionAttributeNames'
    >,
  ): Promise<Record<string, unknown>[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({ TableName: this.table, ...input, ScanIndexForward: false, Limit: 1, ConsistentRead: true }),
    );
    return Items ?? [];
  }

  private queryAll(
    input: Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
  ): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, { TableName: this.table, ...input });
  }
}

const bucketStart = (ms: number): number => Math.floor(ms / BUCKET_MS) * BUCKET_MS;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Runs `task` over `items`, at most `size` at a time. */
async function inBatches<T>(items: readonly T[], size: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(task));
}

function toItem(record: AuditRecord): Record<string, unknown> {
  return { ...record, pk: traceKey(record.traceId), sk: padSequence(record.seq), at: record.at.toISOString() };
}

function fromItem(item: Record<string, unknown>): AuditRecord {
  return {
    traceId: item.traceId as string,
    seq: item.seq as number,
    actor: item.actor as string,
    action: item.action as string,
    inputsDigest: item.inputsDigest as Hex,
    result: item.result as string,
    at: new Date(item.at as string),
    prevHash: item.prevHash as Hex,
    hash: item.hash as Hex,
  };
}

function toCheckpoint(item: Record<string, unknown>): StoredCheckpoint {
  return {
    payload: {
      number: BigInt(item.number as number),
      previousDigest: item.previousDigest as Hex,
      headsRoot: item.headsRoot as Hex,
      headCount: BigInt(item.headCount as string),
      changedBeforeMs: BigInt(item.changedBeforeMs as string),
      at: new Date(item.at as string),
    },
    leaves: JSON.parse(item.leaves as string) as HeadLeaf[],
    signature: item.signature as Hex,
  };
}

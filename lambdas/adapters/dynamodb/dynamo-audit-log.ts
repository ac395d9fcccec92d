import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Hex } from 'viem';
import {
  chainRecord,
  GENESIS_HASH,
  headsRoot,
  verifyTrace,
  type AuditEntry,
  type AuditRecord,
  type TraceHead,
} from '../../domain/audit/audit-chain';
import { floorToSecond } from '../../domain/proof/unix-seconds';
import type { AuditCheckpointPayload, AuditLog, AuditTrail, CheckpointSigner } from '../../ports/audit-log';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from './retry';

/**
 * Every record claims the next number of one deployment-wide sequence, so appends from concurrent
 * transfers queue on that one key: a burst needs more time than one contended ledger account.
 * (Sharding the sequence would remove the queue; until then a burst waits rather than fails.)
 */
export const AUDIT_RETRY: RetryOptions = { ...DEFAULT_RETRY, timeBoundMs: 30_000 };
import { queryAll } from './query-all';
import { padSequence } from './tagged-json';
import { transactWrite } from './transact';

const traceKey = (traceId: string): string => `TRACE#${traceId}`;
const GLOBAL = 'GLOBAL';
const CHECKPOINT = 'CHECKPOINT';
// Record sort keys are digits; checkpoint-head items sort after them under this prefix.
const HEAD_PREFIX = 'CHECKPOINT#';

interface StoredCheckpoint {
  readonly number: number;
  readonly payload: AuditCheckpointPayload;
  readonly previousRoot: Hex;
  readonly heads: readonly TraceHead[];
  readonly signature: Hex;
}

/**
 * The audit trail in the audit table: records `TRACE#<id>` / seq, each claiming its global sequence
 * number (`GLOBAL` / n) in the same transaction; checkpoints `CHECKPOINT` / n signed through the
 * signer port, with one head item per trace they saw (`TRACE#<id>` / `CHECKPOINT#n`), so verifying
 * a trace needs two queries and one get.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly signer: CheckpointSigner,
    private readonly retry: RetryOptions = AUDIT_RETRY,
  ) {}

  append(entry: AuditEntry): Promise<AuditRecord> {
    return retryWithinTimeBound(async () => {
      const [previous, lastGlobal] = await Promise.all([this.newestRecord(entry.traceId), this.newestGlobal()]);
      const record = chainRecord(previous, entry, lastGlobal + 1);
      const outcome = await transactWrite(this.doc, [
        { Put: { TableName: this.table, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName: this.table,
            Item: {
              pk: GLOBAL,
              sk: padSequence(record.globalSeq),
              traceId: record.traceId,
              seq: record.seq,
              hash: record.hash,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      return outcome.ok
        ? { done: true, value: record }
        : { done: false, reason: `trace ${entry.traceId} or global sequence moved` };
    }, this.retry);
  }

  async trail(traceId: string): Promise<AuditTrail> {
    const [records, head] = await Promise.all([this.records(traceId), this.newestHead(traceId)]);
    if (head === undefined) return { traceId, records, verification: verifyTrace(records) };
    const checkpoint = await this.checkpoint(head.number);
    const checkpointId = `checkpoint-${head.number}`;
    const problem =
      checkpoint === undefined ? 'its checkpoint is missing' : await this.checkpointProblem(checkpoint, head.head);
    if (problem !== undefined) {
      return {
        traceId,
        records,
        checkpointId,
        verification: {
          verified: false,
          recordCount: records.length,
          firstBroken: { seq: head.head.seq, reason: `checkpoint ${head.number}: ${problem}` },
        },
      };
    }
    return { traceId, records, checkpointId, verification: verifyTrace(records, head.head) };
  }

  async writeCheckpoint(at: Date): Promise<AuditCheckpointPayload | undefined> {
    const previous = await this.newestCheckpoint();
    const since = previous === undefined ? 0 : Number(previous.payload.globalSequence);
    const claims = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk > :since',
      ExpressionAttributeValues: { ':pk': GLOBAL, ':since': padSequence(since) },
    });
    if (claims.length === 0) return undefined;
    const heads = new Map<string, TraceHead>();
    for (const claim of claims)
      heads.set(claim.traceId as string, {
        traceId: claim.traceId as string,
        seq: claim.seq as number,
        hash: claim.hash as Hex,
      });
    const number = (previous?.number ?? 0) + 1;
    const previousRoot = previous?.payload.headsRoot ?? GENESIS_HASH;
    const globalSequence = BigInt(Number(claims.at(-1)?.sk));
    // The signed time is in whole seconds (EIP-712 uint256), so the stored one is too.
    const signedAt = floorToSecond(at);
    const payload: AuditCheckpointPayload = {
      checkpointId: `checkpoint-${number}`,
      globalSequence,
      recordCount: globalSequence,
      headsRoot: headsRoot(previousRoot, [...heads.values()]),
      at: signedAt,
    };
    const signature = await this.signer.sign(payload);
    // Heads first: a crash before the checkpoint item leaves heads that nothing signed, which trail() ignores.
    for (const head of heads.values()) {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: traceKey(head.traceId), sk: `${HEAD_PREFIX}${padSequence(number)}`, number, ...head },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: CHECKPOINT,
          sk: padSequence(number),
          number,
          checkpointId: payload.checkpointId,
          globalSequence: globalSequence.toString(),
          recordCount: payload.recordCount.toString(),
          headsRoot: payload.headsRoot,
          previousRoot,
          heads: JSON.stringify([...heads.values()]),
          at: signedAt.toISOString(),
          signature,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return payload;
  }

  private async checkpointProblem(checkpoint: StoredCheckpoint, head: TraceHead): Promise<string | undefined> {
    if (!(await this.signer.verify(checkpoint.payload, checkpoint.signature))) return 'its signature does not verify';
    if (headsRoot(checkpoint.previousRoot, checkpoint.heads) !== checkpoint.payload.headsRoot)
      return 'its heads do not match its signed root';
    const listed = checkpoint.heads.find((h) => h.traceId === head.traceId);
    if (listed === undefined || listed.seq !== head.seq || listed.hash !== head.hash)
      return 'the trace head differs from the one it signed';
    return undefined;
  }

  private async records(traceId: string): Promise<AuditRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk < :heads',
      ExpressionAttributeValues: { ':pk': traceKey(traceId), ':heads': HEAD_PREFIX },
    });
    return items.map(fromItem);
  }

  private async newestRecord(traceId: string): Promise<AuditRecord | undefined> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk AND sk < :heads',
      ExpressionAttributeValues: { ':pk': traceKey(traceId), ':heads': HEAD_PREFIX },
    });
    return item ? fromItem(item) : undefined;
  }

  private async newestGlobal(): Promise<number> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': GLOBAL },
    });
    return item ? Number(item.sk) : 0;
  }

  private async newestHead(traceId: string): Promise<{ number: number; head: TraceHead } | undefined> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :heads)',
      ExpressionAttributeValues: { ':pk': traceKey(traceId), ':heads': HEAD_PREFIX },
    });
    return item
      ? { number: item.number as number, head: { traceId, seq: item.seq as number, hash: item.hash as Hex } }
      : undefined;
  }

  private async newestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const [item] = await this.queryNewest({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHECKPOINT },
    });
    return item ? toCheckpoint(item) : undefined;
  }

  private async checkpoint(number: number): Promise<StoredCheckpoint | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: CHECKPOINT, sk: padSequence(number) }, ConsistentRead: true }),
    );
    return Item ? toCheckpoint(Item) : undefined;
  }

  private async queryNewest(
    input: Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
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

function toItem(record: AuditRecord): Record<string, unknown> {
  return { ...record, pk: traceKey(record.traceId), sk: padSequence(record.seq), at: record.at.toISOString() };
}

function fromItem(item: Record<string, unknown>): AuditRecord {
  return {
    traceId: item.traceId as string,
    seq: item.seq as number,
    globalSeq: item.globalSeq as number,
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
    number: item.number as number,
    payload: {
      checkpointId: item.checkpointId as string,
      globalSequence: BigInt(item.globalSequence as string),
      recordCount: BigInt(item.recordCount as string),
      headsRoot: item.headsRoot as Hex,
      at: new Date(item.at as string),
    },
    previousRoot: item.previousRoot as Hex,
    heads: JSON.parse(item.heads as string) as TraceHead[],
    signature: item.signature as Hex,
  };
}

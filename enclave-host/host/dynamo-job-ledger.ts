import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETRY, retryWithinTimeBound, type RetryOptions } from '../../lambdas/adapters/dynamodb/retry';
import { transactWrite } from '../../lambdas/adapters/dynamodb/transact';
import type { ClaimOutcome, JobAnswer, JobLedger, VoidOutcome } from '../contract';
import { jobAnswerOf } from './job-answer';

export interface DynamoJobLedgerOptions {
  /** A document client that drops undefined values (lambdas/adapters/dynamodb/document-client.ts makes one). */
  readonly client: DynamoDBDocumentClient;
  /** The physical name of the `signingJobs` table. */
  readonly table: string;
  /** How long a call retries when concurrent transactions on the same job conflict (default 10 s). */
  readonly retry?: RetryOptions;
  readonly now?: () => Date;
}

type ItemKind = 'CLAIM' | 'RESULT' | 'VOID';

/** A job's items as read with a consistent Query (append-only: what is seen once stays). */
interface JobItems {
  readonly claim?: { readonly hostId: string; readonly claimedAt: string };
  readonly result?: JobAnswer;
  readonly voided?: { readonly reason: string };
}

const jobKey = (jobId: string): string => `JOB#${jobId}`;
const absent = 'attribute_not_exists(pk)';

/**
 * The job ledger (enclave-host/contract.ts `JobLedger`) on the append-only `signingJobs` table, shared
 * by every enclave host and the workflow: pk `JOB#<jobId>`, sk `CLAIM` | `RESULT` | `VOID`. Only
 * conditional puts and ConditionChecks, so the table's IAM (no UpdateItem, no DeleteItem) is enough.
 *
 * claim and void are each one TransactWriteItems that checks the other's item absent and puts its own
 * if absent: DynamoDB serializes transactions on an item collection, so of a claim and a void racing
 * on a fresh job exactly one commits, and the loser's condition fails. A failed condition is then
 * answered from a strongly consistent read of the job's items; a TransactionConflict (another
 * transaction in flight on the same items) is retried with backoff within `retry`'s time bound.
 *
 * Nothing in an item is secret: host ids, times, the workflow's reason, and the answer (a signed
 * transaction is public once broadcast; a created key's sealed key is ciphertext only the measured
 * enclave can open; an mpc key's shares are share 1 sealed the same way, share 2 under the co-signer's
 * KMS key and share 3 encrypted to the customer's recovery key).
 */
export class DynamoJobLedger implements JobLedger {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly retry: RetryOptions;
  private readonly now: () => Date;

  constructor(options: DynamoJobLedgerOptions) {
    this.client = options.client;
    this.table = options.table;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? (() => new Date());
  }

  claim(jobId: string, hostId: string): Promise<ClaimOutcome> {
    return retryWithinTimeBound<ClaimOutcome>(async () => {
      const outcome = await transactWrite(this.client, [
        this.conditionCheck(jobId, 'VOID'),
        this.put(jobId, 'CLAIM', { hostId, claimedAt: this.now().toISOString() }),
      ]);
      if (outcome.ok) return { done: true, value: { kind: 'claimed' } };
      if (outcome.kind === 'conflict') return { done: false, reason: 'a concurrent transaction on the job' };
      // Index 0 failed: the job was voided; index 1: it was claimed before. The items say which and,
      // for a claim, whether it has an answer (DynamoDB Local sometimes gives no reasons: the read decides).
      const items = await this.items(jobId);
      if (items.voided !== undefined) return { done: true, value: { kind: 'voided', reason: items.voided.reason } };
      if (items.result !== undefined) return { done: true, value: { kind: 'answered', answer: items.result } };
      if (items.claim !== undefined) return { done: true, value: { kind: 'claimed' } };
      return { done: false, reason: `condition ${outcome.failedIndexes.join(',')} failed on items not found` };
    }, this.retry);
  }

  async answer(jobId: string, hostId: string, answer: JobAnswer): Promise<JobAnswer> {
    const stored = jobAnswerOf(answer);
    if (stored === undefined) throw new TypeError(`a ${answer.kind} answer is malformed`);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: jobKey(jobId),
            sk: 'RESULT',
            jobId,
            hostId,
            answeredAt: this.now().toISOString(),
            answer: stored,
          },
          ConditionExpression: absent,
        }),
      );
      return stored;
    } catch (error) {
      if (
        !(error instanceof ConditionalCheckFailedException) &&
        (error as { name?: string }).name !== 'ConditionalCheckFailedException'
      )
        throw error;
    }
    // The first answer is stored already (another host's, or this one's before a lost reply): it wins.
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: jobKey(jobId), sk: 'RESULT' }, ConsistentRead: true }),
    );
    const first = jobAnswerOf(Item?.answer);
    if (first === undefined) throw new Error(`the stored answer of job ${jobId} is malformed`);
    return first;
  }

  void(jobId: string, actor: string, reason: string): Promise<VoidOutcome> {
    return retryWithinTimeBound<VoidOutcome>(async () => {
      const outcome = await transactWrite(this.client, [
        this.conditionCheck(jobId, 'CLAIM'),
        this.put(jobId, 'VOID', { actor, reason, voidedAt: this.now().toISOString() }),
      ]);
      if (outcome.ok) return { done: true, value: { kind: 'voided' } };
      if (outcome.kind === 'conflict') return { done: false, reason: 'a concurrent transaction on the job' };
      // Index 0 failed: a host claimed it; index 1: it was voided before (voiding again is idempotent).
      // A claim is looked at first: answering `voided` while a claim exists could hide a signature.
      const items = await this.items(jobId);
      if (items.claim !== undefined)
        return {
          done: true,
          value:
            items.result !== undefined
              ? { kind: 'answered', answer: items.result }
              : { kind: 'in-flight', claimedBy: items.claim.hostId, claimedAt: items.claim.claimedAt },
        };
      if (items.voided !== undefined) return { done: true, value: { kind: 'voided' } };
      return { done: false, reason: `condition ${outcome.failedIndexes.join(',')} failed on items not found` };
    }, this.retry);
  }

  private conditionCheck(jobId: string, sk: ItemKind) {
    return {
      ConditionCheck: { TableName: this.table, Key: { pk: jobKey(jobId), sk }, ConditionExpression: absent },
    };
  }

  private put(jobId: string, sk: ItemKind, fields: Record<string, string>) {
    return {
      Put: { TableName: this.table, Item: { pk: jobKey(jobId), sk, jobId, ...fields }, ConditionExpression: absent },
    };
  }

  /** The job's items, strongly consistent, in one Query (a job has at most three). */
  private async items(jobId: string): Promise<JobItems> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': jobKey(jobId) },
        ConsistentRead: true,
      }),
    );
    let items: JobItems = {};
    for (const item of Items) {
      if (item.sk === 'CLAIM') {
        if (typeof item.hostId !== 'string' || typeof item.claimedAt !== 'string')
          throw new Error(`the claim of job ${jobId} is malformed`);
        items = { ...items, claim: { hostId: item.hostId, claimedAt: item.claimedAt } };
      } else if (item.sk === 'RESULT') {
        const result = jobAnswerOf(item.answer);
        if (result === undefined) throw new Error(`the stored answer of job ${jobId} is malformed`);
        items = { ...items, result };
      } else if (item.sk === 'VOID') {
        items = { ...items, voided: { reason: typeof item.reason === 'string' ? item.reason : '' } };
      }
    }
    return items;
  }
}

import { DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../lambdas/adapters/dynamodb/dynamo-audit-log';
import { transactWrite } from '../../lambdas/adapters/dynamodb/transact';
import { digestOf, GENESIS_HASH, type AuditEntry } from '../../lambdas/domain/audit/audit-chain';
import { verifyHeadInclusion } from '../../lambdas/domain/audit/heads-merkle-tree';
import type { AuditTrail } from '../../lambdas/ports/audit-log';
import { freshTables, type TestTables } from '../support/dynamodb';
import { testCheckpointSigner } from '../support/test-checkpoint-signer';

let tables: TestTables;
let log: DynamoAuditLog;
const signer = testCheckpointSigner();
const RESCAN_MS = 30_000;

beforeAll(async () => {
  tables = await freshTables();
  log = new DynamoAuditLog(tables.doc, tables.names.audit, signer, { rescanMs: RESCAN_MS });
});
afterAll(() => tables.client.destroy());

const entry = (traceId: string, n: number): AuditEntry => ({
  traceId,
  actor: 'workflow',
  action: `step-${n}`,
  inputsDigest: digestOf({ traceId, n }),
  result: `ok ${n}`,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
});

async function appendTrace(traceId: string, length: number, to = log): Promise<void> {
  for (let n = 1; n <= length; n++) await to.append(entry(traceId, n));
}

/** A checkpoint taken a moment after the appends before it, so their index times are strictly earlier. */
async function checkpointNow(): Promise<Awaited<ReturnType<DynamoAuditLog['writeCheckpoint']>>> {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return log.writeCheckpoint(new Date());
}

/**
 * Checkpoints until one covers `traceId` at `seq`: the changed-heads index is eventually consistent
 * (DynamoDB Local's is usually at once), and a head it showed late is taken by a later rescan.
 */
async function checkpointUntilCovered(on: DynamoAuditLog, traceId: string, seq: number): Promise<AuditTrail> {
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 2 + attempt * 50));
    await on.writeCheckpoint(new Date());
    const trail = await on.trail(traceId);
    if (trail.inclusion?.leaf[1] === String(seq) || attempt >= 20) return trail;
  }
}

async function deleteWholeTrace(on: TestTables, traceId: string): Promise<void> {
  const { Items } = await on.doc.send(
    new QueryCommand({
      TableName: on.names.audit,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `TRACE#${traceId}` },
    }),
  );
  for (const item of Items ?? [])
    await on.doc.send(new DeleteCommand({ TableName: on.names.audit, Key: { pk: item.pk, sk: item.sk } }));
}

describe('DynamoAuditLog', () => {
  it('chains records per trace with no global counter, even when written concurrently, and checkpoints every changed head', async () => {
    await Promise.all([appendTrace('g-a', 5), appendTrace('g-b', 5), appendTrace('g-c', 5)]);
    const checkpoint = await checkpointNow();
    expect(checkpoint).toMatchObject({ number: 1n, headCount: 3n, previousDigest: `0x${'00'.repeat(32)}` });
    const { Items } = await tables.doc.send(
      new QueryCommand({
        TableName: tables.names.audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'GLOBAL' },
      }),
    );
    expect(Items).toEqual([]);
    const trails = await Promise.all(['g-a', 'g-b', 'g-c'].map((t) => log.trail(t)));
    for (const trail of trails) {
      expect(trail.verification).toEqual({ verified: true, recordCount: 5 });
      expect(trail.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(trail.checkpoint?.checkpointId).toBe('checkpoint-1');
      expect(trail.inclusion?.leaf).toEqual([trail.traceId, '5', trail.records[4]!.hash]);
      expect(
        verifyHeadInclusion(
          checkpoint!.headsRoot,
          { traceId: trail.traceId, seq: 5, hash: trail.records[4]!.hash },
          trail.inclusion!.proof,
        ),
      ).toBe(true);
    }
  });

  it('never overwrites: the same record key cannot be put again', async () => {
    await appendTrace('o-1', 1);
    await expect(
      tables.doc.send(
        new PutCommand({
          TableName: tables.names.audit,
          Item: { pk: 'TRACE#o-1', sk: '000000000001' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('a record changed behind the adapter’s back fails verification at that record', async () => {
    await appendTrace('t-edit', 4);
    await checkpointNow();
    await tables.doc.send(
      new UpdateCommand({
        TableName: tables.names.audit,
        Key: { pk: 'TRACE#t-edit', sk: '000000000003' },
        UpdateExpression: 'SET #r = :r',
        ExpressionAttributeNames: { '#r': 'result' },
        ExpressionAttributeValues: { ':r': 'approved by nobody' },
      }),
    );
    const trail = await log.trail('t-edit');
    expect(trail.verification).toMatchObject({ verified: false, firstBroken: { seq: 3 } });
  });

  it('detects a deleted last record against the newest signed checkpoint', async () => {
    await appendTrace('t-tail', 3);
    const checkpoint = await checkpointNow();
    expect(checkpoint?.number).toBeGreaterThan(0n);
    expect((await log.trail('t-tail')).verification).toEqual({ verified: true, recordCount: 3 });
    await tables.doc.send(
      new DeleteCommand({ TableName: tables.names.audit, Key: { pk: 'TRACE#t-tail', sk: '000000000003' } }),
    );
    const trail = await log.trail('t-tail');
    expect(trail.verification).toMatchObject({
      verified: false,
      firstBroken: { seq: 3, reason: expect.stringMatching(/removed/) },
    });
  });

  it('detects a deleted record in the middle', async () => {
    await appendTrace('t-mid', 3);
    await tables.doc.send(
      new DeleteCommand({ TableName: tables.names.audit, Key: { pk: 'TRACE#t-mid', sk: '000000000002' } }),
    );
    expect((await log.trail('t-mid')).verification).toMatchObject({ verified: false, firstBroken: { seq: 2 } });
  });

  it('writes a checkpoint only over what is new, chained to the previous digest, and refuses a forged one', async () => {
    const first = await checkpointNow();
    expect(await checkpointNow()).toBeUndefined();
    await appendTrace('t-forge', 2);
    const checkpoint = await checkpointNow();
    expect(checkpoint).toMatchObject({ number: first!.number + 1n, headCount: 1n });
    const trail = await log.trail('t-forge');
    expect(trail.verification.verified).toBe(true);
    expect(checkpoint!.previousDigest).not.toBe(`0x${'00'.repeat(32)}`);
    await tables.doc.send(
      new UpdateCommand({
        TableName: tables.names.audit,
        Key: { pk: 'CHECKPOINT', sk: String(checkpoint!.number).padStart(12, '0') },
        UpdateExpression: 'SET headCount = :c',
        ExpressionAttributeValues: { ':c': '5' },
      }),
    );
    expect((await log.trail('t-forge')).verification).toMatchObject({
      verified: false,
      firstBroken: { reason: expect.stringMatching(/signature does not verify/) },
    });
    const sweep = await log.verifyCheckpoints();
    expect(sweep.problems).toEqual(
      expect.arrayContaining([
        { checkpointId: `checkpoint-${checkpoint!.number}`, reason: 'its signature does not verify' },
      ]),
    );
  });

  it('a head item pointing at a proof for another root fails verification', async () => {
    await appendTrace('t-proof', 2);
    const checkpoint = await checkpointNow();
    await tables.doc.send(
      new UpdateCommand({
        TableName: tables.names.audit,
        Key: { pk: 'TRACE#t-proof', sk: `CHECKPOINT#${String(checkpoint!.number).padStart(12, '0')}` },
        UpdateExpression: 'SET proof = :p',
        ExpressionAttributeValues: { ':p': JSON.stringify([`0x${'12'.repeat(32)}`]) },
      }),
    );
    expect((await log.trail('t-proof')).verification).toMatchObject({
      verified: false,
      firstBroken: { reason: expect.stringMatching(/not under its signed root/) },
    });
  });
});

describe('DynamoAuditLog checkpoint sweep and clock skew', () => {
  let sweepTables: TestTables;
  let sweepLog: DynamoAuditLog;
  beforeAll(async () => {
    sweepTables = await freshTables();
    sweepLog = new DynamoAuditLog(sweepTables.doc, sweepTables.names.audit, signer, { rescanMs: RESCAN_MS });
  });
  afterAll(() => sweepTables.client.destroy());
  const sweepCheckpoint = async (): Promise<Awaited<ReturnType<DynamoAuditLog['writeCheckpoint']>>> => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return sweepLog.writeCheckpoint(new Date());
  };

  it('finds a whole trace deleted after a checkpoint, which its trail alone cannot show', async () => {
    await appendTrace('w-keep', 2, sweepLog);
    await appendTrace('w-gone', 3, sweepLog);
    await sweepCheckpoint();
    await appendTrace('w-keep', 1, sweepLog);
    await sweepCheckpoint();
    expect(await sweepLog.verifyCheckpoints()).toEqual({ checkpointCount: 2, headCount: 3, problems: [] });

    await deleteWholeTrace(sweepTables, 'w-gone');
    const trail = await sweepLog.trail('w-gone');
    expect(trail.records).toEqual([]);
    expect(trail.checkpoint).toBeUndefined();
    expect((await sweepLog.verifyCheckpoints()).problems).toEqual([
      { checkpointId: 'checkpoint-1', traceId: 'w-gone', reason: 'record 3 that it saw is gone' },
    ]);
  });

  it('a writer whose clock is behind still lands in the next checkpoint, within the rescan window', async () => {
    await sweepCheckpoint();
    const lateWriter = new DynamoAuditLog(sweepTables.doc, sweepTables.names.audit, signer, {
      rescanMs: RESCAN_MS,
      now: () => new Date(Date.now() - RESCAN_MS / 2),
    });
    await appendTrace('w-late', 2, lateWriter);
    const checkpoint = await sweepCheckpoint();
    expect(checkpoint?.headCount).toBe(1n);
    const trail = await sweepLog.trail('w-late');
    expect(trail.verification).toEqual({ verified: true, recordCount: 2 });
    expect(trail.inclusion?.leaf).toEqual(['w-late', '2', trail.records[1]!.hash]);
    // The heads the rescan saw again were covered already: no second checkpoint for them.
    expect(await sweepCheckpoint()).toBeUndefined();
  });

  it('a checkpointer whose clock went back signs nothing until it passes the previous checkpoint', async () => {
    const previous = await sweepCheckpoint();
    await appendTrace('w-back', 1, sweepLog);
    expect(await sweepLog.writeCheckpoint(new Date(Date.now() - 60_000))).toBeUndefined();
    const next = await sweepCheckpoint();
    expect(next).toMatchObject({ headCount: 1n });
    expect(next!.changedBeforeMs).toBeGreaterThan(previous?.changedBeforeMs ?? 0n);
    expect((await sweepLog.trail('w-back')).inclusion?.leaf[0]).toBe('w-back');
  });
});

describe('DynamoAuditLog records written in a caller’s transaction', () => {
  let txTables: TestTables;
  let txLog: DynamoAuditLog;
  beforeAll(async () => {
    txTables = await freshTables();
    txLog = new DynamoAuditLog(txTables.doc, txTables.names.audit, signer, { rescanMs: RESCAN_MS });
  });
  afterAll(() => txTables.client.destroy());

  /** An item of another table, standing for the workflow step's transfer event. */
  const eventPut = (id: string) => ({
    Put: {
      TableName: txTables.names.events,
      Item: { pk: `TX#${id}`, sk: '000000000001', kind: 'TEST' },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  const eventExists = async (id: string): Promise<boolean> =>
    (
      await txTables.doc.send(
        new GetCommand({
          TableName: txTables.names.events,
          Key: { pk: `TX#${id}`, sk: '000000000001' },
          ConsistentRead: true,
        }),
      )
    ).Item !== undefined;

  it('newestHead reads the newest record’s seq and hash, not a checkpoint head item after it', async () => {
    expect(await txLog.newestHead('h-1')).toBeUndefined();
    await appendTrace('h-1', 3, txLog);
    const trail = await checkpointUntilCovered(txLog, 'h-1', 3);
    expect(trail.inclusion?.leaf[1]).toBe('3');
    // The partition now holds CHECKPOINT#n after the records; the head is still record 3.
    expect(await txLog.newestHead('h-1')).toEqual({ seq: 3, hash: trail.records[2]!.hash });
    const fourth = await txLog.append(entry('h-1', 4));
    expect(await txLog.newestHead('h-1')).toEqual({ seq: 4, hash: fourth.hash });
  });

  it('prepareAppend makes one conditional put that commits with an unrelated item, chained without a read', async () => {
    const first = txLog.prepareAppend(entry('p-1', 1), undefined);
    expect(first.record).toMatchObject({ traceId: 'p-1', seq: 1, prevHash: GENESIS_HASH });
    expect(first.item.Put).toMatchObject({
      TableName: txTables.names.audit,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'TRACE#p-1',
        sk: '000000000001',
        hash: first.record.hash,
        headsPk: expect.stringMatching(/^HEADS#\d{4}-\d\d-\d\dT\d\d:\d\dZ#\d+$/),
        headsSk: expect.stringMatching(/#p-1#000000000001$/),
      },
    });
    expect(await transactWrite(txTables.doc, [eventPut('p-1a'), first.item])).toEqual({ ok: true });
    // The caller knows the head it just wrote: the next record chains to it with no read.
    const second = txLog.prepareAppend(entry('p-1', 2), first.record);
    expect(second.record).toMatchObject({ seq: 2, prevHash: first.record.hash });
    expect(await transactWrite(txTables.doc, [eventPut('p-1b'), second.item])).toEqual({ ok: true });

    expect(await eventExists('p-1a')).toBe(true);
    expect(await eventExists('p-1b')).toBe(true);
    const trail = await txLog.trail('p-1');
    expect(trail.verification).toEqual({ verified: true, recordCount: 2 });
    expect(trail.records).toEqual([first.record, second.record]);
    expect(await txLog.newestHead('p-1')).toEqual({ seq: 2, hash: second.record.hash });
  });

  it('a stale head loses the audit item’s condition and nothing of the transaction is written', async () => {
    await appendTrace('p-stale', 2, txLog);
    const stale = txLog.prepareAppend(entry('p-stale', 2), {
      seq: 1,
      hash: (await txLog.trail('p-stale')).records[0]!.hash,
    });
    expect(await transactWrite(txTables.doc, [eventPut('p-stale'), stale.item])).toEqual({
      ok: false,
      kind: 'condition',
      failedIndexes: expect.any(Array),
    });
    expect(await eventExists('p-stale')).toBe(false);
    expect((await txLog.trail('p-stale')).verification).toEqual({ verified: true, recordCount: 2 });
    // Read the head again and prepare again: it commits.
    const fresh = txLog.prepareAppend(entry('p-stale', 3), await txLog.newestHead('p-stale'));
    expect(await transactWrite(txTables.doc, [eventPut('p-stale'), fresh.item])).toEqual({ ok: true });
    expect((await txLog.trail('p-stale')).verification).toEqual({ verified: true, recordCount: 3 });
  });

  it('a checkpoint finds heads written through prepareAppend, with an inclusion proof', async () => {
    let head = await txLog.newestHead('p-cp');
    for (let n = 1; n <= 3; n++) {
      const { record, item } = txLog.prepareAppend(entry('p-cp', n), head);
      expect(await transactWrite(txTables.doc, [eventPut(`p-cp-${n}`), item])).toEqual({ ok: true });
      head = record;
    }
    const trail = await checkpointUntilCovered(txLog, 'p-cp', 3);
    expect(trail.verification).toEqual({ verified: true, recordCount: 3 });
    expect(trail.inclusion?.leaf).toEqual(['p-cp', '3', head!.hash]);
    expect(
      verifyHeadInclusion(
        trail.checkpoint!.checkpoint.headsRoot,
        { traceId: 'p-cp', seq: 3, hash: head!.hash },
        trail.inclusion!.proof,
      ),
    ).toBe(true);
    expect((await txLog.verifyCheckpoints()).problems).toEqual([]);
  });

  it('append retries a lost put: concurrent appends to one trace all land, in one chain', async () => {
    const records = await Promise.all([1, 2, 3, 4, 5].map((n) => txLog.append(entry('p-race', n))));
    expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect((await txLog.trail('p-race')).verification).toEqual({ verified: true, recordCount: 5 });
  });

  it('keeps the changed-heads index on the record items: no separate index items', async () => {
    const { Items } = await txTables.doc.send(
      new ScanCommand({
        TableName: txTables.names.audit,
        FilterExpression: 'begins_with(pk, :heads)',
        ExpressionAttributeValues: { ':heads': 'HEADS#' },
        ConsistentRead: true,
      }),
    );
    expect(Items).toEqual([]);
  });
});

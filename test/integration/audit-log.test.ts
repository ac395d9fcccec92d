import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../lambdas/adapters/dynamodb/dynamo-audit-log';
import { digestOf, type AuditEntry } from '../../lambdas/domain/audit/audit-chain';
import { freshTables, type TestTables } from '../support/dynamodb';
import { testCheckpointSigner } from '../support/test-checkpoint-signer';

let tables: TestTables;
let log: DynamoAuditLog;
const signer = testCheckpointSigner();

beforeAll(async () => {
  tables = await freshTables();
  log = new DynamoAuditLog(tables.doc, tables.names.audit, signer);
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

async function appendTrace(traceId: string, length: number): Promise<void> {
  for (let n = 1; n <= length; n++) await log.append(entry(traceId, n));
}

describe('DynamoAuditLog', () => {
  it('chains records per trace with one global sequence across traces, even when written concurrently', async () => {
    await Promise.all([appendTrace('g-a', 5), appendTrace('g-b', 5), appendTrace('g-c', 5)]);
    const trails = await Promise.all(['g-a', 'g-b', 'g-c'].map((t) => log.trail(t)));
    for (const trail of trails) {
      expect(trail.verification).toEqual({ verified: true, recordCount: 5 });
      expect(trail.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    }
    const globals = trails.flatMap((t) => t.records.map((r) => r.globalSeq)).sort((a, b) => a - b);
    expect(new Set(globals).size).toBe(15);
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
    const checkpoint = await log.writeCheckpoint(new Date(Date.UTC(2026, 0, 2)));
    expect(checkpoint?.checkpointId).toMatch(/^checkpoint-\d+$/);
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

  it('writes a checkpoint only over what is new, chained to the previous root, and refuses a forged one', async () => {
    await log.writeCheckpoint(new Date(Date.UTC(2026, 0, 3)));
    expect(await log.writeCheckpoint(new Date(Date.UTC(2026, 0, 4)))).toBeUndefined();
    await appendTrace('t-forge', 2);
    const checkpoint = await log.writeCheckpoint(new Date(Date.UTC(2026, 0, 5)));
    expect((await log.trail('t-forge')).verification.verified).toBe(true);
    const number = Number(checkpoint!.checkpointId.split('-')[1]);
    await tables.doc.send(
      new UpdateCommand({
        TableName: tables.names.audit,
        Key: { pk: 'CHECKPOINT', sk: String(number).padStart(12, '0') },
        UpdateExpression: 'SET recordCount = :c',
        ExpressionAttributeValues: { ':c': '1' },
      }),
    );
    expect((await log.trail('t-forge')).verification).toMatchObject({
      verified: false,
      firstBroken: { reason: expect.stringMatching(/signature does not verify/) },
    });
  });
});

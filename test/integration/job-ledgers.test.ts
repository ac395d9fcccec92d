import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ClaimOutcome, JobAnswer, JobLedger, VoidOutcome } from '../../enclave-host/contract';
import { DynamoJobLedger } from '../../enclave-host/host/dynamo-job-ledger';
import { MemoryJobLedger } from '../../enclave-host/host/memory-job-ledger';
import { freshTables, type TestTables } from '../support/dynamodb';
import { createdKey, createdMpcKey } from '../unit/enclave-host/host/host-test-kit';

/**
 * One behaviour suite for both job ledgers (enclave-host/contract.ts `JobLedger`): the DynamoDB one on
 * DynamoDB Local's signingJobs table and the memory one the unit tests use, so the fake cannot drift
 * from the real rules.
 */

const AT = new Date('2026-12-06T03:00:00.000Z');
const SIGNED: JobAnswer = {
  kind: 'signed',
  result: { serializedTransaction: `0x02f8${'11'.repeat(60)}`, txHash: `0x${'cd'.repeat(32)}` },
};
const OTHER_SIGNED: JobAnswer = {
  kind: 'signed',
  result: { serializedTransaction: `0x02f8${'22'.repeat(60)}`, txHash: `0x${'ef'.repeat(32)}` },
};
const REFUSED: JobAnswer = {
  kind: 'refused',
  code: 'ENCLAVE.PROOF_INVALID',
  message: 'not signed by the approval key',
};

let tables: TestTables;
beforeAll(async () => {
  tables = await freshTables();
});
afterAll(() => tables.client.destroy());

let jobs = 0;
/** A job id no other test uses (the tables are shared by the tests of this file). */
const freshJob = (): string => `tx-${(jobs += 1)}:1:proof-${jobs}`;

const ledgers: [string, () => JobLedger][] = [
  ['DynamoDB', () => new DynamoJobLedger({ client: tables.doc, table: tables.names.signingJobs, now: () => AT })],
  ['memory', () => new MemoryJobLedger(() => AT)],
];

describe.each(ledgers)('%s job ledger', (_, make) => {
  it('claims a fresh job, and claims it again while it has no answer (the same host or another)', async () => {
    const ledger = make();
    const job = freshJob();
    await expect(ledger.claim(job, 'host-a')).resolves.toEqual({ kind: 'claimed' });
    await expect(ledger.claim(job, 'host-a')).resolves.toEqual({ kind: 'claimed' });
    await expect(ledger.claim(job, 'host-b')).resolves.toEqual({ kind: 'claimed' });
    // The first claim is the one recorded.
    await expect(ledger.void(job, 'workflow', 'timed out')).resolves.toEqual({
      kind: 'in-flight',
      claimedBy: 'host-a',
      claimedAt: AT.toISOString(),
    });
  });

  it('keeps the first answer: a later one gets the stored one back, and a claim is answered with it', async () => {
    const ledger = make();
    const job = freshJob();
    await ledger.claim(job, 'host-a');
    await expect(ledger.answer(job, 'host-a', SIGNED)).resolves.toEqual(SIGNED);
    await expect(ledger.answer(job, 'host-b', OTHER_SIGNED)).resolves.toEqual(SIGNED);
    await expect(ledger.claim(job, 'host-b')).resolves.toEqual({ kind: 'answered', answer: SIGNED });
    await expect(ledger.void(job, 'workflow', 'timed out')).resolves.toEqual({ kind: 'answered', answer: SIGNED });
  });

  it.each([
    ['a refusal', REFUSED],
    ['a created key (its sealed key is ciphertext)', { kind: 'created', result: createdKey(1) } as JobAnswer],
    [
      "an mpc key's shares (sealed, under the co-signer's key, to the recovery key)",
      { kind: 'created-mpc', result: createdMpcKey(1) } as JobAnswer,
    ],
  ])('stores %s as it was given and reads it back the same', async (_kind, answer) => {
    const ledger = make();
    const job = freshJob();
    await ledger.claim(job, 'host-a');
    await expect(ledger.answer(job, 'host-a', answer)).resolves.toEqual(answer);
    await expect(ledger.claim(job, 'host-b')).resolves.toEqual({ kind: 'answered', answer });
  });

  it('voids a fresh job, again idempotently, and a claim after it is refused as voided with the reason', async () => {
    const ledger = make();
    const job = freshJob();
    await expect(ledger.void(job, 'workflow', 'the Sign task timed out')).resolves.toEqual({ kind: 'voided' });
    await expect(ledger.void(job, 'workflow', 'again')).resolves.toEqual({ kind: 'voided' });
    await expect(ledger.claim(job, 'host-a')).resolves.toEqual({ kind: 'voided', reason: 'the Sign task timed out' });
  });

  it('refuses to void a job a host claimed: in flight without an answer, answered with one (a refusal too)', async () => {
    const ledger = make();
    const job = freshJob();
    await ledger.claim(job, 'host-a');
    await expect(ledger.void(job, 'workflow', 'timed out')).resolves.toMatchObject({ kind: 'in-flight' });
    await ledger.answer(job, 'host-a', REFUSED);
    await expect(ledger.void(job, 'workflow', 'timed out')).resolves.toEqual({ kind: 'answered', answer: REFUSED });
    await expect(ledger.claim(job, 'host-b')).resolves.toEqual({ kind: 'answered', answer: REFUSED });
  });

  it('keeps jobs apart', async () => {
    const ledger = make();
    const [a, b] = [freshJob(), freshJob()];
    await ledger.claim(a, 'host-a');
    await ledger.answer(a, 'host-a', SIGNED);
    await expect(ledger.void(b, 'workflow', 'timed out')).resolves.toEqual({ kind: 'voided' });
    await expect(ledger.claim(a, 'host-b')).resolves.toEqual({ kind: 'answered', answer: SIGNED });
  });

  it('never lets a claim and a void both win: 12 concurrent claims and 12 voids on one fresh job', async () => {
    const ledger = make();
    const job = freshJob();
    const calls: Promise<ClaimOutcome | VoidOutcome>[] = [];
    for (let i = 0; i < 12; i += 1) {
      calls.push(ledger.claim(job, `host-${i}`));
      calls.push(ledger.void(job, `workflow-${i}`, 'timed out'));
    }
    const outcomes = await Promise.all(calls);
    const claims = outcomes.filter((_o, i) => i % 2 === 0) as ClaimOutcome[];
    const voids = outcomes.filter((_o, i) => i % 2 === 1) as VoidOutcome[];

    const claimed = claims.some((c) => c.kind === 'claimed');
    const voided = voids.some((v) => v.kind === 'voided');
    expect(claimed !== voided).toBe(true);
    if (claimed) {
      expect(claims.every((c) => c.kind === 'claimed')).toBe(true);
      expect(voids.every((v) => v.kind === 'in-flight')).toBe(true);
    } else {
      expect(claims.every((c) => c.kind === 'voided')).toBe(true);
      expect(voids.every((v) => v.kind === 'voided')).toBe(true);
    }
    // And what the ledger keeps agrees with what the callers were told.
    await expect(ledger.void(job, 'workflow', 'after')).resolves.toMatchObject({
      kind: claimed ? 'in-flight' : 'voided',
    });
  });
});

describe('DynamoDB job ledger items', () => {
  it('are pk JOB#<jobId> with sk CLAIM, RESULT and VOID, holding ids, times and the answer only', async () => {
    const ledger = new DynamoJobLedger({ client: tables.doc, table: tables.names.signingJobs, now: () => AT });
    const [answered, voided] = [freshJob(), freshJob()];
    await ledger.claim(answered, 'host-a');
    await ledger.answer(answered, 'host-a', SIGNED);
    await ledger.void(voided, 'workflow', 'timed out');
    const itemsOf = async (job: string) =>
      (
        await tables.doc.send(
          new QueryCommand({
            TableName: tables.names.signingJobs,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `JOB#${job}` },
          }),
        )
      ).Items;

    expect(await itemsOf(answered)).toEqual([
      { pk: `JOB#${answered}`, sk: 'CLAIM', jobId: answered, hostId: 'host-a', claimedAt: AT.toISOString() },
      {
        pk: `JOB#${answered}`,
        sk: 'RESULT',
        jobId: answered,
        hostId: 'host-a',
        answeredAt: AT.toISOString(),
        answer: SIGNED,
      },
    ]);
    expect(await itemsOf(voided)).toEqual([
      {
        pk: `JOB#${voided}`,
        sk: 'VOID',
        jobId: voided,
        actor: 'workflow',
        reason: 'timed out',
        voidedAt: AT.toISOString(),
      },
    ]);
  });

  it('never answers with a stored answer it cannot read back', async () => {
    const ledger = new DynamoJobLedger({ client: tables.doc, table: tables.names.signingJobs });
    const job = freshJob();
    await ledger.claim(job, 'host-a');
    // A RESULT the host did not write (by hand, or by a newer contract) never answers a task.
    await tables.doc.send(
      new PutCommand({
        TableName: tables.names.signingJobs,
        Item: { pk: `JOB#${job}`, sk: 'RESULT', jobId: job, answer: { kind: 'signed', result: { txHash: '0x00' } } },
      }),
    );
    await expect(ledger.claim(job, 'host-a')).rejects.toThrow('malformed');
    await expect(ledger.answer(job, 'host-a', SIGNED)).rejects.toThrow('malformed');
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { DynamoAuditLog } from '../../lambdas/adapters/dynamodb/dynamo-audit-log';
import { digestOf } from '../../lambdas/domain/audit/audit-chain';
import { toJson } from '../../lambdas/handlers/api/http/to-json';
import { getAuditTrail } from '../../lambdas/use-cases/audit/get-audit-trail';
import { verifyAuditTrail } from '../../scripts/verify-audit-trail';
import { freshTables, type TestTables } from '../support/dynamodb';
import { testCheckpointSigner } from '../support/test-checkpoint-signer';

// The API side builds the JSON exactly as GET /v1/audit/{traceId} sends it; the client side is the
// standalone script, which imports nothing from lambdas/ (only viem and @openzeppelin/merkle-tree).
let tables: TestTables;
let log: DynamoAuditLog;
const signer = testCheckpointSigner();

beforeAll(async () => {
  tables = await freshTables();
  log = new DynamoAuditLog(tables.doc, tables.names.audit, signer);
  for (const traceId of ['c-1', 'c-2', 'c-3'])
    for (let n = 1; n <= 3; n++)
      await log.append({
        traceId,
        actor: 'workflow',
        action: `step-${n}`,
        inputsDigest: digestOf({ traceId, n }),
        result: `ok ${n}`,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
      });
  await new Promise((resolve) => setTimeout(resolve, 2));
  await log.writeCheckpoint(new Date());
});
afterAll(() => tables.client.destroy());

type TrailJson = Parameters<typeof verifyAuditTrail>[0];
const apiJson = async (traceId: string): Promise<TrailJson> =>
  JSON.parse(toJson(await getAuditTrail({ audit: log }, { traceId }))) as TrailJson;

describe('verifying an audit trail with the API JSON and the audit key address alone', () => {
  it('verifies an untouched trail: signature, inclusion proof and records', async () => {
    const json = await apiJson('c-2');
    expect(json.inclusion?.leaf).toEqual(['c-2', '3', json.records[2]!.hash]);
    expect(await verifyAuditTrail(json, signer.address)).toEqual({
      verified: true,
      checkpointNumber: '1',
      problems: [],
    });
  });

  it.each<[string, (json: TrailJson) => TrailJson, RegExp]>([
    [
      'an edited record',
      (j) => ({ ...j, records: j.records.map((r, i) => (i === 1 ? { ...r, result: 'forged' } : r)) }),
      /does not match its hash/,
    ],
    ['a cut tail', (j) => ({ ...j, records: j.records.slice(0, 2) }), /trail ends at 2/],
    [
      'a leaf claiming a shorter trace',
      (j) => ({ ...j, inclusion: { ...j.inclusion!, leaf: ['c-2', '2', j.records[1]!.hash as `0x${string}`] } }),
      /does not include/,
    ],
    [
      'a proof for another leaf',
      (j) => ({ ...j, inclusion: { ...j.inclusion!, proof: [`0x${'12'.repeat(32)}`] } }),
      /does not include/,
    ],
    [
      'a re-rooted checkpoint',
      (j) => ({
        ...j,
        checkpoint: {
          ...j.checkpoint!,
          typedData: {
            ...j.checkpoint!.typedData,
            message: { ...j.checkpoint!.typedData.message, headsRoot: `0x${'ab'.repeat(32)}` },
          },
        },
      }),
      /not signed by the audit key/,
    ],
  ])('refuses %s', async (_name, tamper, reason) => {
    const check = await verifyAuditTrail(tamper(await apiJson('c-2')), signer.address);
    expect(check.verified).toBe(false);
    expect(check.problems.join('; ')).toMatch(reason);
  });

  it('refuses another key’s address, and a trail no checkpoint covers yet', async () => {
    const other = privateKeyToAccount(generatePrivateKey()).address;
    expect(await verifyAuditTrail(await apiJson('c-1'), other)).toMatchObject({
      verified: false,
      problems: ['the checkpoint is not signed by the audit key'],
    });
    await log.append({
      traceId: 'c-new',
      actor: 'a',
      action: 'x',
      inputsDigest: digestOf(1),
      result: 'r',
      at: new Date(),
    });
    expect(await verifyAuditTrail(await apiJson('c-new'), signer.address)).toMatchObject({
      verified: false,
      problems: ['no checkpoint covers this trace yet'],
    });
  });

  it('the API says so too when a record is gone, and the script agrees', async () => {
    await tables.doc.send(
      new DeleteCommand({ TableName: tables.names.audit, Key: { pk: 'TRACE#c-3', sk: '000000000003' } }),
    );
    const json = await apiJson('c-3');
    expect(json).toMatchObject({ verified: false, reason: expect.stringMatching(/removed/) });
    expect((await verifyAuditTrail(json, signer.address)).verified).toBe(false);
  });

  it('runs as a command: exit 0 for a trail that verifies, 1 for one that does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trail-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, toJson(await getAuditTrail({ audit: log }, { traceId: 'c-1' })));
    const run = promisify(execFile);
    const ok = await run('npx', ['tsx', 'scripts/verify-audit-trail.ts', good, signer.address]);
    expect(ok.stdout).toMatch(/^verified: 3 records of c-1, checkpoint 1/);
    const other = privateKeyToAccount(generatePrivateKey()).address;
    await expect(run('npx', ['tsx', 'scripts/verify-audit-trail.ts', good, other])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/NOT verified: the checkpoint is not signed by the audit key/),
    });
  });
});

import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoApprovalStore } from '../../lambdas/adapters/dynamodb/dynamo-approval-store';
import { AesGcmSecretSealer } from '../../lambdas/adapters/local/aes-gcm-secret-sealer';
import type { StoredApprovalRequest } from '../../lambdas/ports/approval-store';
import { freshTables, type TestTables } from '../support/dynamodb';

let tables: TestTables;
let store: DynamoApprovalStore;
const TOKEN = 'AQCEAHh-task-token-that-must-never-be-stored-in-clear';

beforeAll(async () => {
  tables = await freshTables();
  store = new DynamoApprovalStore(tables.doc, tables.names.approvals, new AesGcmSecretSealer(randomBytes(32)));
});
afterAll(() => tables.client.destroy());

const request = (id: string): StoredApprovalRequest => ({
  id,
  transferId: `tx-${id}`,
  initiatorId: 'alice',
  requirement: { quorum: 2, groups: [{ group: 'treasury', quorum: 2 }], timeoutSeconds: 3600 },
  createdAt: new Date('2026-01-01T00:00:00Z'),
  expiresAt: new Date('2026-01-01T01:00:00Z'),
});

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('DynamoApprovalStore', () => {
  it('stores the request with its callback token sealed, and opens it on request', async () => {
    await store.create(request('r1'), TOKEN);
    expect(await store.get('r1')).toEqual(request('r1'));
    const { Item } = await tables.doc.send(
      new GetCommand({ TableName: tables.names.approvals, Key: { pk: 'REQUEST#r1', sk: 'REQUEST' } }),
    );
    expect(JSON.stringify(Item)).not.toContain('task-token');
    expect(await store.callbackToken('r1')).toBe(TOKEN);
  });

  it('never overwrites a request', async () => {
    await store.create(request('r2'), TOKEN);
    await expect(store.create({ ...request('r2'), initiatorId: 'mallory' }, 'other')).rejects.toMatchObject({
      code: 'STORE.DUPLICATE',
    });
    expect((await store.get('r2'))?.initiatorId).toBe('alice');
  });

  it('refuses a second decision by the same approver', async () => {
    await store.create(request('r3'), TOKEN);
    await store.decide({ requestId: 'r3', approverId: 'bob', decision: 'approve', at: at(1) });
    await expect(
      store.decide({ requestId: 'r3', approverId: 'bob', decision: 'reject', at: at(2) }),
    ).rejects.toMatchObject({ code: 'APPROVAL.DUPLICATE_DECISION' });
    expect((await store.decisions('r3')).map((d) => [d.approverId, d.decision])).toEqual([['bob', 'approve']]);
  });

  it('refuses a decision on an unknown request and after resolution', async () => {
    await expect(
      store.decide({ requestId: 'nope', approverId: 'bob', decision: 'approve', at: at(1) }),
    ).rejects.toMatchObject({ code: 'STORE.NOT_FOUND' });
    await store.create(request('r4'), TOKEN);
    await store.resolve({ requestId: 'r4', outcome: 'EXPIRED', at: at(5) });
    await expect(
      store.decide({ requestId: 'r4', approverId: 'carol', decision: 'approve', at: at(6) }),
    ).rejects.toMatchObject({ code: 'APPROVAL.ALREADY_RESOLVED' });
  });

  it('a reject racing a quorum has exactly one winner', async () => {
    for (let round = 0; round < 10; round++) {
      const id = `race-${round}`;
      await store.create(request(id), TOKEN);
      const results = await Promise.all([
        store.resolve({ requestId: id, outcome: 'APPROVED', at: at(10), by: 'carol' }),
        store.resolve({ requestId: id, outcome: 'REJECTED', at: at(10), by: 'dave' }),
      ]);
      expect(results.filter((r) => r.won)).toHaveLength(1);
      const standing = await store.resolution(id);
      expect(results.map((r) => r.resolution.outcome)).toEqual([standing?.outcome, standing?.outcome]);
    }
  });

  it('returns decisions in time order', async () => {
    await store.create(request('r5'), TOKEN);
    await store.decide({ requestId: 'r5', approverId: 'zed', decision: 'approve', at: at(3) });
    await store.decide({ requestId: 'r5', approverId: 'amy', decision: 'reject', at: at(2), comment: 'too large' });
    expect((await store.decisions('r5')).map((d) => d.approverId)).toEqual(['amy', 'zed']);
  });
});

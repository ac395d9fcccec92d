import { PowertoolsIdempotencyGuard } from '../../lambdas/adapters/dynamodb/powertools-idempotency-guard';
import { freshTables, type TestTables } from '../support/dynamodb';

let tables: TestTables;
let guard: PowertoolsIdempotencyGuard;

beforeAll(async () => {
  tables = await freshTables();
  guard = new PowertoolsIdempotencyGuard(tables.client, tables.names.idempotency);
});
afterAll(() => tables.client.destroy());

describe('PowertoolsIdempotencyGuard on DynamoDB Local', () => {
  it('runs once per key and body, and answers a repeat with the first result', async () => {
    let runs = 0;
    const operation = async () => ({ id: `transfer-${++runs}`, status: 'SUBMITTED' });
    const first = await guard.run({ scope: 'alice', key: 'key-00000001', payload: { amount: '5' } }, operation);
    const again = await guard.run({ scope: 'alice', key: 'key-00000001', payload: { amount: '5' } }, operation);
    expect(first).toEqual({ id: 'transfer-1', status: 'SUBMITTED' });
    expect(again).toEqual(first);
    expect(runs).toBe(1);
  });

  it('refuses the same key with another body', async () => {
    await guard.run({ scope: 'alice', key: 'key-00000002', payload: { amount: '5' } }, async () => 'ok');
    await expect(
      guard.run({ scope: 'alice', key: 'key-00000002', payload: { amount: '6' } }, async () => 'second'),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
  });

  it('scopes keys by caller: another principal’s identical key runs on its own', async () => {
    const a = await guard.run({ scope: 'alice', key: 'key-00000003', payload: {} }, async () => 'alice');
    const b = await guard.run({ scope: 'bob', key: 'key-00000003', payload: {} }, async () => 'bob');
    expect([a, b]).toEqual(['alice', 'bob']);
  });

  it('refuses a concurrent repeat while the first is running', async () => {
    let release!: () => void;
    const slow = guard.run(
      { scope: 'alice', key: 'key-00000004', payload: {} },
      () => new Promise<string>((resolve) => (release = () => resolve('done'))),
    );
    await new Promise((r) => setTimeout(r, 200));
    await expect(
      guard.run({ scope: 'alice', key: 'key-00000004', payload: {} }, async () => 'twice'),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY.IN_PROGRESS' });
    release();
    await expect(slow).resolves.toBe('done');
  });

  it('lets a failed operation be retried', async () => {
    await expect(
      guard.run({ scope: 'alice', key: 'key-00000005', payload: {} }, async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(
      guard.run({ scope: 'alice', key: 'key-00000005', payload: {} }, async () => 'recovered'),
    ).resolves.toBe('recovered');
  });
});

describe('PowertoolsIdempotencyGuard in-progress bound', () => {
  it('lets a repeat run once a started operation has held its key past the bound (a crashed first attempt)', async () => {
    const short = new PowertoolsIdempotencyGuard(tables.client, tables.names.idempotency, 3600, 1_000);
    void short.run({ scope: 'alice', key: 'key-00000006', payload: {} }, () => new Promise<string>(() => undefined));
    await new Promise((r) => setTimeout(r, 200));
    await expect(
      short.run({ scope: 'alice', key: 'key-00000006', payload: {} }, async () => 'too soon'),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY.IN_PROGRESS' });
    await new Promise((r) => setTimeout(r, 1_200));
    await expect(
      short.run({ scope: 'alice', key: 'key-00000006', payload: {} }, async () => 'after the bound'),
    ).resolves.toBe('after the bound');
  });
});

import { DynamoReconciliationStore } from '../../lambdas/adapters/dynamodb/dynamo-reconciliation-store';
import type {
  BalanceMismatchException,
  UnexplainedOutflowException,
} from '../../lambdas/domain/reconciliation/reconciliation-exception';
import { freshTables, type TestTables } from '../support/dynamodb';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const HASH = `0x${'ab'.repeat(32)}` as const;
let tables: TestTables;

beforeAll(async () => {
  tables = await freshTables();
});
afterAll(() => tables.client.destroy());

const at = (minute: number) => new Date(Date.UTC(2026, 11, 5, 12, minute));

const outflow = (id: string, walletId: string, minute: number): UnexplainedOutflowException => ({
  kind: 'UNEXPLAINED_OUTFLOW',
  id,
  walletId,
  chainId: 31337,
  asset: TOKEN,
  detectedAt: at(minute),
  evidence: {
    chainId: 31337,
    blockNumber: 12n,
    blockHash: HASH,
    txHash: HASH,
    logIndex: 3,
    asset: TOKEN,
    amount: 10n ** 30n + 1n,
    from: ADDRESS,
    to: TOKEN,
    txFrom: TOKEN,
    txNonce: 7,
  },
  booking: { booked: true, postingId: `${id}:unexplained-outflow` },
});

const mismatch = (id: string, walletId: string, minute: number): BalanceMismatchException => ({
  kind: 'BALANCE_MISMATCH',
  id,
  walletId,
  chainId: 31337,
  asset: 'native',
  detectedAt: at(minute),
  blockNumber: 13n,
  blockHash: HASH,
  chainBalance: 5n,
  ledger: { settled: 9n, reserved: 1n, pendingOut: 2n, pendingIn: 0n },
  expected: { min: 6n, max: 9n },
  difference: -4n,
});

describe('DynamoReconciliationStore', () => {
  it('records an exception once and reads it back exactly (bigints, dates, evidence)', async () => {
    const store = new DynamoReconciliationStore(tables.doc, tables.names.events);
    const exception = outflow('out-1', 'w-a', 1);
    expect(await store.record(exception)).toEqual({ recorded: true });
    expect(await store.record({ ...exception, detectedAt: at(9) })).toEqual({ recorded: false });
    expect(await store.get('out-1')).toEqual({ exception });
    expect(await store.get('out-404')).toBeUndefined();
  });

  it('resolves once; a second resolution is STORE.DUPLICATE, a resolution of nothing STORE.NOT_FOUND', async () => {
    const store = new DynamoReconciliationStore(tables.doc, tables.names.events);
    const exception = mismatch('mis-1', 'w-b', 2);
    await store.record(exception);
    const resolution = { exceptionId: 'mis-1', resolvedBy: 'admin-1', reason: 'known', at: at(3) };
    await store.resolve(exception, resolution);
    await expect(store.resolve(exception, { ...resolution, reason: 'again' })).rejects.toMatchObject({
      code: 'STORE.DUPLICATE',
    });
    await expect(store.resolve(mismatch('mis-404', 'w-b', 2), resolution)).rejects.toMatchObject({
      code: 'STORE.NOT_FOUND',
    });
    expect(await store.get('mis-1')).toEqual({ exception, resolution });
  });

  it('lists newest first by wallet and by status, a page at a time', async () => {
    const store = new DynamoReconciliationStore(tables.doc, tables.names.events);
    for (let i = 0; i < 5; i++) await store.record(mismatch(`page-${i}`, 'w-c', 10 + i));
    await store.record(outflow('page-other', 'w-d', 20));
    await store.resolve(mismatch('page-1', 'w-c', 11), {
      exceptionId: 'page-1',
      resolvedBy: 'admin-1',
      reason: 'ok',
      at: at(30),
    });
    const ids = async (filter: Parameters<typeof store.list>[0]) => {
      const seen: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await store.list({ ...filter, page: { limit: 2, ...(nextToken ? { nextToken } : {}) } });
        seen.push(...page.items.map((e) => `${e.exception.id}${e.resolution ? ':resolved' : ''}`));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return seen;
    };
    expect(await ids({ walletId: 'w-c' })).toEqual(['page-4', 'page-3', 'page-2', 'page-1:resolved', 'page-0']);
    expect(await ids({ walletId: 'w-c', status: 'open' })).toEqual(['page-4', 'page-3', 'page-2', 'page-0']);
    expect(await ids({ walletId: 'w-c', status: 'resolved' })).toEqual(['page-1:resolved']);
    expect(await ids({ walletId: 'w-d' })).toEqual(['page-other']);
    expect((await ids({})).slice(0, 2)).toEqual(['page-other', 'page-4']);
    // A token of one filter is not accepted by another.
    const first = await store.list({ walletId: 'w-c', page: { limit: 2 } });
    await expect(
      store.list({ walletId: 'w-d', page: { limit: 2, nextToken: first.nextToken as string } }),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID_FIELD', details: { field: 'nextToken' } });
  });
});

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, IllegalTransitionError } from '../../lambdas/domain/errors';
import type {
  TransferEvent,
  TransferEventData,
  TransferEventType,
} from '../../lambdas/domain/lifecycle/transfer-events';
import type { TransferState } from '../../lambdas/domain/lifecycle/transfer-state';
import { DynamoTransferEventStore } from '../../lambdas/adapters/dynamodb/dynamo-transfer-event-store';
import { freshTables, type TestTables } from '../support/dynamodb';

const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
let tables: TestTables;
let store: DynamoTransferEventStore;

beforeAll(async () => {
  tables = await freshTables();
  store = new DynamoTransferEventStore(tables.doc, tables.names);
});
afterAll(() => tables.client.destroy());

function event<T extends TransferEventType>(
  transferId: string,
  seq: number,
  type: T,
  data: TransferEventData[T],
  at = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
): TransferEvent {
  return { transferId, seq, type, at, actor: 'test', data } as TransferEvent;
}

const submitted = (id: string, walletId = 'w-1', amount = 10n ** 30n): TransferEvent =>
  event(id, 1, 'SUBMITTED', {
    walletId,
    initiatorId: 'alice',
    traceId: `trace-${id}`,
    chainId: 31337,
    to: TO,
    asset: 'native',
    amount,
    data: '0x',
    feeAllowance: 21_000n * 10n ** 9n,
    reserved: { asset: 'native', amount },
  });

describe('DynamoTransferEventStore', () => {
  it('appends and reads back a stream exactly, bigints included', async () => {
    const state = await store.append(undefined, [submitted('a1')]);
    const next = await store.append(state, [
      event('a1', 2, 'SCREENING_STARTED', {}),
      event('a1', 3, 'SCREENING_CLEARED', { provider: 'denylist' }),
    ]);
    expect(next.status).toBe('PENDING_SCREENING');
    const events = await store.read('a1');
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'SUBMITTED'],
      [2, 'SCREENING_STARTED'],
      [3, 'SCREENING_CLEARED'],
    ]);
    expect(events[0]!.data).toEqual(submitted('a1').data);
    expect(await store.load('a1')).toEqual(next);
    expect(await store.load('missing')).toBeUndefined();
  });

  it('refuses an illegal transition before writing anything', async () => {
    const state = await store.append(undefined, [submitted('a2')]);
    expect(() =>
      store.prepareAppend(state, [
        event('a2', 2, 'CONFIRMED', { txHash: `0x${'1'.repeat(64)}`, blockNumber: 1n, confirmations: 1, fee: 1n }),
      ]),
    ).toThrow(IllegalTransitionError);
    expect(await store.read('a2')).toHaveLength(1);
  });

  it('never overwrites: an append on a stale state fails and the stored event stays', async () => {
    const state = await store.append(undefined, [submitted('a3')]);
    await store.append(state, [event('a3', 2, 'SCREENING_STARTED', {})]);
    await expect(
      store.append(state, [event('a3', 2, 'CANCEL_REQUESTED', { requestedBy: 'mallory' })]),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(store.append(undefined, [submitted('a3', 'w-other')])).rejects.toMatchObject({
      code: 'STORE.CONFLICT',
    });
    const events = await store.read('a3');
    expect(events.map((e) => e.type)).toEqual(['SUBMITTED', 'SCREENING_STARTED']);
    expect((await store.load('a3'))?.walletId).toBe('w-1');
  });

  it('keeps the raw table append-only: a second put of the same key is refused by its condition', async () => {
    await store.append(undefined, [submitted('a4')]);
    await expect(
      tables.doc.send(
        new PutCommand({
          TableName: tables.names.events,
          Item: { pk: 'TX#a4', sk: '000000000001', type: 'SUBMITTED' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('20 concurrent appends to one stream leave no gap and no duplicate', async () => {
    await store.append(undefined, [submitted('c1')]);
    const writer = async (n: number): Promise<number> => {
      for (let attempt = 0; ; attempt++) {
        const state = (await store.load('c1')) as TransferState;
        try {
          await store.append(state, [event('c1', state.seq + 1, 'RECONCILIATION_REQUIRED', { reason: `writer ${n}` })]);
          return attempt;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    };
    const retries = await Promise.all(Array.from({ length: 20 }, (_, n) => writer(n)));
    const events = await store.read('c1');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    const reasons = events
      .slice(1)
      .map((e) => (e.data as { reason: string }).reason)
      .sort();
    expect(reasons).toEqual(Array.from({ length: 20 }, (_, n) => `writer ${n}`).sort());
    expect(retries.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect((await store.load('c1'))?.reconciliation).toHaveLength(20);
  });

  it('lists transfers by wallet and by status from the projection, page by page', async () => {
    for (let i = 0; i < 5; i++) {
      const state = await store.append(undefined, [
        { ...submitted(`l${i}`, 'w-list'), at: new Date(Date.UTC(2026, 1, 1, 0, i)) },
      ]);
      if (i % 2 === 0)
        await store.append(state, [event(`l${i}`, 2, 'SCREENING_STARTED', {}, new Date(Date.UTC(2026, 1, 1, 1, i)))]);
    }
    const first = await store.listByWallet('w-list', { limit: 3 });
    expect(first.items.map((t) => t.id)).toEqual(['l4', 'l3', 'l2']);
    const second = await store.listByWallet('w-list', { limit: 3, nextToken: first.nextToken! });
    expect(second.items.map((t) => t.id)).toEqual(['l1', 'l0']);
    expect(second.items.map((t) => t.status)).toEqual(['SUBMITTED', 'PENDING_SCREENING']);
    const screening = await store.listByStatus('PENDING_SCREENING', { limit: 100 });
    expect(screening.items.filter((t) => t.walletId === 'w-list').map((t) => t.id)).toEqual(['l4', 'l2', 'l0']);
    const submittedOnly = await store.listByStatus('SUBMITTED');
    expect(
      submittedOnly.items
        .filter((t) => t.walletId === 'w-list')
        .map((t) => t.id)
        .sort(),
    ).toEqual(['l1', 'l3']);
  });

  it('refuses a page token it did not issue and an out-of-range limit', async () => {
    await expect(
      store.listByWallet('w-list', { nextToken: Buffer.from('{"pk":{"S":"x"}}').toString('base64url') }),
    ).rejects.toMatchObject({ code: 'REQUEST.INVALID_FIELD' });
    await expect(store.listByWallet('w-list', { nextToken: 'not a token!' })).rejects.toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
    });
    await expect(store.listByWallet('w-list', { limit: 1000 })).rejects.toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
    });
  });
});

import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../lambdas/domain/errors';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { DynamoCursorStore } from '../../lambdas/adapters/dynamodb/dynamo-cursor-store';
import { DynamoNonceStore, nonceItemsFailed } from '../../lambdas/adapters/dynamodb/dynamo-nonce-store';
import { transactWrite, type TransactItem } from '../../lambdas/adapters/dynamodb/transact';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import { freshTables, type TestTables } from '../support/dynamodb';
import { recordRequests } from '../support/request-recorder';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const AT = new Date('2026-01-01T00:00:00Z');
let tables: TestTables;

beforeAll(async () => {
  tables = await freshTables();
});
afterAll(() => tables.client.destroy());

describe('DynamoNonceStore', () => {
  it('hands 20 concurrent reservations for one address 20 distinct consecutive nonces', async () => {
    const store = new DynamoNonceStore(tables.doc, tables.names.nonces);
    const reservations = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.reserve({ chainId: 1, address: ADDRESS, transferId: `t${i}`, chainPendingNonce: 0, at: AT }),
      ),
    );
    expect(reservations.map((r) => r.nonce).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(reservations.map((r) => r.transferId)).size).toBe(20);
    expect((await store.latest(1, ADDRESS))?.nonce).toBe(19);
  });

  it('gives a retried transfer the nonce it already holds', async () => {
    const store = new DynamoNonceStore(tables.doc, tables.names.nonces);
    const first = await store.reserve({
      chainId: 2,
      address: ADDRESS,
      transferId: 'same',
      chainPendingNonce: 0,
      at: AT,
    });
    const again = await store.reserve({
      chainId: 2,
      address: ADDRESS,
      transferId: 'same',
      chainPendingNonce: 0,
      at: AT,
    });
    expect(again.nonce).toBe(first.nonce);
    expect((await store.latest(2, ADDRESS))?.nonce).toBe(first.nonce);
  });

  it('moves forward to the chain’s pending nonce but never backwards', async () => {
    const store = new DynamoNonceStore(tables.doc, tables.names.nonces);
    expect(
      (await store.reserve({ chainId: 3, address: ADDRESS, transferId: 'x1', chainPendingNonce: 7, at: AT })).nonce,
    ).toBe(7);
    expect(
      (await store.reserve({ chainId: 3, address: ADDRESS, transferId: 'x2', chainPendingNonce: 2, at: AT })).nonce,
    ).toBe(8);
    expect((await store.get(3, ADDRESS, 7))?.transferId).toBe('x1');
    expect(await store.get(3, ADDRESS, 3)).toBeUndefined();
  });

  it('keys addresses case-insensitively, so one account never gets two counters', async () => {
    const store = new DynamoNonceStore(tables.doc, tables.names.nonces);
    await store.reserve({ chainId: 4, address: ADDRESS, transferId: 'y1', chainPendingNonce: 0, at: AT });
    expect(
      (
        await store.reserve({
          chainId: 4,
          address: ADDRESS.toLowerCase(),
          transferId: 'y2',
          chainPendingNonce: 0,
          at: AT,
        })
      ).nonce,
    ).toBe(1);
  });
});

describe('DynamoNonceStore.planReservation', () => {
  /**
   * A nonce store on a client of its own, counting the requests it sends (the document client shares
   * its middleware stack with the client it wraps, so counting on the shared one would count everyone's).
   */
  function countedStore(): { store: DynamoNonceStore; doc: DynamoDBDocumentClient; requests: string[] } {
    const client = localDynamoDbClient(process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT!);
    clients.push(client);
    const doc = documentClient(client);
    const { commands: requests } = recordRequests(doc);
    return { store: new DynamoNonceStore(doc, tables.names.nonces), doc, requests };
  }
  const clients: { destroy(): void }[] = [];
  afterAll(() => clients.forEach((client) => client.destroy()));

  /** An item of the caller's own, unrelated to nonces: in the tests, the step's event. */
  const callerItem = (id: string): TransactItem => ({
    Put: {
      TableName: tables.names.nonces,
      Item: { pk: `CALLER#${id}`, sk: '-' },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  const callerItemExists = async (id: string): Promise<boolean> =>
    (await tables.doc.send(new GetCommand({ TableName: tables.names.nonces, Key: { pk: `CALLER#${id}`, sk: '-' } })))
      .Item !== undefined;

  it('plans with one request and no write; the caller commits the items with its own', async () => {
    const { store, doc, requests } = countedStore();
    await store.reserve({ chainId: 10, address: ADDRESS, transferId: 'p0', chainPendingNonce: 0, at: AT });
    requests.length = 0;

    const planned = await store.planReservation({
      chainId: 10,
      address: ADDRESS,
      transferId: 'p1',
      chainPendingNonce: 0,
      at: AT,
    });
    expect(requests).toEqual(['QueryCommand']);
    expect(planned.reservation).toEqual({ chainId: 10, address: ADDRESS, nonce: 1, transferId: 'p1', at: AT });
    expect(planned.items).toHaveLength(2);
    expect(await store.get(10, ADDRESS, 1)).toBeUndefined(); // nothing written by the plan

    expect(await transactWrite(doc, [...planned.items, callerItem('p1')])).toEqual({ ok: true });
    expect(await store.get(10, ADDRESS, 1)).toEqual(planned.reservation);
    expect(await callerItemExists('p1')).toBe(true);
    // The marker went in too: reserve finds the nonce the transfer holds.
    expect(
      await store.reserve({ chainId: 10, address: ADDRESS, transferId: 'p1', chainPendingNonce: 0, at: AT }),
    ).toEqual(planned.reservation);
  });

  it('two plans for two transfers on one address: the second commit fails on the nonce item, and reserve gives the next nonce', async () => {
    const { store, doc } = countedStore();
    const request = { chainId: 11, address: ADDRESS, chainPendingNonce: 0, at: AT };
    const first = await store.planReservation({ ...request, transferId: 'q1' });
    const second = await store.planReservation({ ...request, transferId: 'q2' });
    expect([first.reservation.nonce, second.reservation.nonce]).toEqual([0, 0]);

    expect(await transactWrite(doc, [...first.items, callerItem('q1')])).toEqual({ ok: true });
    // The caller's item first, the nonce items after it: their offset is 1.
    const outcome = await transactWrite(doc, [callerItem('q2'), ...second.items]);
    expect(outcome).toMatchObject({ ok: false, kind: 'condition' });
    const failedIndexes = outcome.ok || outcome.kind !== 'condition' ? [] : outcome.failedIndexes;
    expect(nonceItemsFailed(second, failedIndexes, 1)).toBe(true);
    expect(failedIndexes).toEqual([1]); // the address's nonce, not the marker
    expect(await callerItemExists('q2')).toBe(false); // nothing of that transaction was written

    const reserved = await store.reserve({ ...request, transferId: 'q2' });
    expect(reserved.nonce).toBe(1);
    expect((await store.get(11, ADDRESS, 0))?.transferId).toBe('q1');
  });

  it('a plan for a transfer that already holds a nonce fails on the marker, and reserve returns the held nonce', async () => {
    const { store, doc } = countedStore();
    const request = { chainId: 12, address: ADDRESS, transferId: 'r1', chainPendingNonce: 0, at: AT };
    const held = await store.reserve(request);
    const planned = await store.planReservation(request);
    expect(planned.reservation.nonce).toBe(held.nonce + 1); // the plan reads no marker

    const outcome = await transactWrite(doc, [...planned.items, callerItem('r1')]);
    expect(outcome).toMatchObject({ ok: false, kind: 'condition' });
    const failedIndexes = outcome.ok || outcome.kind !== 'condition' ? [] : outcome.failedIndexes;
    expect(nonceItemsFailed(planned, failedIndexes)).toBe(true);
    expect(failedIndexes).toEqual([1]); // the marker

    expect(await store.reserve(request)).toEqual(held);
    expect(await store.get(12, ADDRESS, held.nonce + 1)).toBeUndefined();
    expect((await store.latest(12, ADDRESS))?.nonce).toBe(held.nonce);
  });

  it('tells a failure of the caller’s own items from one of the nonce items', async () => {
    const { store } = countedStore();
    const planned = await store.planReservation({
      chainId: 13,
      address: ADDRESS,
      transferId: 's1',
      chainPendingNonce: 0,
      at: AT,
    });
    expect(nonceItemsFailed(planned, [0], 2)).toBe(false); // the caller's item before them
    expect(nonceItemsFailed(planned, [4], 2)).toBe(false); // a caller's item after them
    expect(nonceItemsFailed(planned, [2], 2)).toBe(true);
    expect(nonceItemsFailed(planned, [3], 2)).toBe(true);
    expect(nonceItemsFailed(planned, [], 2)).toBe(true); // no reasons: reserve decides
  });
});

describe('DynamoCursorStore', () => {
  it('appends positions and refuses a move from a stale cursor', async () => {
    const store = new DynamoCursorStore(tables.doc, tables.names.events);
    expect(await store.read('deposits:1')).toBeUndefined();
    const first = await store.advance('deposits:1', undefined, '100', AT);
    const second = await store.advance('deposits:1', first, '101', AT);
    expect(second.version).toBe(2);
    await expect(store.advance('deposits:1', first, '999', AT)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.advance('deposits:1', undefined, '0', AT)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.read('deposits:1')).toEqual({ name: 'deposits:1', position: '101', version: 2, at: AT });
  });
});

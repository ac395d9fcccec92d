import { ConflictError } from '../../lambdas/domain/errors';
import { DynamoCursorStore } from '../../lambdas/adapters/dynamodb/dynamo-cursor-store';
import { DynamoNonceStore } from '../../lambdas/adapters/dynamodb/dynamo-nonce-store';
import { freshTables, type TestTables } from '../support/dynamodb';

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

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, IllegalTransitionError } from '../../lambdas/domain/errors';
import type {
  TransferEvent,
  TransferEventData,
  TransferEventType,
} from '../../lambdas/domain/lifecycle/transfer-events';
import type { TransferState } from '../../lambdas/domain/lifecycle/transfer-state';
import { DynamoAuditLog } from '../../lambdas/adapters/dynamodb/dynamo-audit-log';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamodb/dynamo-ledger-store';
import { DynamoTransferEventStore } from '../../lambdas/adapters/dynamodb/dynamo-transfer-event-store';
import { PageTokens } from '../../lambdas/adapters/dynamodb/page-token';
import type { AuditEntry } from '../../lambdas/domain/audit/audit-chain';
import { depositConfirmed, depositSeen } from '../../lambdas/domain/ledger/deposit-postings';
import { reserve } from '../../lambdas/domain/ledger/transfer-postings';
import { recordRequests, type RequestRecorder } from '../support/request-recorder';
import { testCheckpointSigner } from '../support/test-checkpoint-signer';
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

describe('DynamoTransferEventStore: one write per step and the state carried by the workflow', () => {
  let ledger: DynamoLedgerStore;
  let audit: DynamoAuditLog;
  let steps: DynamoTransferEventStore;
  let requests: RequestRecorder;

  beforeAll(() => {
    requests = recordRequests(tables.client);
    ledger = new DynamoLedgerStore(tables.doc, tables.names.ledger);
    audit = new DynamoAuditLog(tables.doc, tables.names.audit, testCheckpointSigner());
    steps = new DynamoTransferEventStore(tables.doc, tables.names, PageTokens.ephemeral(), { ledger, audit });
  });

  /** The requests `run` sends, by command name. */
  const counted = <T>(run: () => Promise<T>) => requests.during(run);

  const entry = (traceId: string, action: string): AuditEntry => ({
    traceId,
    actor: 'test',
    action,
    inputsDigest: `0x${'22'.repeat(32)}`,
    result: 'ok',
    at: new Date(Date.UTC(2026, 0, 1)),
  });

  async function fundedTransfer(id: string, walletId: string): Promise<TransferState> {
    await fund(id, walletId);
    return submit(id, walletId);
  }

  async function fund(id: string, walletId: string): Promise<void> {
    const deposit = { depositId: `dep-${id}`, walletId, asset: 'native' as const, amount: 10n ** 31n };
    await ledger.post(depositSeen(deposit, new Date(Date.UTC(2026, 0, 1))));
    await ledger.post(depositConfirmed(deposit, new Date(Date.UTC(2026, 0, 1))));
  }

  /** SUBMITTED with its reservation and its audit record, as the submit writes them. */
  function submit(id: string, walletId: string): Promise<TransferState> {
    const first = submitted(id, walletId);
    const data = first.type === 'SUBMITTED' ? first.data : undefined;
    const reservation = {
      transferId: id,
      walletId,
      asset: 'native' as const,
      amount: data!.amount,
      feeAllowance: data!.feeAllowance,
    };
    return steps.append(undefined, [first], {
      posting: reserve(reservation, new Date(Date.UTC(2026, 0, 1))),
      audit: entry(`trace-${id}`, 'TRANSFER_SUBMITTED'),
    });
  }

  it('commits the events, the posting and the audit record in one transaction, chained to the head it knows', async () => {
    await fund('s1', 'w-s1');
    const { value: state, sent } = await counted(() => submit('s1', 'w-s1'));
    // One read (the account's newest entry) and one transaction: no marker read, no audit head read.
    expect(sent.sort()).toEqual(['QueryCommand', 'TransactWriteItemsCommand']);
    expect((await ledger.balances('w-s1', 'native')).reserved).toBe(state.amount + state.feeAllowance);
    const next = await counted(() =>
      steps.append(state, [event('s1', 2, 'SCREENING_STARTED', {})], { audit: entry('trace-s1', 'SCREENING') }),
    );
    expect(next.sent).toEqual(['TransactWriteItemsCommand']);
    const trail = await audit.trail('trace-s1');
    expect(trail.records.map((r) => [r.seq, r.action])).toEqual([
      [1, 'TRANSFER_SUBMITTED'],
      [2, 'SCREENING'],
    ]);
    expect(trail.verification.verified).toBe(true);
  });

  it('re-reads the trace head when another writer appended to the trace, and still chains correctly', async () => {
    const state = await fundedTransfer('s2', 'w-s2');
    await audit.append(entry('trace-s2', 'APPROVAL_DECIDED'));
    await steps.append(state, [event('s2', 2, 'SCREENING_STARTED', {})], { audit: entry('trace-s2', 'SCREENING') });
    const trail = await audit.trail('trace-s2');
    expect(trail.records.map((r) => r.action)).toEqual(['TRANSFER_SUBMITTED', 'APPROVAL_DECIDED', 'SCREENING']);
    expect(trail.verification.verified).toBe(true);
  });

  it('resumes from a carried state without a read, and hands on what the next step resumes from', async () => {
    const state = await fundedTransfer('s3', 'w-s3');
    const carried = steps.streamOf(state);
    const { value: resumed, sent } = await counted(() => steps.resume('s3', carried));
    expect(sent).toEqual([]);
    expect(resumed).toEqual(await store.load('s3'));
    const next = await steps.append(resumed!, [event('s3', 2, 'SCREENING_STARTED', {})]);
    expect((await steps.resume('s3', steps.streamOf(next)))?.seq).toBe(2);
  });

  it('never commits on an altered carried state: the stream digest differs, so nothing is written', async () => {
    const state = await fundedTransfer('s4', 'w-s4');
    const payload = JSON.parse(steps.streamOf(state)!) as { events: { data: string }[] };
    // An insider's edit of the state on its way between steps: a larger amount.
    payload.events[0]!.data = payload.events[0]!.data.replace(
      /"amount":\{"\$bigint":"\d+"\}/,
      '"amount":{"$bigint":"1"}',
    );
    const altered = await steps.resume('s4', JSON.stringify(payload));
    expect(altered?.amount).toBe(1n);
    await expect(steps.append(altered!, [event('s4', 2, 'SCREENING_STARTED', {})])).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store.read('s4')).map((e) => e.type)).toEqual(['SUBMITTED']);
  });

  it('never commits on a stale carried state, and a carried state of another transfer is not used', async () => {
    const state = await fundedTransfer('s5', 'w-s5');
    const carried = steps.streamOf(state);
    await steps.append(state, [event('s5', 2, 'CANCEL_REQUESTED', { requestedBy: 'alice' })]);
    const stale = await steps.resume('s5', carried);
    await expect(steps.append(stale!, [event('s5', 2, 'SCREENING_STARTED', {})])).rejects.toBeInstanceOf(ConflictError);
    expect((await store.read('s5')).map((e) => e.type)).toEqual(['SUBMITTED', 'CANCEL_REQUESTED']);
    // Another transfer's stream, or garbage, is ignored: the stored state is read.
    expect((await steps.resume('s5', steps.streamOf(await fundedTransfer('s6', 'w-s6'))))?.id).toBe('s5');
    expect((await steps.resume('s5', '{"v":1,"id":"s5","events":[{"sk":1}]}'))?.seq).toBe(2);
  });

  it('drops a posting recorded before (a retried step) and still appends its events', async () => {
    const state = await fundedTransfer('s7', 'w-s7');
    const reservation = {
      transferId: 's7',
      walletId: 'w-s7',
      asset: 'native' as const,
      amount: state.amount,
      feeAllowance: state.feeAllowance,
    };
    const again = reserve(reservation, new Date(Date.UTC(2026, 0, 1)));
    const next = await steps.append(state, [event('s7', 2, 'SCREENING_STARTED', {})], { posting: again });
    expect(next.seq).toBe(2);
    expect((await ledger.balances('w-s7', 'native')).reserved).toBe(state.amount + state.feeAllowance);
  });
});

import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoNonceStore } from '../../../lambdas/adapters/dynamodb/dynamo-nonce-store';
import { DynamoLedgerStore } from '../../../lambdas/adapters/dynamodb/dynamo-ledger-store';
import { toTaggedJson } from '../../../lambdas/adapters/dynamodb/tagged-json';
import { transactWrite } from '../../../lambdas/adapters/dynamodb/transact';
import { reserve } from '../../../lambdas/domain/ledger/transfer-postings';

// DynamoDB Local rarely produces TransactionConflict, so the conflict path is driven by a mock here.
const canceled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
);
const mock = mockClient(doc);
const put = { Put: { TableName: 't', Item: { pk: 'a', sk: 'b' } } };

beforeEach(() => mock.reset());

describe('transactWrite', () => {
  it('reports a TransactionConflict as a conflict', async () => {
    mock.on(TransactWriteCommand).rejects(canceled('None', 'TransactionConflict'));
    await expect(transactWrite(doc, [put, put])).resolves.toEqual({ ok: false, kind: 'conflict' });
  });

  it('names the items whose condition failed', async () => {
    mock.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed', 'None'));
    await expect(transactWrite(doc, [put, put, put])).resolves.toEqual({
      ok: false,
      kind: 'condition',
      failedIndexes: [1],
    });
  });

  it('throws what it cannot classify, and refuses more than 10 items', async () => {
    mock.on(TransactWriteCommand).rejects(canceled('ValidationError'));
    await expect(transactWrite(doc, [put])).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(transactWrite(doc, Array(11).fill(put))).rejects.toThrow(RangeError);
  });
});

describe('a store on the conflict path', () => {
  it('re-reads and retries after TransactionConflict until the write commits', async () => {
    mock.on(GetCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [] });
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('TransactionConflict', 'None'))
      .rejectsOnce(canceled('TransactionConflict', 'None'))
      .resolves({});
    const store = new DynamoNonceStore(doc, 'nonces');
    const reservation = await store.reserve({
      chainId: 1,
      address: '0xabc',
      transferId: 't1',
      chainPendingNonce: 0,
      at: new Date(0),
    });
    expect(reservation.nonce).toBe(0);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(3);
    expect(mock.commandCalls(QueryCommand).length).toBeGreaterThanOrEqual(3);
  });

  it('gives up with STORE.CONTENTION once its time bound passes, not after a fixed count', async () => {
    mock.on(GetCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [] });
    mock.on(TransactWriteCommand).rejects(canceled('TransactionConflict', 'None'));
    const store = new DynamoNonceStore(doc, 'nonces', { timeBoundMs: 150, baseDelayMs: 1, maxDelayMs: 5 });
    await expect(
      store.reserve({ chainId: 1, address: '0xabc', transferId: 't1', chainPendingNonce: 0, at: new Date(0) }),
    ).rejects.toMatchObject({ code: 'STORE.CONTENTION' });
    expect(mock.commandCalls(TransactWriteCommand).length).toBeGreaterThan(3);
  });
});

describe('the ledger store on the conflict path', () => {
  it('re-reads balances and retries after TransactionConflict, then commits the posting once', async () => {
    const funded = {
      kind: 'wallet',
      seq: 1,
      at: new Date(0),
      available: 100n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
      outflowReserved: 0n,
      outflowReleased: 0n,
    };
    const entry = {
      pk: 'ACCT#w#native#wallet',
      sk: '000000000001',
      at: new Date(0).toISOString(),
      postingId: 'd:deposit-confirmed',
      account: toTaggedJson({ walletId: 'w', asset: 'native', kind: 'wallet' }),
      legs: '[]',
      state: toTaggedJson(funded),
    };
    mock.on(GetCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [entry] });
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('TransactionConflict', 'None', 'None'))
      .resolves({});
    const store = new DynamoLedgerStore(doc, 'ledger');
    const outcome = await store.post(
      reserve({ transferId: 't1', walletId: 'w', asset: 'native', amount: 10n, feeAllowance: 1n }, new Date(1)),
    );
    expect(outcome.replayed).toBe(false);
    expect(outcome.entries[0]?.state).toMatchObject({ seq: 2, available: 89n, reserved: 11n });
    const writes = mock.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(2);
    expect(writes[1]!.args[0].input.TransactItems?.[0]?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });
});

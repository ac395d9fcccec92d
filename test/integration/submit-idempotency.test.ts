import { DynamoAuditLog } from '../../lambdas/adapters/dynamodb/dynamo-audit-log';
import { PageTokens } from '../../lambdas/adapters/dynamodb/page-token';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamodb/dynamo-ledger-store';
import { DynamoTransferEventStore } from '../../lambdas/adapters/dynamodb/dynamo-transfer-event-store';
import { DynamoTransferSubmissionStore } from '../../lambdas/adapters/dynamodb/dynamo-transfer-submission-store';
import { DynamoWalletStore } from '../../lambdas/adapters/dynamodb/dynamo-wallet-store';
import { depositConfirmed, depositSeen } from '../../lambdas/domain/ledger/deposit-postings';
import type { Principal } from '../../lambdas/domain/principal';
import { submitTransfer, type SubmitTransferDeps } from '../../lambdas/use-cases/transfers/submit-transfer';
import { transferIdOf } from '../../lambdas/use-cases/transfers/transfer-id-of';
import { freshTables, type TestTables } from '../support/dynamodb';
import { testCheckpointSigner } from '../support/test-checkpoint-signer';
import { recordRequests, type RequestRecorder } from '../support/request-recorder';
import { configOnlyChains, MemoryWorkflowEngine } from '../support/transfer-fakes';

// Submit's idempotency on DynamoDB Local: the SUBMITTED event's conditional put and its fingerprint
// decide, with the real event, ledger and wallet stores. The audit log and the workflow are fakes
// (they have their own tests), except in the count of a whole submit; every DynamoDB request is
// counted by its command name.

const WALLET_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const OPERATOR: Principal = { id: 'operator-1', roles: ['operator'] };
const ETH = 10n ** 18n;
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand']);

let tables: TestTables;
let deps: SubmitTransferDeps;
let events: DynamoTransferEventStore;
let ledger: DynamoLedgerStore;
let workflow: MemoryWorkflowEngine;
let audit: DynamoAuditLog;
let requests: RequestRecorder;
let traces = 0;

beforeAll(async () => {
  tables = await freshTables();
  requests = recordRequests(tables.client);
  ledger = new DynamoLedgerStore(tables.doc, tables.names.ledger);
  audit = new DynamoAuditLog(tables.doc, tables.names.audit, testCheckpointSigner());
  events = new DynamoTransferEventStore(
    tables.doc,
    { events: tables.names.events, transfers: tables.names.transfers },
    PageTokens.ephemeral(),
    { ledger, audit },
  );
  const wallets = new DynamoWalletStore(tables.doc, tables.names.events);
  workflow = new MemoryWorkflowEngine();
  deps = {
    wallets,
    chains: configOnlyChains(),
    submissions: new DynamoTransferSubmissionStore(events, ledger),
    events,
    workflow,
    audit,
    clock: () => new Date(),
  };
  await wallets.append(undefined, [
    {
      walletId: 'w-1',
      seq: 1,
      type: 'WALLET_CREATED',
      at: new Date(),
      actor: 'admin-1',
      data: { name: 'w-1', chainId: 31337, keyScheme: 'kms', keyId: 'key-w-1', address: WALLET_ADDRESS },
    },
  ]);
  const deposit = { depositId: 'dep-w-1', walletId: 'w-1', asset: 'native' as const, amount: 100n * ETH };
  await ledger.post(depositSeen(deposit, new Date()));
  await ledger.post(depositConfirmed(deposit, new Date()));
});
afterAll(() => tables.client.destroy());

const body = (overrides: object = {}) => ({
  walletId: 'w-1',
  to: ALICE,
  asset: 'native',
  amount: '1000',
  ...overrides,
});
const submit = (key: string, json: object) =>
  submitTransfer(deps, { principal: OPERATOR, idempotencyKey: key, body: json, traceId: `trace-${++traces}` });

/** The requests `run` sends, by command name. */
const counted = <T>(run: () => Promise<T>) => requests.during(run);

/** A transfer's event types and the wallet's reserved native balance. */
async function held(transferId: string) {
  const stream = await events.read(transferId);
  const reserved = (await ledger.balances('w-1', 'native')).reserved;
  return { types: stream.map((e) => e.type), reserved };
}

describe('submit on DynamoDB Local', () => {
  it('one submit: SUBMITTED with its fingerprint and the reservation in one transaction; its requests counted', async () => {
    const { value: first, sent, rounds } = await counted(() => submit('idem-first-0001', body()));
    expect(first).toMatchObject({ status: 'SUBMITTED', traceId: `trace-${traces}` });
    const [submitted] = await events.read(first.id);
    expect(submitted?.type === 'SUBMITTED' && submitted.data.requestFingerprint).toMatch(/^0x[0-9a-f]{64}$/);
    // One round trip of reads (the wallet's stream and the ledger account's newest entry, in parallel)
    // and one transaction: SUBMITTED, EXECUTION_STARTED, the reservation, the listing and the audit record.
    expect([...sent].sort()).toEqual(['QueryCommand', 'QueryCommand', 'TransactWriteItemsCommand']);
    expect(rounds).toBe(2);
    expect((await audit.trail(first.traceId)).records.map((r) => r.action)).toEqual(['TRANSFER_SUBMITTED']);
  });

  it('the same body again answers the same and writes nothing; another body is 409 and writes nothing', async () => {
    const first = await submit('idem-replay-0001', body({ note: 'payout' }));
    const before = await held(first.id);
    const startsBefore = workflow.starts.length;
    const auditBefore = (await audit.trail(first.traceId)).records.length;

    const { value: again, sent } = await counted(() =>
      submit('idem-replay-0001', { note: 'payout', amount: '1000', asset: 'native', to: ALICE, walletId: 'w-1' }),
    );
    expect(again).toEqual(first);
    // The replay is found by the submit transaction's conditions (no read ahead of it): one refused
    // TransactWriteItems, which writes nothing (the held funds, starts and audit records below agree).
    expect(sent.filter((c) => WRITES.has(c))).toEqual(['TransactWriteItemsCommand']);

    const reused = await counted(() =>
      submit('idem-replay-0001', body({ note: 'payout', amount: '2000' })).catch((e) => e),
    );
    expect(reused.value).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
    // Refused the same way: one refused transaction, then the fingerprints compared.
    expect(reused.sent.filter((c) => WRITES.has(c))).toEqual(['TransactWriteItemsCommand']);

    expect(await held(first.id)).toEqual(before);
    expect(workflow.starts).toHaveLength(startsBefore);
    expect((await audit.trail(first.traceId)).records).toHaveLength(auditBefore);
  });

  it('ten concurrent identical submits make one transfer, and all answer its id', async () => {
    const key = 'idem-concurrent-same';
    const reservedBefore = (await ledger.balances('w-1', 'native')).reserved;
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit(key, body({ amount: '3000' }))));
    const id = transferIdOf(OPERATOR.id, key);
    expect(answers.map((a) => a.id)).toEqual(Array(10).fill(id));
    expect(new Set(answers.map((a) => a.traceId)).size).toBe(1);
    const stream = await events.read(id);
    expect(stream.map((e) => e.type)).toEqual(['SUBMITTED', 'EXECUTION_STARTED']);
    expect(workflow.executions.filter((name) => name === id)).toHaveLength(1);
    expect(workflow.starts.filter((s) => s.executionName === id)).toHaveLength(1);
    expect((await audit.trail(answers[0]!.traceId)).records).toHaveLength(1);
    // One reservation: the amount and one fee allowance more than before.
    const [submitted] = stream;
    if (submitted?.type !== 'SUBMITTED') throw new Error('no SUBMITTED');
    expect((await ledger.balances('w-1', 'native')).reserved - reservedBefore).toBe(
      3000n + submitted.data.feeAllowance,
    );
  });

  it('ten concurrent submits with different bodies under one key make one transfer; the others are 409', async () => {
    const key = 'idem-concurrent-different';
    const reservedBefore = (await ledger.balances('w-1', 'native')).reserved;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => submit(key, body({ amount: String(5000 + i) }))),
    );
    const accepted = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []));
    expect(accepted).toHaveLength(1);
    expect(refused).toEqual(Array(9).fill('IDEMPOTENCY.KEY_REUSED'));
    const stream = await events.read(accepted[0]!.id);
    expect(stream.map((e) => e.type)).toEqual(['SUBMITTED', 'EXECUTION_STARTED']);
    const [submitted] = stream;
    if (submitted?.type !== 'SUBMITTED') throw new Error('no SUBMITTED');
    expect((await ledger.balances('w-1', 'native')).reserved - reservedBefore).toBe(
      submitted.data.amount + submitted.data.feeAllowance,
    );
    expect(workflow.starts.filter((s) => s.executionName === accepted[0]!.id)).toHaveLength(1);
  });
});

import type { Principal } from '../../../../lambdas/domain/principal';
import {
  submitTransfer,
  SUBMIT_IN_FLIGHT_MS,
  type SubmitTransferDeps,
} from '../../../../lambdas/use-cases/transfers/submit-transfer';
import {
  configOnlyChains,
  MemoryAuditEntries,
  MemoryTransferEventStore,
  MemoryTransferSubmissionStore,
  MemoryWalletReads,
  MemoryWorkflowEngine,
} from '../../../support/transfer-fakes';

const WALLET_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const OPERATOR: Principal = { id: 'operator-1', roles: ['operator'] };
const KEY = 'submit-key-0001';

function world() {
  let now = new Date('2026-12-05T12:00:00.000Z');
  const events = new MemoryTransferEventStore();
  const submissions = new MemoryTransferSubmissionStore(events);
  const wallets = new MemoryWalletReads();
  wallets.put('w-1', WALLET_ADDRESS);
  const workflow = new MemoryWorkflowEngine();
  const audit = new MemoryAuditEntries();
  events.audit = audit;
  const deps: SubmitTransferDeps = {
    wallets: wallets.asWalletStore(),
    chains: configOnlyChains(),
    submissions,
    events,
    workflow,
    audit: audit.asAuditLog(),
    clock: () => now,
  };
  let traces = 0;
  const submit = (body: object, options: { key?: string; principal?: Principal } = {}) =>
    submitTransfer(deps, {
      principal: options.principal ?? OPERATOR,
      idempotencyKey: options.key ?? KEY,
      body,
      traceId: `trace-${++traces}`,
    });
  /** What a replay must leave alone: events, reservations, audit entries, executions. */
  const written = () => ({
    events: events.appended.length,
    reservations: submissions.reservations.length,
    audit: audit.entries.length,
    executions: workflow.executions.length,
  });
  const later = (ms: number) => (now = new Date(now.getTime() + ms));
  return { deps, events, submissions, wallets, workflow, audit, submit, written, later };
}

const body = (overrides: object = {}) => ({
  walletId: 'w-1',
  to: ALICE,
  asset: 'native',
  amount: '1000',
  ...overrides,
});

describe('submitTransfer: the first submit under a key', () => {
  it('records SUBMITTED with the body fingerprint and the reservation, audits it, starts its workflow', async () => {
    const w = world();
    const answer = await w.submit(body({ note: 'payout' }));
    expect(answer).toEqual({ id: expect.stringMatching(/^tx-[0-9a-f]{32}$/), status: 'SUBMITTED', traceId: 'trace-1' });
    const stream = await w.events.read(answer.id);
    expect(stream.map((e) => e.type)).toEqual(['SUBMITTED', 'EXECUTION_STARTED']);
    expect(stream[0]!.type === 'SUBMITTED' && stream[0]!.data.requestFingerprint).toMatch(/^0x[0-9a-f]{64}$/);
    expect(w.submissions.reservations).toHaveLength(1);
    expect(w.audit.entries.map((e) => [e.traceId, e.action])).toEqual([['trace-1', 'TRANSFER_SUBMITTED']]);
    // The memory store hands on no state: the first step reads it ('').
    expect(w.workflow.starts).toEqual([
      { executionName: answer.id, input: { transferId: answer.id, step: { stream: '' } } },
    ]);
  });
});

describe('submitTransfer: a replay with the same body', () => {
  it('answers as the first submit did (id, trace id, current status) and writes nothing', async () => {
    const w = world();
    const first = await w.submit(body({ note: 'payout' }));
    const before = w.written();
    // The same JSON value with its members in another order: the same body.
    const again = await w.submit({ note: 'payout', amount: '1000', asset: 'native', to: ALICE, walletId: 'w-1' });
    expect(again).toEqual(first);
    expect(w.written()).toEqual(before);
    expect(w.workflow.starts).toHaveLength(1);
  });

  it('answers the same even when the submit would now be refused (the wallet was frozen since)', async () => {
    const w = world();
    const first = await w.submit(body());
    w.wallets.put('w-1', WALLET_ADDRESS, 'FROZEN');
    const before = w.written();
    await expect(w.submit(body())).resolves.toEqual(first);
    expect(w.written()).toEqual(before);
  });

  it('answers a transfer submitted before fingerprints were recorded as a replay', async () => {
    const w = world();
    const first = await w.submit(body());
    const stream = await w.events.read(first.id);
    // The stored SUBMITTED without its fingerprint, as older transfers are.
    const legacy = new MemoryTransferEventStore();
    const [submitted, ...rest] = stream;
    if (submitted?.type !== 'SUBMITTED') throw new Error('no SUBMITTED');
    const { requestFingerprint: _dropped, ...data } = submitted.data;
    const state = await legacy.append(undefined, [{ ...submitted, data }]);
    await legacy.append(state, rest);
    const replay = await submitTransfer(
      { ...w.deps, events: legacy, submissions: new MemoryTransferSubmissionStore(legacy) },
      { principal: OPERATOR, idempotencyKey: KEY, body: body({ amount: '5' }), traceId: 'trace-x' },
    );
    expect(replay).toEqual(first);
  });
});

describe('submitTransfer: the same key with another body', () => {
  it('is refused with 409 IDEMPOTENCY.KEY_REUSED and writes nothing', async () => {
    const w = world();
    await w.submit(body());
    const before = w.written();
    await expect(w.submit(body({ amount: '1001' }))).rejects.toMatchObject({
      code: 'IDEMPOTENCY.KEY_REUSED',
      message: 'this Idempotency-Key was already used with a different request body',
    });
    await expect(w.submit(body({ note: 'added' }))).rejects.toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(w.written()).toEqual(before);
  });

  it('is refused even when the other body names a wallet that does not exist', async () => {
    const w = world();
    await w.submit(body());
    await expect(w.submit(body({ walletId: 'w-none' }))).rejects.toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
  });

  it('is a transfer of its own for another caller', async () => {
    const w = world();
    const mine = await w.submit(body());
    const theirs = await w.submit(body({ amount: '7' }), { principal: { id: 'operator-2', roles: ['operator'] } });
    expect(theirs.id).not.toBe(mine.id);
    expect(w.workflow.executions).toEqual([mine.id, theirs.id]);
  });
});

describe('submitTransfer: a refused first submit', () => {
  it('writes nothing, and a retry under the same key may succeed', async () => {
    const w = world();
    w.wallets.put('w-1', WALLET_ADDRESS, 'FROZEN');
    await expect(w.submit(body())).rejects.toMatchObject({ code: 'WALLET.NOT_ACTIVE' });
    expect(w.written()).toEqual({ events: 0, reservations: 0, audit: 0, executions: 0 });
    w.wallets.put('w-1', WALLET_ADDRESS, 'ACTIVE');
    await expect(w.submit(body())).resolves.toMatchObject({ status: 'SUBMITTED' });
  });
});

describe('submitTransfer: concurrent submits under one key', () => {
  /** Lets every submit reach the commit before any of them commits. */
  function interleave(w: ReturnType<typeof world>, count: number) {
    let waiting = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    w.submissions.beforeCommit = () => {
      if (++waiting === count) release();
      return all;
    };
  }

  it('ten identical submits make one transfer, and all answer its id', async () => {
    const w = world();
    interleave(w, 10);
    const answers = await Promise.all(Array.from({ length: 10 }, () => w.submit(body())));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.traceId)).size).toBe(1);
    expect(w.submissions.reservations).toHaveLength(1);
    expect(w.audit.entries).toHaveLength(1);
    expect(w.workflow.executions).toEqual([answers[0]!.id]);
    expect(w.workflow.starts).toHaveLength(1);
  });

  it('ten submits with different bodies make one transfer; the nine others are 409', async () => {
    const w = world();
    interleave(w, 10);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => w.submit(body({ amount: String(1000 + i) }))),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { code: string }] : []));
    expect(accepted).toHaveLength(1);
    expect(refused.map((e) => e.code)).toEqual(Array(9).fill('IDEMPOTENCY.KEY_REUSED'));
    expect(w.submissions.reservations).toHaveLength(1);
    expect(w.workflow.executions).toHaveLength(1);
  });
});

describe('submitTransfer: a first submit that died after its transaction', () => {
  it('before starting its workflow: a replay in flight waits; a later one starts it and writes nothing', async () => {
    const w = world();
    const start = w.workflow.start.bind(w.workflow);
    let failing = true;
    w.workflow.start = async (name, input) =>
      failing ? Promise.reject(new Error('the process died')) : start(name, input);
    await expect(w.submit(body())).rejects.toThrow('the process died');
    failing = false;
    // EXECUTION_STARTED is recorded, the execution never was.
    expect(w.written()).toEqual({ events: 2, reservations: 1, audit: 1, executions: 0 });

    await w.submit(body());
    expect(w.written()).toEqual({ events: 2, reservations: 1, audit: 1, executions: 0 });
    w.later(SUBMIT_IN_FLIGHT_MS);
    const answer = await w.submit(body());
    expect(w.written()).toEqual({ events: 2, reservations: 1, audit: 1, executions: 1 });
    expect(w.workflow.executions).toEqual([answer.id]);
  });
});

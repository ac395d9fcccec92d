import { MemoryJobLedger } from '../../../../enclave-host/host/memory-job-ledger';
import type {
  TransferEvent,
  TransferEventData,
  TransferEventType,
} from '../../../../lambdas/domain/lifecycle/transfer-events';
import { voidEnclaveJob, type VoidEnclaveJobDeps } from '../../../../lambdas/use-cases/transfers/enclave-signing';
import { agentKeyAnswer } from '../../../support/enclave-answers';
import { MemoryTransferEventStore } from '../../../support/transfer-fakes';

// VoidEnclaveJob's decisions from the job ledger, in memory. The signed-after-all path (a signature
// verified against the proof and recorded) runs end to end in test/e2e/enclave-fail-safe.test.ts.

const ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
const TRANSFER = 'tx-1';
const JOB = `${TRANSFER}:1:p1`;

type Step = { [T in TransferEventType]: { type: T; data: TransferEventData[T] } }[TransferEventType];

const UNTIL_SIGNING = (keyScheme: string): Step[] => [
  {
    type: 'SUBMITTED',
    data: {
      walletId: 'w-1',
      initiatorId: 'alice',
      traceId: 'trace-1',
      chainId: 31337,
      to: ADDRESS,
      asset: 'native',
      amount: 5n,
      data: '0x',
      feeAllowance: 2n,
      reserved: { asset: 'native', amount: 7n },
    },
  },
  { type: 'SCREENING_STARTED', data: {} },
  { type: 'SCREENING_CLEARED', data: { provider: 'denylist' } },
  {
    type: 'POLICY_EVALUATED',
    data: { decisionId: 'd1', policyVersion: 1, action: 'ALLOW', matchedRuleIds: ['small'], reason: 'small' },
  },
  {
    type: 'TRANSACTION_PREPARED',
    data: {
      transaction: {
        chainId: 31337,
        nonce: 0,
        from: ADDRESS,
        to: ADDRESS,
        value: 5n,
        data: '0x',
        gasLimit: 21000n,
        maxFeePerGas: 2n,
        maxPriorityFeePerGas: 1n,
      },
    },
  },
  { type: 'AUTHORIZED', data: { proofId: 'p1', validUntil: '2026-01-01T00:05:00.000Z' } },
  { type: 'SIGNING_REQUESTED', data: { attempt: 1, proofId: 'p1', keyScheme } },
];

async function world(keyScheme = 'enclave') {
  const events = new MemoryTransferEventStore();
  const at = new Date('2026-01-01T00:00:00Z');
  const stream = UNTIL_SIGNING(keyScheme).map(
    (step, i) => ({ transferId: TRANSFER, seq: i + 1, at, actor: 'test', ...step }) as TransferEvent,
  );
  await events.append(undefined, stream);
  const ledger = new MemoryJobLedger(() => at);
  const deps = {
    events,
    enclaveJobs: ledger,
    clock: () => at,
    deploymentId: 'test',
    approvalKeyAddress: ADDRESS,
    wallets: {},
    audit: {},
  } as unknown as VoidEnclaveJobDeps;
  const run = (jobId = JOB, error: unknown = 'States.HeartbeatTimeout') =>
    voidEnclaveJob(deps, { transferId: TRANSFER, proof: {}, signature: '0x', jobId, error });
  const types = async () => (await events.read(TRANSFER)).map((e) => e.type);
  return { events, ledger, run, types };
}

describe('VoidEnclaveJob: what became of a signing job whose task failed', () => {
  it('voids a job no host claimed: SIGNING_VOIDED, and no host may claim it afterwards', async () => {
    const w = await world();
    await expect(w.run()).resolves.toMatchObject({ outcome: 'VOIDED' });
    const last = (await w.events.read(TRANSFER)).at(-1);
    expect(last).toMatchObject({
      type: 'SIGNING_VOIDED',
      actor: 'workflow:void-enclave-job',
      data: { attempt: 1, jobId: JOB, reason: expect.stringContaining('States.HeartbeatTimeout') },
    });
    await expect(w.ledger.claim(JOB, 'host-late')).resolves.toMatchObject({ kind: 'voided' });
    const state = await w.events.load(TRANSFER);
    expect(state?.attempts).toEqual([expect.objectContaining({ attempt: 1, voided: true })]);
  });

  it('treats a refusal as definite: SIGNING_VOIDED naming the code', async () => {
    const w = await world();
    await w.ledger.claim(JOB, 'host-1');
    await w.ledger.answer(JOB, 'host-1', { kind: 'refused', code: 'ENCLAVE.PROOF_INVALID', message: 'bad proof' });
    await expect(w.run(JOB, 'ENCLAVE.PROOF_INVALID')).resolves.toMatchObject({ outcome: 'VOIDED' });
    expect((await w.events.read(TRANSFER)).at(-1)).toMatchObject({
      type: 'SIGNING_VOIDED',
      data: { reason: expect.stringContaining('ENCLAVE.PROOF_INVALID') },
    });
  });

  it('writes nothing while a host holds the job without an answer: EnclaveJobInFlightError, for the Retry', async () => {
    const w = await world();
    await w.ledger.claim(JOB, 'host-1');
    const before = await w.types();
    await expect(w.run()).rejects.toMatchObject({ name: 'EnclaveJobInFlightError', code: 'ENCLAVE.JOB_IN_FLIGHT' });
    expect(await w.types()).toEqual(before);
  });

  it('answers a retried step from the stream, once', async () => {
    const w = await world();
    await w.run();
    const after = await w.types();
    await expect(w.run()).resolves.toMatchObject({ outcome: 'VOIDED' });
    expect(await w.types()).toEqual(after);
    expect(after.filter((t) => t === 'SIGNING_VOIDED')).toHaveLength(1);
  });

  it('refuses a key job answer for a signing job, writing nothing', async () => {
    const w = await world();
    await w.ledger.claim(JOB, 'host-1');
    await w.ledger.answer(JOB, 'host-1', {
      kind: 'created',
      result: await agentKeyAnswer({ deployment: 'test', walletId: 'w-1', address: ADDRESS }, () => new Uint8Array(3)),
    });
    const before = await w.types();
    await expect(w.run()).rejects.toMatchObject({ code: 'SIGNER.SIGNATURE_MISMATCH' });
    expect(await w.types()).toEqual(before);
  });

  it.each([
    ['another transfer', 'tx-2:1:p1'],
    ['another attempt', `${TRANSFER}:2:p1`],
    ['another proof', `${TRANSFER}:1:p9`],
    ['extra parts', `${TRANSFER}:1:p1:x`],
  ])('refuses a job id of %s (400 naming jobId), voiding nothing', async (_name, jobId) => {
    const w = await world();
    await expect(w.run(jobId)).rejects.toMatchObject({ name: 'ValidationError', details: { field: 'jobId' } });
    await expect(w.ledger.claim(jobId, 'host-1')).resolves.toEqual({ kind: 'claimed' });
  });

  it('never voids a kms attempt: only the chain can end it', async () => {
    const w = await world('kms');
    await expect(w.run()).rejects.toMatchObject({ code: 'SIGNER.FORBIDDEN_PAYLOAD' });
    await expect(w.ledger.claim(JOB, 'host-1')).resolves.toEqual({ kind: 'claimed' });
  });
});

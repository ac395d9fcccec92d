import { createPublicClient, http, parseEther, type Address } from 'viem';
import type { TransferEvent } from '../../lambdas/domain/lifecycle/transfer-events';
import type { SqsMessageSender } from '../../local/workflow/local-workflow-engine';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Issue 15: when the enclave cannot sign, an enclave wallet's transfer fails safe. The signing task's
 * HeartbeatSeconds (180 s, scaled to 18 s here) gives up on a host that never answers; VoidEnclaveJob
 * then settles the job in the shared job ledger before anything is decided: voided (no host had
 * claimed it, and none ever will) or refused → the attempt is proved unsigned, the nonce is filled by
 * a cancellation if the enclave can sign one, and the transfer ends FAILED with its funds released;
 * signed after all (a lost callback) → the signature is recorded and the transfer completes. Nothing
 * is ever signed by another signer.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const logLines: string[] = [];
let api: StackUnderTest;
/** What the next signing job's delivery does: go as sent, carry a tampered proof, or carry a task token nobody waits on. */
let nextJob: 'as-sent' | 'tamper-proof' | 'lose-callback' = 'as-sent';

const deliver =
  (inner: SqsMessageSender): SqsMessageSender =>
  async (queueUrl, body, message) => {
    const mode = nextJob;
    nextJob = 'as-sent';
    if (mode === 'as-sent') return inner(queueUrl, body, message);
    const job = JSON.parse(body) as Record<string, unknown>;
    if (mode === 'tamper-proof') {
      // One wei more than the approval key signed: the enclave's proof check refuses it.
      const proof = job.proof as { transaction: Record<string, string> };
      job.proof = {
        ...proof,
        transaction: { ...proof.transaction, value: String(BigInt(proof.transaction.value ?? '0') + 1n) },
      };
    } else {
      // The host signs and calls back on a token no task waits on (a callback lost on the way): the
      // real task hears nothing and times out.
      job.taskToken = `${String(job.taskToken)}-lost`;
    }
    return inner(queueUrl, JSON.stringify(job), message);
  };

beforeAll(async () => {
  api = await startStackUnderTest({
    log: (line) => logLines.push(line),
    wrapSendMessage: deliver,
    heartbeatTimeScale: 0.1,
  });
  await api.stack.enclave.ready();
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

async function enclaveWallet(name: string, funderIndex: number): Promise<{ id: string; address: Address }> {
  const admin = await api.token('fail-safe-admin', ['admin']);
  const wallet = await api.ok('POST', '/v1/wallets', admin, { name, chainId: 31337, keyScheme: 'enclave' });
  await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [{ id: 'agents', match: {}, action: { type: 'ALLOW' } }],
    limits: {},
  });
  await api.deposit(wallet as { id: string; address: string }, parseEther('1'), admin, funderIndex);
  return { id: wallet.id as string, address: wallet.address as Address };
}

async function available(walletId: string): Promise<bigint> {
  const admin = await api.token('fail-safe-admin', ['admin']);
  const view = await api.ok('GET', `/v1/wallets/${walletId}`, admin);
  const balances = view.balances as { asset: string; available: string }[];
  return BigInt(balances.find((b) => b.asset === 'native')?.available ?? '0');
}

async function transferToEnd(walletId: string, amount: string): Promise<{ id: string; status: string }> {
  const operator = await api.token('fail-safe-ops', ['operator']);
  const accepted = await api.ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId, to: RECIPIENT, asset: 'native', amount: parseEther(amount).toString() },
    { 'idempotency-key': `fail-safe-${walletId}-${amount}` },
  );
  try {
    return await poll(
      async () => {
        const view = await api.ok('GET', `/v1/transactions/${accepted.id}`, operator);
        return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string)
          ? { id: accepted.id as string, status: view.status as string }
          : undefined;
      },
      'the enclave transfer to end',
      150_000,
    );
  } catch (error) {
    // Where it stopped, for whoever reads the failure: its events and the host's last lines.
    const events = typesOf(await api.stack.deps.events.read(accepted.id as string)).join(' → ');
    const host = logLines
      .filter((l) => l.includes('job'))
      .slice(-6)
      .join('\n');
    throw new Error(`${(error as Error).message}: ${events}\n${host}`, { cause: error });
  }
}

const typesOf = (events: readonly TransferEvent[]) => events.map((e) => e.type);

async function nonceOnChain(address: Address): Promise<number> {
  const client = createPublicClient({ transport: http(api.stack.anvil.rpcUrl) });
  return client.getTransactionCount({ address, blockTag: 'latest' });
}

it('with the enclave host down, the transfer waits, then ends FAILED with its funds released and nothing signed', async () => {
  const wallet = await enclaveWallet('down', 6);
  const before = await available(wallet.id);
  const host = api.stack.enclave.host();
  await host?.stop();
  try {
    const ended = await transferToEnd(wallet.id, '0.2');
    expect(ended.status).toBe('FAILED');
    const events = await api.stack.deps.events.read(ended.id);
    const types = typesOf(events);
    // The transfer's job, then the cancellation's at its nonce: each voided, neither signed.
    expect(types.filter((t) => t === 'SIGNING_REQUESTED')).toHaveLength(2);
    expect(types.filter((t) => t === 'SIGNING_VOIDED')).toHaveLength(2);
    expect(types).not.toContain('SIGNED');
    expect(types).toContain('FUNDS_RELEASED');
    const voided = events.filter((e) => e.type === 'SIGNING_VOIDED');
    expect(voided.map((e) => (e.data as { reason: string }).reason)).toEqual([
      expect.stringContaining('States.HeartbeatTimeout'),
      expect.stringContaining('States.HeartbeatTimeout'),
    ]);
    // The reserved nonce stays unfilled: said so, for an operator to fill once the enclave is back.
    const reconciliation = events.filter((e) => e.type === 'RECONCILIATION_REQUIRED');
    expect(reconciliation.map((e) => (e.data as { reason: string }).reason)).toEqual([
      expect.stringMatching(/nonce 0 was reserved and could not be filled/),
    ]);
    expect(await available(wallet.id)).toBe(before);
  } finally {
    host?.start();
  }
  // The host comes back to both jobs still on the queue: each is voided, so neither is signed.
  const voidedJobs = await poll(async () => {
    const lines = logLines.filter((l) => l.includes('signing job handled') && l.includes('"outcome":"voided"'));
    return lines.length >= 2 ? lines : undefined;
  }, 'the host to find both voided jobs');
  expect(voidedJobs).toHaveLength(2);
  expect(await nonceOnChain(wallet.address)).toBe(0);
}, 240_000);

it('when the enclave refuses a job, the nonce is filled by a cancellation it signs, and the transfer ends FAILED with its funds back', async () => {
  const wallet = await enclaveWallet('refused', 7);
  const before = await available(wallet.id);
  nextJob = 'tamper-proof';
  const ended = await transferToEnd(wallet.id, '0.3');
  expect(ended.status).toBe('FAILED');
  const events = await api.stack.deps.events.read(ended.id);
  const voided = events.filter((e) => e.type === 'SIGNING_VOIDED');
  expect(voided.map((e) => (e.data as { attempt: number; reason: string }).attempt)).toEqual([1]);
  expect((voided[0]?.data as { reason: string }).reason).toMatch(/refused the job \(ENCLAVE\.[A-Z_]+\)/);
  // Attempt 2 is the cancellation: a zero-value transaction to the wallet itself, mined at nonce 0.
  const signed = events.filter((e) => e.type === 'SIGNED');
  expect(signed).toHaveLength(1);
  expect(signed[0]?.data).toMatchObject({
    attempt: 2,
    transaction: { nonce: 0, value: 0n, to: wallet.address },
  });
  expect(typesOf(events)).toContain('CHAIN_OUTCOME');
  expect(await nonceOnChain(wallet.address)).toBe(1);
  // Only the cancellation's fee was spent.
  const fee = (events.find((e) => e.type === 'CHAIN_OUTCOME')?.data as { outcome: { fee: bigint } }).outcome.fee;
  await poll(
    async () => ((await available(wallet.id)) === before - fee ? true : undefined),
    'the funds back, less the fee',
  );
}, 240_000);

it('when the callback is lost after signing, the signature is found in the job ledger and the transfer completes', async () => {
  const wallet = await enclaveWallet('lost-callback', 8);
  nextJob = 'lose-callback';
  const ended = await transferToEnd(wallet.id, '0.1');
  expect(ended.status).toBe('COMPLETED');
  const events = await api.stack.deps.events.read(ended.id);
  const types = typesOf(events);
  expect(types).not.toContain('SIGNING_VOIDED');
  expect(types.filter((t) => t === 'SIGNING_REQUESTED')).toHaveLength(1);
  expect(types.filter((t) => t === 'SIGNED')).toHaveLength(1);
  expect(await nonceOnChain(wallet.address)).toBe(1);
}, 240_000);

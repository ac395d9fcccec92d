import { parseEther, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Issue 15 on the local runtime: an `enclave` wallet's key is made and sealed inside the enclave
 * program (a child process with the synthetic NSM), registered only after its attestation verified,
 * and its transfer is signed by the enclave through the signing queue and the real signing host,
 * then broadcast and confirmed on anvil.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;

beforeAll(async () => {
  api = await startStackUnderTest();
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

it('creates an enclave wallet from an attested key and completes its transfer on anvil', async () => {
  const admin = await api.token('enclave-admin', ['admin']);
  const operator = await api.token('enclave-ops', ['operator']);
  const wallet = await api.ok('POST', '/v1/wallets', admin, { name: 'agent', chainId: 31337, keyScheme: 'enclave' });
  expect(wallet.keyScheme).toBe('enclave');
  const stored = await api.stack.deps.wallets.get(wallet.id as string);
  expect(stored?.sealedKey?.context).toEqual({
    deployment: 'strongroom-local',
    walletId: wallet.id,
    purpose: 'agent-key',
    version: '1',
  });
  expect(stored?.keyId).toBe(`enclave:${String(wallet.id)}:v1`);
  await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [{ id: 'agents', match: {}, action: { type: 'ALLOW' } }],
    limits: {},
  });
  await api.deposit(wallet as { id: string; address: string }, parseEther('1'), admin, 5);
  const accepted = await api.ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId: wallet.id, to: RECIPIENT, asset: 'native', amount: parseEther('0.25').toString() },
    { 'idempotency-key': `enclave-${Date.now()}` },
  );
  const done = await poll(async () => {
    const view = await api.ok('GET', `/v1/transactions/${accepted.id}`, operator);
    return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string) ? view : undefined;
  }, 'the enclave transfer to end');
  expect(done.status).toBe('COMPLETED');
  const events = await api.stack.deps.events.read(accepted.id as string);
  const signed = events.find((e) => e.type === 'SIGNED');
  const raw = (signed?.data as { rawTransaction: Hex }).rawTransaction;
  expect(await recoverTransactionAddress({ serializedTransaction: raw as never })).toBe(wallet.address);
  expect(parseTransaction(raw).to?.toLowerCase()).toBe(RECIPIENT.toLowerCase());
}, 180_000);

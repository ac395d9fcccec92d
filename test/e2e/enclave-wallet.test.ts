import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import { deliverTwice } from '../support/deliver-twice';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';
import { everythingWritten, privateKeysOf } from '../support/secret-scan';

/**
 * Issue 15 on the local runtime: an `enclave` wallet's key is made and sealed inside the enclave
 * program (a child process with the synthetic NSM), registered only after its attestation verified,
 * and its transfer is signed by the enclave through the signing queue and the real signing host,
 * then broadcast and confirmed on anvil.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let dataDir: string;
const logLines: string[] = [];
let walletId: string;
let walletAddress: string;
const jobs = deliverTwice();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strongroom-e2e-enclave-'));
  api = await startStackUnderTest({ dataDir, log: (line) => logLines.push(line), wrapSendMessage: jobs.wrap });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function transfer(amount: string): Promise<{ id: string; status: string }> {
  const operator = await api.token('enclave-ops', ['operator']);
  const accepted = await api.ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId, to: RECIPIENT, asset: 'native', amount: parseEther(amount).toString() },
    { 'idempotency-key': `enclave-${amount}-${Date.now()}` },
  );
  return poll(async () => {
    const view = await api.ok('GET', `/v1/transactions/${accepted.id}`, operator);
    return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string)
      ? { id: accepted.id as string, status: view.status as string }
      : undefined;
  }, 'the enclave transfer to end');
}

it('creates an enclave wallet from an attested key and completes its transfer on anvil', async () => {
  const admin = await api.token('enclave-admin', ['admin']);
  const wallet = await api.ok('POST', '/v1/wallets', admin, { name: 'agent', chainId: 31337, keyScheme: 'enclave' });
  walletId = wallet.id as string;
  walletAddress = wallet.address as string;
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
  const accepted = await transfer('0.25');
  expect(accepted.status).toBe('COMPLETED');
  // The job went to the queue twice: one signature, one broadcast, and the second delivery answered
  // from the job ledger's stored answer (its task had closed, so the host deleted it).
  expect(jobs.sent()).toBe(1);
  const handled = await poll(async () => {
    const lines = logLines.filter((l) => l.includes('signing job handled') && l.includes(accepted.id));
    return lines.length >= 2 ? lines : undefined;
  }, 'both deliveries to be handled');
  expect(handled.map((l) => /"outcome":"([a-z-]+)"/.exec(l)?.[1]).sort()).toEqual(['answered-again', 'signed']);
  const stream = await api.stack.deps.events.read(accepted.id);
  expect(stream.filter((e) => e.type === 'SIGNED')).toHaveLength(1);
  expect(stream.filter((e) => e.type === 'BROADCAST_ACCEPTED')).toHaveLength(1);
  const events = await api.stack.deps.events.read(accepted.id as string);
  const signed = events.find((e) => e.type === 'SIGNED');
  const raw = (signed?.data as { rawTransaction: Hex }).rawTransaction;
  expect(await recoverTransactionAddress({ serializedTransaction: raw as never })).toBe(wallet.address);
  expect(parseTransaction(raw).to?.toLowerCase()).toBe(RECIPIENT.toLowerCase());

  // No plaintext key anywhere we can look: every table item, every log line (the enclave's and the
  // signing host's included), every outbox message, every file the local enclave wrote. Any 32 bytes
  // (hex or base64) that could be a private key is tried, and none is the wallet's.
  const haystack = await everythingWritten(api, logLines);
  expect(haystack).toContain(String(wallet.address).slice(2).toLowerCase()); // the scan sees what it should
  expect(privateKeysOf(haystack, wallet.address as string)).toEqual([]);
}, 180_000);

it('still signs for the enclave wallet after a restart on the same data directory', async () => {
  await api.stop();
  api = await startStackUnderTest({ dataDir, wrapSendMessage: jobs.wrap });
  const wallet = await api.stack.deps.wallets.get(walletId);
  expect(wallet?.address).toBe(walletAddress);
  expect((await transfer('0.1')).status).toBe('COMPLETED');
}, 180_000);

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import type { HpkeSealed, ShareContext } from '../../enclave-host/contract';
import { generateRecoveryKeyPair, openShare, zeroise } from '../../enclave-host/shares';
import { deliverTwice } from '../support/deliver-twice';
import { startStackUnderTest, type ApiBody, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';
import { everythingWritten, privateKeysOf, sharesOf } from '../support/secret-scan';

/**
 * Issue 16 on the local runtime: an `mpc` wallet (2-of-3 key shares, combined in the enclave) is made
 * inside the enclave program, its share 2 registered with the co-signer, its share 3 returned once to
 * the customer; its transfer is signed by the enclave after the co-signer released share 2 to an
 * attested session, through the signing queue and the real signing host, and confirmed on anvil.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let dataDir: string;
const logLines: string[] = [];
const jobs = deliverTwice();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strongroom-e2e-mpc-'));
  api = await startStackUnderTest({
    dataDir,
    log: (line) => logLines.push(line),
    wrapSendMessage: jobs.wrap,
    // The co-signer's own cap, set apart from any policy: 1 ETH per wallet per 24 h, nothing else.
    coSignerCaps: { default: { native: parseEther('1') } },
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function transfer(walletId: string, amount: string): Promise<ApiBody> {
  const operator = await api.token('mpc-ops', ['operator']);
  const accepted = await api.ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId, to: RECIPIENT, asset: 'native', amount: parseEther(amount).toString() },
    { 'idempotency-key': `mpc-${walletId}-${amount}-${Date.now()}` },
  );
  return poll(async () => {
    const view = await api.ok('GET', `/v1/transactions/${accepted.id}`, operator);
    return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string) ? view : undefined;
  }, 'the mpc transfer to end');
}

it('creates an mpc wallet, returns share 3 once, and completes its transfer on anvil with shares 1 and 2 combined in the enclave', async () => {
  const admin = await api.token('mpc-admin', ['admin']);
  const recovery = await generateRecoveryKeyPair();
  const body = { name: 'shared control', chainId: 31337, keyScheme: 'mpc', recoveryPublicKey: recovery.publicKey };
  const wallet = await api.ok('POST', '/v1/wallets', admin, body, { 'idempotency-key': 'mpc-wallet-1' });
  expect(wallet.keyScheme).toBe('mpc');
  const recoveryShare = wallet.recoveryShare as HpkeSealed;
  const share3Context: ShareContext = {
    deployment: 'strongroom-local',
    walletId: wallet.id as string,
    address: wallet.address as Hex,
    epoch: '1',
    share: '3',
  };
  expect(recoveryShare.context).toEqual(share3Context);
  const share3 = await openShare(recovery.privateKey, recoveryShare, share3Context);

  // Returned once: a retry under the same Idempotency-Key answers the same wallet without it.
  const replay = await api.ok('POST', '/v1/wallets', admin, body, { 'idempotency-key': 'mpc-wallet-1' });
  expect(replay.id).toBe(wallet.id);
  expect(replay.recoveryShare).toBeUndefined();

  const stored = await api.stack.deps.wallets.get(wallet.id as string);
  expect(stored?.sealedKey?.context).toEqual({
    deployment: 'strongroom-local',
    walletId: wallet.id,
    purpose: 'key-share',
    version: '1',
  });

  await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [{ id: 'shared', match: {}, action: { type: 'ALLOW' } }],
    limits: {},
  });
  await api.deposit(wallet as { id: string; address: string }, parseEther('1'), admin, 6);
  const done = await transfer(wallet.id as string, '0.25');
  expect(done.status).toBe('COMPLETED');
  expect(jobs.sent()).toBe(1);
  const stream = await api.stack.deps.events.read(done.id as string);
  expect(stream.filter((e) => e.type === 'SIGNING_REQUESTED').map((e) => e.data)).toEqual([
    expect.objectContaining({ keyScheme: 'mpc' }),
  ]);
  expect(stream.filter((e) => e.type === 'SIGNED')).toHaveLength(1);
  expect(stream.filter((e) => e.type === 'BROADCAST_ACCEPTED')).toHaveLength(1);
  const raw = (stream.find((e) => e.type === 'SIGNED')?.data as { rawTransaction: Hex }).rawTransaction;
  expect(await recoverTransactionAddress({ serializedTransaction: raw as never })).toBe(wallet.address);
  expect(parseTransaction(raw).to?.toLowerCase()).toBe(RECIPIENT.toLowerCase());

  // Both deliveries handled: the first signed (one release by the co-signer), the second answered from the ledger.
  const handled = await poll(async () => {
    const lines = logLines.filter((l) => l.includes('signing job handled') && l.includes(done.id as string));
    return lines.length >= 2 ? lines : undefined;
  }, 'both deliveries to be handled');
  expect(handled.map((l) => /"outcome":"([a-z-]+)"/.exec(l)?.[1]).sort()).toEqual(['answered-again', 'signed']);

  // No plaintext key or share anywhere we can look: no 32 bytes that are the wallet's key, and no 33
  // bytes that rebuild it with the customer's share 3 (nor share 3 itself). The scan finds share 3
  // when it is there, so it would find a leaked one.
  const haystack = await everythingWritten(api, logLines);
  expect(haystack).toContain(String(wallet.address).slice(2).toLowerCase());
  expect(privateKeysOf(haystack, wallet.address as string)).toEqual([]);
  expect(await sharesOf(haystack, wallet.address as string, share3)).toEqual([]);
  expect(
    await sharesOf(`x ${Buffer.from(share3).toString('base64')} y`, wallet.address as string, share3),
  ).toHaveLength(1);
  zeroise(share3, recovery.privateKey);
}, 180_000);

/** A new mpc wallet, allowed to pay anyone, funded with `funds` from anvil account `fromAccount`. */
async function fundedMpcWallet(name: string, funds: string, fromAccount: number): Promise<ApiBody> {
  const admin = await api.token('mpc-admin', ['admin']);
  const recovery = await generateRecoveryKeyPair();
  zeroise(recovery.privateKey);
  const wallet = await api.ok('POST', '/v1/wallets', admin, {
    name,
    chainId: 31337,
    keyScheme: 'mpc',
    recoveryPublicKey: recovery.publicKey,
  });
  await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [{ id: 'any', match: {}, action: { type: 'ALLOW' } }],
    limits: {},
  });
  await api.deposit(wallet as { id: string; address: string }, parseEther(funds), admin, fromAccount);
  return wallet;
}

async function available(walletId: string): Promise<bigint> {
  const admin = await api.token('mpc-admin', ['admin']);
  const view = await api.ok('GET', `/v1/wallets/${walletId}`, admin);
  return BigInt((view.balances as { asset: string; available: string }[]).find((b) => b.asset === 'native')!.available);
}

it('the co-signer refuses a transfer over its own daily cap: FAILED before signing, the nonce filled by a cancellation, the funds back less its fee', async () => {
  const wallet = await fundedMpcWallet('capped', '2', 7);
  expect((await transfer(wallet.id as string, '0.7')).status).toBe('COMPLETED');
  const before = await available(wallet.id as string);
  // 0.7 + 0.7 is over the co-signer's 1 ETH: the policy allows it, the co-signer does not.
  const refused = await transfer(wallet.id as string, '0.7');
  expect(refused.status).toBe('FAILED');
  const stream = await api.stack.deps.events.read(refused.id as string);
  const voided = stream.filter((e) => e.type === 'SIGNING_VOIDED');
  expect(voided[0]?.data).toMatchObject({ reason: expect.stringContaining('COSIGNER.CAP_EXCEEDED') });
  // The transfer's own attempt was never signed; the only signature is the cancellation at its nonce.
  const signed = stream.filter((e) => e.type === 'SIGNED');
  expect(signed).toHaveLength(1);
  const cancellation = parseTransaction((signed[0]!.data as { rawTransaction: Hex }).rawTransaction);
  expect(cancellation.to?.toLowerCase()).toBe(String(wallet.address).toLowerCase());
  expect(cancellation.value ?? 0n).toBe(0n);
  const after = await poll(async () => {
    const now = await available(wallet.id as string);
    return now !== before - parseEther('0.7') ? now : undefined;
  }, 'the refused transfer to release its funds');
  expect(after).toBeLessThan(before);
  expect(before - after).toBeLessThan(parseEther('0.001')); // the cancellation's fee, nothing more
}, 180_000);

it('a co-signer that is down fails the transfer safe before signing: nothing signed, the funds released', async () => {
  const wallet = await fundedMpcWallet('co-signer down', '1', 8);
  const before = await available(wallet.id as string);
  api.stack.enclave.coSignerDown(true);
  try {
    const failed = await transfer(wallet.id as string, '0.1');
    expect(failed.status).toBe('FAILED');
    const stream = await api.stack.deps.events.read(failed.id as string);
    expect(stream.filter((e) => e.type === 'SIGNED')).toEqual([]);
    const voided = stream.filter((e) => e.type === 'SIGNING_VOIDED');
    expect(voided.length).toBeGreaterThanOrEqual(1);
    expect(voided[0]?.data).toMatchObject({ reason: expect.stringContaining('COSIGNER.UNAVAILABLE') });
    expect(await available(wallet.id as string)).toBe(before);
  } finally {
    api.stack.enclave.coSignerDown(false);
  }
}, 180_000);

it("revoking an mpc wallet's key retires its share at the co-signer", async () => {
  const admin = await api.token('mpc-admin', ['admin']);
  const recovery = await generateRecoveryKeyPair();
  zeroise(recovery.privateKey);
  const wallet = await api.ok('POST', '/v1/wallets', admin, {
    name: 'to revoke',
    chainId: 31337,
    keyScheme: 'mpc',
    recoveryPublicKey: recovery.publicKey,
  });
  const revoked = await api.call('POST', `/v1/wallets/${wallet.id}/revoke-key`, {
    token: admin,
    body: { reason: 'never used' },
  });
  expect(revoked.status).toBe(200);
  expect(revoked.body).toMatchObject({ id: wallet.id, coSignerShare: 'retired' });
  const again = await api.stack.enclave.coSigner.retire(wallet.id as string, '1', 'again');
  expect(again).toEqual({ ok: true, outcome: 'already-retired' });
}, 120_000);

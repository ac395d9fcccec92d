import { erc20Abi, getAddress, parseEther, type Hex } from 'viem';
import { ViemChainGateway } from '../../lambdas/adapters/chain/viem-chain-gateway';
import { nextConfirmationStep } from '../../lambdas/domain/chain/next-confirmation-step';
import { bumped } from '../../lambdas/domain/chain/replacement-fees';
import { ChainError, DependencyUnavailableError } from '../../lambdas/domain/errors';
import { buildIntent } from '../../lambdas/domain/intents';
import type { PreparedTransaction } from '../../lambdas/domain/lifecycle/transfer-events';
import { prepareNonceFill } from '../../lambdas/use-cases/prepare-nonce-fill';
import { prepareReplacement } from '../../lambdas/use-cases/prepare-replacement';
import { prepareTransaction } from '../../lambdas/use-cases/prepare-transaction';
import { reorg } from '../support/anvil';
import { anvilChainConfig, startCustodyChain, type CustodyChain } from '../support/custody-chain';
import { deployTestToken } from '../support/test-token';

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let custody: CustodyChain;
let transfers = 0;

beforeAll(async () => {
  custody = await startCustodyChain();
}, 60_000);

afterAll(async () => {
  await custody.stop();
});

afterEach(async () => {
  // Leave every test with automine on and nothing pending.
  await custody.chain.testClient.setAutomine(true);
  await custody.mine();
});

const nextTransferId = (): string => `tr-chain-${++transfers}`;

async function prepareNative(
  amount: bigint,
  transferId = nextTransferId(),
): Promise<{ transferId: string; prepared: PreparedTransaction }> {
  const intent = buildIntent({ to: RECIPIENT, asset: 'native', amount: amount.toString() }, custody.wallet.address);
  const prepared = await prepareTransaction(
    { chain: custody.gateway, nonces: custody.nonces, clock: () => new Date() },
    { transferId, from: custody.wallet.address, intent },
  );
  return { transferId, prepared };
}

const observe = (
  prepared: PreparedTransaction,
  attempts: readonly Hex[],
  previouslyMined?: Parameters<ViemChainGateway['observe']>[0]['previouslyMined'],
) =>
  custody.gateway.observe({
    from: prepared.from,
    nonce: prepared.nonce,
    attempts,
    ...(previouslyMined ? { previouslyMined } : {}),
  });

const context = (now = new Date()) => ({
  requiredConfirmations: 2,
  stuckAfterSeconds: 30,
  latestAttemptBroadcastAt: new Date(now.getTime() - 1_000),
  now,
});

describe('native and ERC-20 transfers to N confirmations', () => {
  it('confirms a native transfer, and the fee it reports is what the wallet paid', async () => {
    const { publicClient } = custody.chain;
    const before = await publicClient.getBalance({ address: custody.wallet.address });
    const recipientBefore = await publicClient.getBalance({ address: RECIPIENT });
    const { transferId, prepared } = await prepareNative(parseEther('1.5'));
    expect(prepared).toMatchObject({
      chainId: custody.chain.chain.id,
      from: custody.wallet.address,
      to: RECIPIENT,
      value: parseEther('1.5'),
      data: '0x',
      gasLimit: 21_000n,
    });

    const signed = await custody.authorizeAndSign(transferId, prepared);
    const broadcast = await custody.gateway.broadcast(signed.serializedTransaction);
    expect(broadcast).toMatchObject({ txHash: signed.txHash, from: custody.wallet.address, nonce: prepared.nonce });

    const first = await observe(prepared, [signed.txHash]);
    expect(first).toMatchObject({ kind: 'MINED', txHash: signed.txHash, confirmations: 1, succeeded: true });
    expect(nextConfirmationStep(first, context()).action).toBe('WAIT');

    await custody.mine();
    const second = await observe(prepared, [signed.txHash]);
    const step = nextConfirmationStep(second, context());
    expect(step.action).toBe('FINAL');
    if (step.action !== 'FINAL') throw new Error('unreachable');
    const after = await publicClient.getBalance({ address: custody.wallet.address });
    expect(before - after).toBe(parseEther('1.5') + step.mined.fee);
    expect((await publicClient.getBalance({ address: RECIPIENT })) - recipientBefore).toBe(parseEther('1.5'));
  });

  it('confirms an ERC-20 transfer built by the domain', async () => {
    const { publicClient, walletClient } = custody.chain;
    const token = await deployTestToken(walletClient(0), publicClient, { initialSupply: 1_000_000n });
    const funding = await walletClient(0).writeContract({
      address: token,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [custody.wallet.address, 5_000n],
    });
    await publicClient.waitForTransactionReceipt({ hash: funding });

    const transferId = nextTransferId();
    const intent = buildIntent({ to: RECIPIENT, asset: token, amount: '1234' }, custody.wallet.address);
    const prepared = await prepareTransaction(
      { chain: custody.gateway, nonces: custody.nonces, clock: () => new Date() },
      { transferId, from: custody.wallet.address, intent },
    );
    expect(prepared.to).toBe(getAddress(token));
    expect(prepared.value).toBe(0n);
    expect(prepared.gasLimit).toBeLessThanOrEqual(100_000n);

    const signed = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(signed.serializedTransaction);
    await custody.mine();
    expect(nextConfirmationStep(await observe(prepared, [signed.txHash]), context()).action).toBe('FINAL');
    const balance = (address: `0x${string}`) =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
    expect(await balance(RECIPIENT)).toBe(1_234n);
    expect(await balance(custody.wallet.address)).toBe(5_000n - 1_234n);
  });

  it('refuses to prepare a token transfer the node says would revert, and reserves no nonce for it', async () => {
    const { publicClient, walletClient } = custody.chain;
    const token = await deployTestToken(walletClient(0), publicClient, { initialSupply: 10n });
    const intent = buildIntent({ to: RECIPIENT, asset: token, amount: '1' }, custody.wallet.address);
    const latest = await custody.nonces.latest(custody.chain.chain.id, custody.wallet.address);
    await expect(
      prepareTransaction(
        { chain: custody.gateway, nonces: custody.nonces, clock: () => new Date() },
        { transferId: nextTransferId(), from: custody.wallet.address, intent },
      ),
    ).rejects.toMatchObject({ code: 'CHAIN.GAS_ESTIMATE_FAILED' });
    expect(await custody.nonces.latest(custody.chain.chain.id, custody.wallet.address)).toEqual(latest);
  });
});

describe('broadcast is decided by our hash, not by the node’s words', () => {
  it('counts the re-broadcast of a pending and of a mined transaction as success', async () => {
    await custody.chain.testClient.setAutomine(false);
    const { transferId, prepared } = await prepareNative(1n);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    expect((await custody.gateway.broadcast(signed.serializedTransaction)).state).toMatch(/ACCEPTED|PENDING/);
    // anvil answers this one with "transaction already imported"
    expect(await custody.gateway.broadcast(signed.serializedTransaction)).toMatchObject({
      txHash: signed.txHash,
      state: 'PENDING',
    });
    await custody.mine();
    // and this one with "nonce too low"
    expect(await custody.gateway.broadcast(signed.serializedTransaction)).toMatchObject({
      txHash: signed.txHash,
      state: 'MINED',
    });
  });

  it('recognises a send whose response was lost: the node has our hash', async () => {
    await custody.chain.testClient.setAutomine(false);
    const { transferId, prepared } = await prepareNative(2n);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    await custody.chain.publicClient.sendRawTransaction({ serializedTransaction: signed.serializedTransaction });
    expect(await custody.gateway.broadcast(signed.serializedTransaction)).toMatchObject({
      txHash: signed.txHash,
      state: 'PENDING',
    });
  });

  it('refuses, with the node’s message for people, a transaction at a nonce another one took', async () => {
    const { transferId, prepared } = await prepareNative(3n);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(signed.serializedTransaction);
    const other = await custody.authorizeAndSign(nextTransferId(), { ...prepared, value: 4n });
    const refusal = await custody.gateway.broadcast(other.serializedTransaction).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ChainError);
    expect(refusal).toMatchObject({ code: 'CHAIN.BROADCAST_REFUSED', details: { txHash: other.txHash } });
    expect(await observe(prepared, [other.txHash])).toMatchObject({ kind: 'TAKEN_BY_OTHER' });
  });

  it('refuses an unsigned or foreign-chain transaction before sending it', async () => {
    await expect(custody.gateway.broadcast('0x02c0')).rejects.toMatchObject({ code: 'CHAIN.INVALID_TRANSACTION' });
    const { transferId, prepared } = await prepareNative(5n);
    const signed = await custody.authorizeAndSign(transferId, { ...prepared, chainId: 1 });
    await expect(custody.gateway.broadcast(signed.serializedTransaction)).rejects.toMatchObject({
      code: 'CHAIN.INVALID_TRANSACTION',
    });
    await custody.gateway.broadcast((await custody.authorizeAndSign(transferId, prepared)).serializedTransaction); // no nonce gap
  });

  it('reports an unreachable node as unavailable, never as a refusal', async () => {
    const down = new ViemChainGateway(anvilChainConfig('http://127.0.0.1:9', custody.chain.chain.id), {
      retryCount: 0,
      timeoutMs: 2_000,
    });
    const { transferId, prepared } = await prepareNative(6n);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    const error = await down.broadcast(signed.serializedTransaction).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ code: 'CHAIN.UNAVAILABLE' });
    await expect(
      down.observe({ from: prepared.from, nonce: prepared.nonce, attempts: [signed.txHash] }),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
    await custody.gateway.broadcast(signed.serializedTransaction); // keep the nonce sequence free of gaps
  });

  it('reads an ERC-20 allowance, and reports an unreachable node as unavailable', async () => {
    const { publicClient, walletClient } = custody.chain;
    const token = getAddress(await deployTestToken(walletClient(0), publicClient, { initialSupply: 1_000n }));
    const owner = custody.chain.accounts[0]!.address;
    expect(await custody.gateway.allowance(token, owner, RECIPIENT)).toBe(0n);
    const hash = await walletClient(0).writeContract({
      address: token,
      abi: erc20Abi,
      functionName: 'approve',
      args: [RECIPIENT, 321n],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    expect(await custody.gateway.allowance(token, owner, RECIPIENT)).toBe(321n);
    const down = new ViemChainGateway(anvilChainConfig('http://127.0.0.1:9', custody.chain.chain.id), {
      retryCount: 0,
      timeoutMs: 2_000,
    });
    await expect(down.allowance(token, owner, RECIPIENT)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});

describe('stuck, replaced, dropped and reorged transactions, tracked by (from, nonce)', () => {
  it('replaces a stuck transaction with fees raised by at least 10%, and sees the replacement mined', async () => {
    await custody.chain.testClient.setAutomine(false);
    const { transferId, prepared } = await prepareNative(10n);
    const original = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(original.serializedTransaction);

    const pending = await observe(prepared, [original.txHash]);
    expect(pending).toMatchObject({ kind: 'PENDING', knownHashes: [original.txHash] });
    const later = new Date(Date.now() + 31_000);
    expect(nextConfirmationStep(pending, { ...context(later), latestAttemptBroadcastAt: new Date() }).action).toBe(
      'REPLACE',
    );

    const next = await prepareReplacement(custody.gateway, prepared, 'STUCK');
    expect(next.nonce).toBe(prepared.nonce);
    expect(next.maxFeePerGas).toBeGreaterThanOrEqual(bumped(prepared.maxFeePerGas));
    expect(next.maxPriorityFeePerGas).toBeGreaterThanOrEqual(bumped(prepared.maxPriorityFeePerGas));
    const replacement = await custody.authorizeAndSign(transferId, next);
    await custody.gateway.broadcast(replacement.serializedTransaction);
    await custody.mine(2);

    expect(await observe(prepared, [original.txHash, replacement.txHash])).toMatchObject({
      kind: 'MINED',
      txHash: replacement.txHash,
      confirmations: 2,
    });
  });

  it('recognises the original mined instead of its replacement', async () => {
    await custody.chain.testClient.setAutomine(false);
    const { transferId, prepared } = await prepareNative(11n);
    const original = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(original.serializedTransaction);
    const replacement = await custody.authorizeAndSign(
      transferId,
      await prepareReplacement(custody.gateway, prepared, 'STUCK'),
    );
    await custody.gateway.broadcast(replacement.serializedTransaction);
    // The replacement never reached the block producer, which still had the original.
    await custody.chain.testClient.dropTransaction({ hash: replacement.txHash });
    await custody.chain.publicClient.sendRawTransaction({ serializedTransaction: original.serializedTransaction });
    await custody.mine(2);

    const seen = await observe(prepared, [original.txHash, replacement.txHash]);
    expect(seen).toMatchObject({ kind: 'MINED', txHash: original.txHash });
    expect(nextConfirmationStep(seen, context()).action).toBe('FINAL');
  });

  it('rebroadcasts a dropped transaction from its stored bytes', async () => {
    await custody.chain.testClient.setAutomine(false);
    const { transferId, prepared } = await prepareNative(12n);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(signed.serializedTransaction);
    await custody.chain.testClient.dropTransaction({ hash: signed.txHash });

    const dropped = await observe(prepared, [signed.txHash]);
    expect(dropped).toEqual({ kind: 'DROPPED' });
    expect(nextConfirmationStep(dropped, context()).action).toBe('REBROADCAST');
    await custody.gateway.broadcast(signed.serializedTransaction);
    await custody.mine(2);
    expect(await observe(prepared, [signed.txHash])).toMatchObject({ kind: 'MINED', txHash: signed.txHash });
  });

  it('detects a reorg that takes a mined transaction out, and brings it back', async () => {
    const { transferId, prepared } = await prepareNative(13n);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(signed.serializedTransaction);
    const mined = await observe(prepared, [signed.txHash]);
    if (mined.kind !== 'MINED') throw new Error(`expected MINED, got ${mined.kind}`);
    const at = { txHash: mined.txHash, blockNumber: mined.blockNumber, blockHash: mined.blockHash };

    await reorg(custody.chain, 1);
    const after = await observe(prepared, [signed.txHash], at);
    expect(after.reorgedOut).toEqual(at);
    const step = nextConfirmationStep(after, context());
    expect(step.reorgedOut).toEqual(at);
    if (after.kind === 'DROPPED') {
      expect(step.action).toBe('REBROADCAST');
      await custody.gateway.broadcast(signed.serializedTransaction);
    }
    await custody.mine(2);
    const back = await observe(prepared, [signed.txHash], at);
    expect(back).toMatchObject({ kind: 'MINED', txHash: signed.txHash });
    if (back.kind === 'MINED') expect(back.blockHash).not.toBe(at.blockHash);
  });

  it('fills a nonce that will not be used with a zero-value self-transfer, unblocking the next one', async () => {
    const skipped = await prepareNative(20n); // fails before signing: its nonce will never be used by it
    const { transferId, prepared } = await prepareNative(21n);
    expect(prepared.nonce).toBe(skipped.prepared.nonce + 1);
    const signed = await custody.authorizeAndSign(transferId, prepared);
    await custody.gateway.broadcast(signed.serializedTransaction);
    await custody.mine();
    expect(await observe(prepared, [signed.txHash])).toMatchObject({ kind: 'PENDING' });

    const fill = await prepareNonceFill(custody.gateway, {
      from: custody.wallet.address,
      nonce: skipped.prepared.nonce,
    });
    expect(fill).toMatchObject({
      to: custody.wallet.address,
      value: 0n,
      data: '0x',
      gasLimit: 21_000n,
      nonce: skipped.prepared.nonce,
    });
    const filled = await custody.authorizeAndSign(skipped.transferId, fill);
    await custody.gateway.broadcast(filled.serializedTransaction);
    await custody.mine(2);
    expect(await observe(fill, [filled.txHash])).toMatchObject({ kind: 'MINED', txHash: filled.txHash });
    expect(await observe(prepared, [signed.txHash])).toMatchObject({ kind: 'MINED', txHash: signed.txHash });
  });
});

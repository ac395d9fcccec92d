import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, erc20Abi, http, parseEventLogs, parseEther, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startAnvil } from '../../local/anvil';
import { fundedWalletClient, reorg, sharedTestAnvil, startTestAnvil, type DedicatedTestChain } from '../support/anvil';
import { deployTestToken } from '../support/test-token';

jest.setTimeout(30_000);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The child pids of `pid`, where Linux tells (CONFIG_PROC_CHILDREN); empty elsewhere. */
const childrenOf = (pid: number): number[] => {
  const file = `/proc/${pid}/task/${pid}/children`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
};

const canListenOn = (port: number): Promise<boolean> =>
  new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });

const randomAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;

describe('the shared anvil', () => {
  const chain = sharedTestAnvil();

  it('answers with the chain id the global setup exported', async () => {
    expect(await chain.publicClient.getChainId()).toBe(Number(process.env.STRONGROOM_TEST_ANVIL_CHAIN_ID));
  });

  it('has the development accounts derived from the default mnemonic', async () => {
    const addresses = await createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl) }).getAddresses();
    expect(addresses.map((address) => address.toLowerCase())).toEqual(
      chain.accounts.map((account) => account.address.toLowerCase()),
    );
    // The well-known first anvil account, as a fixed point for the derivation.
    expect(chain.accounts[0]?.address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });

  it('runs TestToken: deployment mints to the deployer, and a transfer logs Transfer(from, to, value)', async () => {
    const wallet = await fundedWalletClient(chain);
    const supply = parseEther('1000000');
    const token = await deployTestToken(wallet, chain.publicClient, {
      initialSupply: supply,
      symbol: 'TST6',
      decimals: 6,
    });
    const balanceOf = (account: Address): Promise<bigint> =>
      chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
    expect(await chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' })).toBe(6);
    expect(await chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' })).toBe(
      'TST6',
    );
    expect(await chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'totalSupply' })).toBe(
      supply,
    );
    expect(await balanceOf(wallet.account.address)).toBe(supply);

    const recipient = randomAddress();
    const hash = await wallet.writeContract({
      address: token,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [recipient, 1_234n],
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });

    expect(receipt.status).toBe('success');
    const transfers = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs });
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.address).toBe(token.toLowerCase());
    expect(transfers[0]?.args).toEqual({ from: wallet.account.address, to: recipient, value: 1_234n });
    expect(await balanceOf(recipient)).toBe(1_234n);
    expect(await balanceOf(wallet.account.address)).toBe(supply - 1_234n);
  });

  it('reverts a transfer above the balance', async () => {
    const wallet = await fundedWalletClient(chain);
    const token = await deployTestToken(wallet, chain.publicClient, { initialSupply: 10n });
    await expect(
      chain.publicClient.simulateContract({
        account: wallet.account,
        address: token,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [randomAddress(), 11n],
      }),
    ).rejects.toThrow(/revert/i);
  });
});

describe('a dedicated anvil', () => {
  it('starts with its own chain id and, once stopped, is gone and its port is free', async () => {
    const anvil = await startAnvil({ chainId: 4242, accounts: 2 });
    expect(await createPublicClient({ transport: http(anvil.rpcUrl) }).getChainId()).toBe(4242);
    expect(anvil.accounts).toHaveLength(2);
    const anvilPids = childrenOf(anvil.pid);

    await anvil.stop();

    expect(alive(anvil.pid)).toBe(false);
    for (const pid of anvilPids) expect(alive(pid)).toBe(false);
    expect(await canListenOn(anvil.port)).toBe(true);
    await expect(fetch(anvil.rpcUrl, { method: 'POST' })).rejects.toThrow();
  });

  it("fails with anvil's own message when its port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolvePromise) => blocker.listen(0, '127.0.0.1', resolvePromise));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startAnvil({ port })).rejects.toThrow(/port is in use[\s\S]*Address already in use/);
    } finally {
      await new Promise((resolvePromise) => blocker.close(resolvePromise));
    }
  });

  it('keeps its chain in dataDir across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'anvil-state-'));
    try {
      const first = await startTestAnvil({ dataDir });
      await first.testClient.mine({ blocks: 3 });
      await first.stop();
      const second = await startTestAnvil({ dataDir });
      try {
        expect(await second.publicClient.getBlockNumber()).toBe(3n);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('mines on an interval without transactions', async () => {
    const chain = await startTestAnvil({ mining: { blockTimeSeconds: 1 } });
    try {
      expect(await chain.testClient.getAutomine()).toBe(false);
      const deadline = Date.now() + 10_000;
      while ((await chain.publicClient.getBlockNumber()) < 1n) {
        if (Date.now() > deadline) throw new Error('no block mined within 10 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await chain.stop();
    }
  });
});

describe('a dedicated anvil without automine', () => {
  let chain: DedicatedTestChain;
  beforeAll(async () => (chain = await startTestAnvil({ mining: 'manual' })));
  afterAll(() => chain.stop());

  it('leaves a transaction pending until evm_mine', async () => {
    expect(await chain.testClient.getAutomine()).toBe(false);
    const before = await chain.publicClient.getBlockNumber();
    const hash = await chain.walletClient(1).sendTransaction({ to: randomAddress(), value: parseEther('1') });

    await expect(chain.publicClient.getTransactionReceipt({ hash })).rejects.toThrow(/could not be found/);
    expect(await chain.publicClient.getBlockNumber()).toBe(before);

    await chain.testClient.request({ method: 'evm_mine', params: undefined });

    const receipt = await chain.publicClient.getTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    expect(receipt.blockNumber).toBe(before + 1n);
  });

  it('replaces the head block on anvil_reorg', async () => {
    await chain.testClient.request({ method: 'evm_mine', params: undefined });
    const height = await chain.publicClient.getBlockNumber();
    const original = await chain.publicClient.getBlock({ blockNumber: height });

    await reorg(chain, 1);

    const replaced = await chain.publicClient.getBlock({ blockNumber: height });
    expect(await chain.publicClient.getBlockNumber()).toBe(height);
    expect(replaced.hash).not.toBe(original.hash);
    expect(replaced.parentHash).toBe(original.parentHash);
  });
});

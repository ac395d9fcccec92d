import { erc20Abi, getAddress, parseEther, type Address } from 'viem';
import { privateKeyToAddress, generatePrivateKey } from 'viem/accounts';
import { DynamoCursorStore } from '../../lambdas/adapters/dynamodb/dynamo-cursor-store';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamodb/dynamo-ledger-store';
import { ViemChainGateway } from '../../lambdas/adapters/chain/viem-chain-gateway';
import { ConflictError } from '../../lambdas/domain/errors';
import type { CursorStore } from '../../lambdas/ports/cursor-store';
import { watchDeposits, type WatchDepositsDeps } from '../../lambdas/use-cases/watch-deposits';
import { reorg, startTestAnvil, type DedicatedTestChain } from '../support/anvil';
import { anvilChainConfig } from '../support/custody-chain';
import { freshTables, type TestTables } from '../support/dynamodb';
import { deployTestToken } from '../support/test-token';

// One custody wallet on a chain of its own; confirmations = 3.
const WALLET_ID = 'wallet-deposits';
const CUSTODY: Address = privateKeyToAddress(generatePrivateKey());
const CONFIRMATIONS = 3;

let chain: DedicatedTestChain;
let tables: TestTables;
let ledger: DynamoLedgerStore;
let cursors: DynamoCursorStore;
let knownToken: Address;
let unknownToken: Address;
const ignoredSeen: string[] = [];

beforeAll(async () => {
  [chain, tables] = await Promise.all([startTestAnvil(), freshTables()]);
  ledger = new DynamoLedgerStore(tables.doc, tables.names.ledger);
  cursors = new DynamoCursorStore(tables.doc, tables.names.events);
  knownToken = getAddress(
    await deployTestToken(chain.walletClient(0), chain.publicClient, { initialSupply: 10n ** 24n }),
  );
  unknownToken = getAddress(
    await deployTestToken(chain.walletClient(1), chain.publicClient, { initialSupply: 10n ** 24n, symbol: 'FAKE' }),
  );
}, 60_000);

afterAll(async () => {
  await chain.stop();
});

function deps(overrides: Partial<WatchDepositsDeps> = {}): WatchDepositsDeps {
  const config = anvilChainConfig(chain.rpcUrl, chain.chain.id, {
    confirmations: CONFIRMATIONS,
    tokens: [{ address: knownToken, symbol: 'TST', decimals: 18 }],
    depositScanBlocks: 20,
  });
  return {
    chain: new ViemChainGateway(config, { retryCount: 0 }),
    cursors,
    ledger,
    custodyAddresses: async () => new Map([[CUSTODY.toLowerCase(), WALLET_ID]]),
    onIgnored: async (transfer) => {
      ignoredSeen.push(transfer.txHash);
    },
    clock: () => new Date(),
    ...overrides,
  };
}

/** Scans until the cursor has caught up with the head. */
async function catchUp(
  overrides: Partial<WatchDepositsDeps> = {},
): Promise<Awaited<ReturnType<typeof watchDeposits>>[]> {
  const reports = [];
  for (let i = 0; i < 20; i++) {
    const report = await watchDeposits(deps(overrides));
    reports.push(report);
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    if (report.scanned === undefined || report.scanned.toBlock >= head) break;
  }
  return reports;
}

const sum = <K extends 'seen' | 'confirmed' | 'reorged'>(
  reports: Awaited<ReturnType<typeof watchDeposits>>[],
  key: K,
) => reports.flatMap((r) => r[key]);

async function sendNative(amount: bigint): Promise<`0x${string}`> {
  const hash = await chain.walletClient(2).sendTransaction({ to: CUSTODY, value: amount });
  await chain.publicClient.waitForTransactionReceipt({ hash });
  return hash;
}

async function sendToken(token: Address, from: number, amount: bigint): Promise<`0x${string}`> {
  const hash = await chain
    .walletClient(from)
    .writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [CUSTODY, amount] });
  await chain.publicClient.waitForTransactionReceipt({ hash });
  return hash;
}

describe('deposit detection', () => {
  it('credits a native and a known ERC-20 deposit as pendingIn, then as available after N confirmations', async () => {
    const nativeTx = await sendNative(parseEther('2'));
    const tokenTx = await sendToken(knownToken, 0, 5_000n);
    const seen = sum(await catchUp(), 'seen');
    expect(seen.map((d) => [d.txHash, d.asset, d.amount])).toEqual([
      [nativeTx, 'native', parseEther('2')],
      [tokenTx, knownToken, 5_000n],
    ]);
    expect(await ledger.balances(WALLET_ID, 'native')).toMatchObject({ pendingIn: parseEther('2'), available: 0n });
    expect(await ledger.balances(WALLET_ID, knownToken)).toMatchObject({ pendingIn: 5_000n, available: 0n });

    await chain.testClient.mine({ blocks: CONFIRMATIONS });
    const confirmed = sum(await catchUp(), 'confirmed');
    expect(confirmed.map((d) => d.txHash).sort()).toEqual([nativeTx, tokenTx].sort());
    expect(await ledger.balances(WALLET_ID, 'native')).toMatchObject({ pendingIn: 0n, available: parseEther('2') });
    expect(await ledger.balances(WALLET_ID, knownToken)).toMatchObject({ pendingIn: 0n, available: 5_000n });
  });

  it('credits nothing twice when blocks are scanned again after a crash before the cursor moved', async () => {
    const tx = await sendNative(parseEther('1'));
    const tokenTx = await sendToken(knownToken, 0, 100n);
    // The first pass posts its deposits and then dies before moving the cursor.
    const crashing: CursorStore = {
      read: (name) => cursors.read(name),
      advance: async () => {
        throw new Error('crash before the cursor moved');
      },
    };
    await expect(watchDeposits(deps({ cursors: crashing }))).rejects.toThrow('crash before the cursor moved');
    const rescan = sum(await catchUp(), 'seen');
    expect(rescan.map((d) => d.txHash)).toEqual([tx, tokenTx]); // seen again: idempotent replays of the same postings
    await chain.testClient.mine({ blocks: CONFIRMATIONS });
    await catchUp();
    await catchUp();
    expect(await ledger.balances(WALLET_ID, 'native')).toMatchObject({ pendingIn: 0n, available: parseEther('3') });
    expect(await ledger.balances(WALLET_ID, knownToken)).toMatchObject({ pendingIn: 0n, available: 5_100n });
    for (const asset of ['native', knownToken] as const) {
      const { items } = await ledger.history(WALLET_ID, asset, { limit: 50 });
      expect(items.filter((e) => e.postingId.endsWith(':deposit-seen'))).toHaveLength(2);
    }
  });

  it('records a Transfer log from an unknown token and never credits it', async () => {
    const tx = await sendToken(unknownToken, 1, 777n);
    const reports = await catchUp();
    expect(reports.flatMap((r) => r.ignored).map((t) => [t.txHash, getAddress(t.token ?? '0x')])).toEqual([
      [tx, unknownToken],
    ]);
    expect(ignoredSeen).toContain(tx);
    expect(sum(reports, 'seen')).toEqual([]);
    expect(await ledger.balances(WALLET_ID, unknownToken)).toMatchObject({ available: 0n, pendingIn: 0n });
  });

  it('reverses a deposit whose block is reorged out before N confirmations', async () => {
    const before = await ledger.balances(WALLET_ID, 'native');
    const tx = await sendNative(parseEther('4'));
    const [deposit] = sum(await catchUp(), 'seen');
    expect(deposit?.txHash).toBe(tx);
    expect((await ledger.balances(WALLET_ID, 'native')).pendingIn).toBe(parseEther('4'));

    await reorg(chain, 1); // the deposit's block is replaced by an empty one
    const reports = await catchUp();
    expect(sum(reports, 'reorged').map((d) => d.depositId)).toEqual([deposit?.depositId]);
    expect(await ledger.balances(WALLET_ID, 'native')).toEqual(before);

    await chain.testClient.mine({ blocks: CONFIRMATIONS });
    expect(sum(await catchUp(), 'confirmed')).toEqual([]);
    expect(await ledger.balances(WALLET_ID, 'native')).toEqual(before);
  });

  it('leaves the cursor to the scanner that moved it first', async () => {
    const cursor = await cursors.read(`deposits-${chain.chain.id}`);
    const racing: CursorStore = {
      read: async () => cursor,
      advance: async (name, _expected, position, at) => {
        await cursors.advance(name, cursor, position, at); // the other scanner
        throw new ConflictError('STORE.CONFLICT', 'moved');
      },
    };
    await chain.testClient.mine({ blocks: 1 });
    expect((await watchDeposits(deps({ cursors: racing }))).raced).toBe(true);
  });
});

import type { Hex } from 'viem';
import type { Asset } from '../../../../lambdas/domain/asset';
import { encodeScanState, initialScanState } from '../../../../lambdas/domain/deposits/deposit-scan-state';
import type { WalletBalances } from '../../../../lambdas/domain/ledger/account-state';
import type { BlockRef, ChainGateway } from '../../../../lambdas/ports/chain';
import { reconcileBalances } from '../../../../lambdas/use-cases/reconciliation/reconcile-balances';
import {
  MemoryAlarmSink,
  MemoryCursorStore,
  MemoryReconciliationStore,
  MemoryWalletStore,
} from '../../../support/reconciliation-fakes';

const CHAIN_ID = 31337;
const CUSTODY = '0x1111111111111111111111111111111111111111';
const TOKEN = '0x3333333333333333333333333333333333333333';
const NOW = new Date('2026-12-05T12:00:00Z');
const hash = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`;

const balances = (settled: bigint, inFlight: Partial<WalletBalances> = {}): WalletBalances => {
  const reserved = inFlight.reserved ?? 0n;
  const pendingOut = inFlight.pendingOut ?? 0n;
  return {
    available: settled - reserved - pendingOut,
    settled,
    reserved,
    pendingOut,
    pendingIn: inFlight.pendingIn ?? 0n,
  };
};

async function setup(options: { scannedThrough?: bigint; head?: bigint } = {}) {
  const chainBalances = new Map<string, bigint>();
  const ledger = new Map<string, WalletBalances>();
  const reads: bigint[] = [];
  const head = options.head ?? 20n;
  const chain = {
    config: { chainId: CHAIN_ID, tokens: [{ address: TOKEN, symbol: 'LUSD', decimals: 18 }] },
    headBlockNumber: async () => head,
    block: async (n: bigint): Promise<BlockRef | undefined> =>
      n > head ? undefined : { number: n, hash: hash(n), parentHash: hash(n - 1n) },
    balanceAt: async (_address: string, asset: Asset, blockNumber: bigint) => {
      reads.push(blockNumber);
      return chainBalances.get(asset) ?? 0n;
    },
  } as unknown as ChainGateway;
  const cursors = new MemoryCursorStore();
  if (options.scannedThrough !== undefined)
    await cursors.advance(
      `deposits-${CHAIN_ID}`,
      undefined,
      encodeScanState({ ...initialScanState(0n), nextBlock: options.scannedThrough + 1n }),
      NOW,
    );
  const wallets = new MemoryWalletStore();
  await wallets.create('w-1', CUSTODY);
  const store = new MemoryReconciliationStore();
  const alarms = new MemoryAlarmSink();
  const deps = {
    chain,
    cursors,
    ledger: { balances: async (_walletId: string, asset: Asset) => ledger.get(asset) ?? balances(0n) },
    wallets,
    reconciliation: store,
    alarms,
    clock: () => NOW,
  };
  return { deps, chainBalances, ledger, reads, store, alarms, cursors };
}

describe('reconcileBalances', () => {
  it('records nothing when the books match the chain for every asset', async () => {
    const t = await setup({ scannedThrough: 20n });
    t.chainBalances.set('native', 1_000n);
    t.ledger.set('native', balances(1_000n));
    t.chainBalances.set(TOKEN, 600n);
    t.ledger.set(TOKEN, balances(500n, { pendingIn: 100n }));
    const report = await reconcileBalances(t.deps);
    expect(report).toMatchObject({ outcome: 'COMPARED', blockNumber: 20n, compared: 2, mismatches: [], recorded: [] });
    expect(t.store.all()).toEqual([]);
    expect(t.alarms.raised).toEqual([]);
  });

  it('records a mismatch once per state of the books and the chain, with an alarm', async () => {
    const t = await setup({ scannedThrough: 20n });
    t.chainBalances.set(TOKEN, 600n);
    t.ledger.set(TOKEN, balances(900n));
    const first = await reconcileBalances(t.deps);
    expect(first).toMatchObject({ outcome: 'COMPARED', mismatches: [expect.anything()] });
    expect(t.store.all()).toEqual([
      expect.objectContaining({
        kind: 'BALANCE_MISMATCH',
        walletId: 'w-1',
        asset: TOKEN,
        blockNumber: 20n,
        blockHash: hash(20n),
        chainBalance: 600n,
        expected: { min: 900n, max: 900n },
        difference: -300n,
      }),
    ]);
    expect(t.alarms.raised).toEqual([expect.objectContaining({ kind: 'BALANCE_MISMATCH', asset: TOKEN })]);

    // The same block again, and a later block with the discrepancy unchanged: nothing new.
    await reconcileBalances(t.deps);
    t.ledger.set(TOKEN, balances(1_900n));
    t.chainBalances.set(TOKEN, 1_600n);
    const later = await reconcileBalances(t.deps);
    expect(later).toMatchObject({ outcome: 'COMPARED', mismatches: [expect.anything()], recorded: [] });
    expect(t.store.all()).toHaveLength(1);
    expect(t.alarms.raised).toHaveLength(1);

    // Another loss is another exception.
    t.chainBalances.set(TOKEN, 1_500n);
    await reconcileBalances(t.deps);
    expect(t.store.all().map((e) => (e.kind === 'BALANCE_MISMATCH' ? e.difference : undefined))).toEqual([
      -300n,
      -400n,
    ]);
  });

  it('allows the chain anywhere between the books less the funds in flight and the books', async () => {
    const t = await setup({ scannedThrough: 20n });
    t.ledger.set('native', balances(1_000n, { reserved: 50n, pendingOut: 100n }));
    for (const onChain of [1_000n, 900n, 850n]) {
      t.chainBalances.set('native', onChain);
      expect(await reconcileBalances(t.deps)).toMatchObject({ mismatches: [] });
    }
    t.chainBalances.set('native', 849n);
    expect(await reconcileBalances(t.deps)).toMatchObject({
      mismatches: [expect.objectContaining({ expected: { min: 850n, max: 1_000n }, difference: -151n })],
    });
    t.chainBalances.set('native', 1_001n);
    expect(await reconcileBalances(t.deps)).toMatchObject({
      mismatches: [expect.objectContaining({ difference: 1n })],
    });
  });

  it('compares at the last block the deposit scanner finished, below the head, all balances at that one block', async () => {
    const t = await setup({ scannedThrough: 12n, head: 20n });
    const report = await reconcileBalances(t.deps);
    expect(report).toMatchObject({ outcome: 'COMPARED', blockNumber: 12n });
    expect(t.reads).toEqual([12n, 12n]);
  });

  it('records no mismatch for a transfer settled on the books whose transaction was mined after the compared block', async () => {
    const t = await setup({ scannedThrough: 12n, head: 20n });
    // 100 left in block 15 and settled at once; the scanner has finished block 12 only.
    t.deps.chain.balanceAt = async (_address, asset, blockNumber) => {
      t.reads.push(blockNumber);
      if (asset !== 'native') return 0n;
      return blockNumber < 15n ? 1_000n : 900n;
    };
    t.ledger.set('native', balances(900n));
    t.ledger.set(TOKEN, balances(0n));
    expect(await reconcileBalances(t.deps)).toMatchObject({ outcome: 'COMPARED', blockNumber: 12n, mismatches: [] });
    expect(t.reads).toEqual([12n, 20n, 12n]);
    expect(t.store.all()).toEqual([]);
  });

  it('records a discrepancy that shows at the compared block and at the head, with the difference at the compared block', async () => {
    const t = await setup({ scannedThrough: 12n, head: 20n });
    t.chainBalances.set('native', 700n);
    t.ledger.set('native', balances(900n));
    expect(await reconcileBalances(t.deps)).toMatchObject({
      outcome: 'COMPARED',
      mismatches: [expect.objectContaining({ blockNumber: 12n, chainBalance: 700n, difference: -200n })],
    });
    expect(t.store.all()).toHaveLength(1);
  });

  it('compares nothing before the deposit scanner has scanned', async () => {
    const t = await setup();
    expect(await reconcileBalances(t.deps)).toEqual({ outcome: 'NOT_SCANNED' });
  });

  it('records nothing when the scanner moved while the books were read', async () => {
    const t = await setup({ scannedThrough: 20n });
    t.chainBalances.set('native', 5n);
    const balancesOf = t.deps.ledger.balances;
    let moved = false;
    t.deps.ledger.balances = async (walletId: string, asset: Asset) => {
      if (!moved) {
        moved = true;
        const cursor = await t.cursors.read(`deposits-${CHAIN_ID}`);
        await t.cursors.advance(`deposits-${CHAIN_ID}`, cursor, cursor!.position, NOW);
      }
      return balancesOf(walletId, asset);
    };
    expect(await reconcileBalances(t.deps)).toEqual({ outcome: 'RACED', blockNumber: 20n });
    expect(t.store.all()).toEqual([]);
  });
});

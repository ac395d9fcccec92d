import type { Hex } from 'viem';
import type { TokenConfig } from '../../../../lambdas/domain/chain/chain-config';
import { LedgerInvariantError } from '../../../../lambdas/domain/errors';
import type { Posting } from '../../../../lambdas/domain/ledger/posting';
import type { TransferState } from '../../../../lambdas/domain/lifecycle/transfer-state';
import { outflowIdOf } from '../../../../lambdas/domain/reconciliation/reconciliation-exception';
import type { OutgoingTransfer } from '../../../../lambdas/ports/chain';
import type { NonceReservation } from '../../../../lambdas/ports/nonce-store';
import {
  detectUnexplainedOutflows,
  type DetectUnexplainedOutflowsDeps,
} from '../../../../lambdas/use-cases/reconciliation/detect-unexplained-outflows';
import {
  MemoryAlarmSink,
  MemoryAuditLog,
  MemoryReconciliationStore,
  MemoryWalletStore,
} from '../../../support/reconciliation-fakes';

const CHAIN_ID = 31337;
const CUSTODY = '0x1111111111111111111111111111111111111111';
const SPENDER = '0x2222222222222222222222222222222222222222';
const TOKEN = '0x3333333333333333333333333333333333333333';
const OTHER_TOKEN = '0x4444444444444444444444444444444444444444';
const TOKENS: readonly TokenConfig[] = [{ address: TOKEN, symbol: 'LUSD', decimals: 18 }];
const NOW = new Date('2026-12-05T12:00:00Z');
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

function setup() {
  const postings: Posting[] = [];
  const reservations = new Map<number, NonceReservation>();
  const transfers = new Map<string, TransferState>();
  const fakeLedger = { refuse: false };
  const wallets = new MemoryWalletStore();
  const deps: DetectUnexplainedOutflowsDeps = {
    nonces: { get: async (_chainId, _address, nonce) => reservations.get(nonce) },
    events: { load: async (id) => transfers.get(id) },
    ledger: {
      post: async (posting) => {
        if (fakeLedger.refuse)
          throw new LedgerInvariantError('LEDGER.INVALID_POSTING', 'the ledger holds less than left the chain');
        const replayed = postings.some((p) => p.id === posting.id);
        if (!replayed) postings.push(posting);
        return { replayed, entries: [] };
      },
    },
    wallets,
    audit: new MemoryAuditLog(),
    reconciliation: new MemoryReconciliationStore(),
    alarms: new MemoryAlarmSink(),
    clock: () => NOW,
  };
  /** A transfer that holds `nonce` and signed `txHash` there. */
  const ourTransfer = (nonce: number, txHash: Hex) => {
    reservations.set(nonce, { chainId: CHAIN_ID, address: CUSTODY, nonce, transferId: `t-${nonce}`, at: NOW });
    transfers.set(`t-${nonce}`, {
      attempts: [{ attempt: 1, proofId: 'p', keyScheme: 'kms', txHash, broadcast: true }],
    } as unknown as TransferState);
  };
  return {
    deps,
    postings,
    wallets,
    fakeLedger,
    ourTransfer,
    store: deps.reconciliation as MemoryReconciliationStore,
    alarms: deps.alarms as MemoryAlarmSink,
    audit: deps.audit as MemoryAuditLog,
  };
}

const transferFrom: OutgoingTransfer = {
  kind: 'erc20',
  token: TOKEN,
  from: CUSTODY,
  to: SPENDER,
  amount: 100n,
  fee: 0n,
  txHash: hash(1),
  txFrom: SPENDER,
  txNonce: 0,
  logIndex: 0,
  blockNumber: 7n,
  blockHash: hash(0xb7),
};

const nativeSend = (nonce: number, txHash: Hex, value = 1_000n, fee = 21n): OutgoingTransfer => ({
  kind: 'native',
  from: CUSTODY,
  to: SPENDER,
  amount: value,
  fee,
  txHash,
  txFrom: CUSTODY,
  txNonce: nonce,
  blockNumber: 8n,
  blockHash: hash(0xb8),
});

const scan = (outgoing: readonly OutgoingTransfer[]) => ({
  chainId: CHAIN_ID,
  tokens: TOKENS,
  wallets: new Map([[CUSTODY, 'w-1']]),
  outgoing,
});

describe('detectUnexplainedOutflows', () => {
  it("books a spender's transferFrom, freezes the wallet, raises an alarm and records the evidence", async () => {
    const t = setup();
    await t.wallets.create('w-1', CUSTODY);
    const report = await detectUnexplainedOutflows(t.deps, scan([transferFrom]));

    const id = outflowIdOf(CHAIN_ID, { txHash: transferFrom.txHash, logIndex: 0 });
    expect(report.explained).toBe(0);
    expect(report.unexplained.map((e) => e.id)).toEqual([id]);
    expect(t.postings).toHaveLength(1);
    expect(t.postings[0]).toMatchObject({
      type: 'UNEXPLAINED_OUTFLOW',
      outflow: { outflowId: id, walletId: 'w-1', asset: TOKEN, amount: 100n },
    });
    expect((await t.wallets.get('w-1'))?.status).toBe('FROZEN');
    expect(t.audit.entries).toEqual([
      expect.objectContaining({ traceId: 'wallet.w-1', action: 'WALLET_FROZEN', actor: 'system:reconciliation' }),
    ]);
    expect(t.alarms.raised).toEqual([
      expect.objectContaining({ kind: 'UNEXPLAINED_OUTFLOW', walletId: 'w-1', exceptionId: id, asset: TOKEN }),
    ]);
    expect(t.store.all()).toEqual([
      expect.objectContaining({
        kind: 'UNEXPLAINED_OUTFLOW',
        id,
        walletId: 'w-1',
        booking: { booked: true, postingId: `${id}:unexplained-outflow` },
        evidence: expect.objectContaining({
          chainId: CHAIN_ID,
          blockNumber: 7n,
          blockHash: hash(0xb7),
          txHash: hash(1),
          logIndex: 0,
          asset: TOKEN,
          amount: 100n,
          from: CUSTODY,
          to: SPENDER,
          txFrom: SPENDER,
        }),
      }),
    ]);
  });

  it('books nothing twice when the same blocks are scanned again', async () => {
    const t = setup();
    await t.wallets.create('w-1', CUSTODY);
    await detectUnexplainedOutflows(t.deps, scan([transferFrom]));
    const again = await detectUnexplainedOutflows(t.deps, scan([transferFrom]));
    // The same transaction re-mined in another block after a reorg is the same outflow.
    const reorged = await detectUnexplainedOutflows(
      t.deps,
      scan([{ ...transferFrom, blockNumber: 9n, blockHash: hash(0xb9) }]),
    );
    expect(again.unexplained).toEqual([]);
    expect(reorged.unexplained).toEqual([]);
    expect(t.postings).toHaveLength(1);
    expect(t.store.all()).toHaveLength(1);
    expect(t.alarms.raised).toHaveLength(1);
  });

  it('explains a transaction signed by one of our transfers at the nonce it holds', async () => {
    const t = setup();
    await t.wallets.create('w-1', CUSTODY);
    t.ourTransfer(4, hash(44));
    const report = await detectUnexplainedOutflows(t.deps, scan([nativeSend(4, hash(44))]));
    expect(report).toEqual({ explained: 1, unexplained: [] });
    expect(t.postings).toEqual([]);
    expect((await t.wallets.get('w-1'))?.status).toBe('ACTIVE');
  });

  it('counts value plus fee of a transaction signed outside the workflow, even at a nonce one of our transfers holds', async () => {
    const t = setup();
    await t.wallets.create('w-1', CUSTODY);
    t.ourTransfer(4, hash(44));
    const report = await detectUnexplainedOutflows(t.deps, scan([nativeSend(4, hash(45)), nativeSend(5, hash(46))]));
    expect(report.explained).toBe(0);
    expect(report.unexplained.map((e) => [e.asset, e.evidence.amount])).toEqual([
      ['native', 1_021n],
      ['native', 1_021n],
    ]);
    // A reverted call still paid its fee.
    const reverted = await detectUnexplainedOutflows(t.deps, scan([nativeSend(6, hash(47), 0n, 30n)]));
    expect(reverted.unexplained[0]?.evidence.amount).toBe(30n);
  });

  it('leaves out tokens outside the registry and addresses that are not ours', async () => {
    const t = setup();
    await t.wallets.create('w-1', CUSTODY);
    const report = await detectUnexplainedOutflows(t.deps, {
      ...scan([{ ...transferFrom, token: OTHER_TOKEN }]),
    });
    const stranger = await detectUnexplainedOutflows(t.deps, {
      ...scan([transferFrom]),
      wallets: new Map([['0x9999999999999999999999999999999999999999', 'w-9']]),
    });
    expect(report.unexplained).toEqual([]);
    expect(stranger.unexplained).toEqual([]);
    expect(t.postings).toEqual([]);
  });

  it('records an outflow the books cannot cover as not booked, and still freezes the wallet', async () => {
    const t = setup();
    await t.wallets.create('w-1', CUSTODY);
    t.fakeLedger.refuse = true;
    const report = await detectUnexplainedOutflows(t.deps, scan([transferFrom]));
    expect(report.unexplained[0]?.booking).toEqual({
      booked: false,
      reason: expect.stringContaining('LEDGER.INVALID_POSTING'),
    });
    expect((await t.wallets.get('w-1'))?.status).toBe('FROZEN');
    expect(t.alarms.raised[0]?.message).toMatch(/not booked/);
  });

  it('leaves a frozen wallet frozen without a second FROZEN event', async () => {
    const t = setup();
    const wallet = await t.wallets.create('w-1', CUSTODY);
    await t.wallets.append(wallet, [
      { walletId: 'w-1', seq: 2, type: 'FROZEN', at: NOW, actor: 'admin', data: { reason: 'by hand' } },
    ]);
    await detectUnexplainedOutflows(t.deps, scan([transferFrom]));
    expect((await t.wallets.get('w-1'))?.frozen?.reason).toBe('by hand');
    expect(t.audit.entries).toEqual([]);
    expect(t.store.all()).toHaveLength(1);
  });
});

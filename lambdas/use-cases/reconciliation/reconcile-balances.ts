import { NATIVE, type Asset } from '../../domain/asset';
import { expectedChainBalance, withinExpected } from '../../domain/reconciliation/expected-chain-balance';
import { mismatchIdOf, type BalanceMismatchException } from '../../domain/reconciliation/reconciliation-exception';
import type { AlarmSink } from '../../ports/alarm-sink';
import type { ChainGateway } from '../../ports/chain';
import type { CursorStore } from '../../ports/cursor-store';
import type { LedgerStore } from '../../ports/ledger-store';
import type { ReconciliationStore } from '../../ports/reconciliation-store';
import type { WalletStore } from '../../ports/wallet-store';
import type { Address } from '../../domain/address';
import { scannedThrough } from '../watch-deposits';

export interface ReconcileBalancesDeps {
  readonly chain: ChainGateway;
  readonly cursors: CursorStore;
  readonly ledger: Pick<LedgerStore, 'balances'>;
  readonly wallets: Pick<WalletStore, 'addressesOnChain'>;
  readonly reconciliation: Pick<ReconciliationStore, 'record'>;
  readonly alarms: AlarmSink;
  readonly clock: () => Date;
}

/** What one reconciliation round of a chain did. */
export type ReconciliationReport =
  | {
      readonly outcome: 'COMPARED';
      readonly blockNumber: bigint;
      /** Wallet accounts compared (wallets × native and registry tokens). */
      readonly compared: number;
      /** Every account that did not match, recorded now or before. */
      readonly mismatches: readonly BalanceMismatchException[];
      /** The mismatches recorded by this round (a known discrepancy is not recorded again). */
      readonly recorded: readonly BalanceMismatchException[];
    }
  /** The deposit scanner has not scanned anything yet: the books cannot be compared with any block. */
  | { readonly outcome: 'NOT_SCANNED' }
  /** The scanner moved while the books were read: they may hold blocks past the compared one. Next round. */
  | { readonly outcome: 'RACED'; readonly blockNumber: bigint };

/**
 * One reconciliation round of a chain (ARCHITECTURE §4 Reconcile): per custody wallet and asset
 * (native and the registry's tokens), the chain's balance at ONE block B against what the ledger
 * allows there (`expectedChainBalance`); each account outside it is a BALANCE_MISMATCH exception, with
 * an alarm when it is new.
 *
 * B is the head, or the last block the deposit scanner has finished if that is lower: deposits and
 * unexplained outflows up to B are then on the books, and none after it. The scanner's cursor is read
 * again after the books: if it moved, the books may hold postings for blocks after B and the round
 * records nothing (the next one compares again).
 *
 * An account outside the range at B is compared at the head as well, and is a mismatch only when it is
 * outside there too: a transfer whose transaction was mined after B may be settled on the books already.
 *
 * The exception's id is the account and the difference (chain − settled − pendingIn), not the block:
 * a repeated round over the same block, or a discrepancy that persists round after round, is recorded
 * once; a different difference is a new exception.
 */
export async function reconcileBalances(deps: ReconcileBalancesDeps): Promise<ReconciliationReport> {
  const { chain } = deps;
  const { chainId } = chain.config;
  const head = await chain.headBlockNumber();
  const scanned = await scannedThrough(deps.cursors, chainId);
  if (scanned === undefined) return { outcome: 'NOT_SCANNED' };
  const blockNumber = scanned.block < head ? scanned.block : head;
  const block = await chain.block(blockNumber);
  if (block === undefined) return { outcome: 'RACED', blockNumber };
  const assets: readonly Asset[] = [NATIVE, ...chain.config.tokens.map((t) => t.address)];
  const wallets = await deps.wallets.addressesOnChain(chainId);

  const at = deps.clock();
  const mismatches: BalanceMismatchException[] = [];
  let compared = 0;
  for (const [address, walletId] of wallets) {
    for (const asset of assets) {
      const chainBalance = await chain.balanceAt(address as Address, asset, blockNumber);
      const balances = await deps.ledger.balances(walletId, asset);
      compared++;
      const ledger = {
        settled: balances.settled,
        reserved: balances.reserved,
        pendingOut: balances.pendingOut,
        pendingIn: balances.pendingIn,
      };
      const expected = expectedChainBalance(ledger);
      if (withinExpected(chainBalance, expected)) continue;
      // The books are read now, so they may hold the settlement of a transaction mined after B (the
      // scanner lags the head; settling does not wait for it): the chain at B still holds that amount.
      // A real discrepancy before B shows at the head too; one that shows only at B is that lag.
      if (head > blockNumber && withinExpected(await chain.balanceAt(address as Address, asset, head), expected))
        continue;
      const difference = chainBalance - expected.max;
      mismatches.push({
        kind: 'BALANCE_MISMATCH',
        id: mismatchIdOf(chainId, walletId, asset, difference),
        walletId,
        chainId,
        asset,
        detectedAt: at,
        blockNumber,
        blockHash: block.hash,
        chainBalance,
        ledger,
        expected,
        difference,
      });
    }
  }

  const after = await scannedThrough(deps.cursors, chainId);
  if (after?.version !== scanned.version) return { outcome: 'RACED', blockNumber };
  const recorded: BalanceMismatchException[] = [];
  for (const mismatch of mismatches) {
    if (!(await deps.reconciliation.record(mismatch)).recorded) continue;
    recorded.push(mismatch);
    await deps.alarms.raise({
      kind: 'BALANCE_MISMATCH',
      walletId: mismatch.walletId,
      chainId,
      asset: mismatch.asset,
      exceptionId: mismatch.id,
      message:
        `at block ${blockNumber} the chain holds ${mismatch.chainBalance} base units of ${mismatch.asset}, ` +
        `the ledger allows ${mismatch.expected.min}..${mismatch.expected.max}`,
      at,
    });
  }
  return { outcome: 'COMPARED', blockNumber, compared, mismatches, recorded };
}

import type { ExpectedRange, LedgerFigures } from './reconciliation-exception';

/**
 * What the chain may hold at block B for a wallet account whose ledger figures were read after the
 * deposit watcher had scanned up to B:
 *
 *   max = settled + pendingIn
 *   min = settled + pendingIn − reserved − pendingOut
 *
 * `settled` (available + reserved + pendingOut) is what the books say is ours; `pendingIn` is deposits
 * seen in blocks up to B, on chain already but not yet spendable. Funds in flight (`reserved`, then
 * `pendingOut` once broadcast) are still counted in `settled` until their transfer settles, yet its
 * transaction may or may not be mined by B: so the chain may hold anything down to the books less
 * all of them (a fee is never more than its allowance, which is part of the reservation). With nothing
 * in flight the range is one value and the comparison is exact.
 */
export function expectedChainBalance(ledger: LedgerFigures): ExpectedRange {
  const max = ledger.settled + ledger.pendingIn;
  return { min: max - ledger.reserved - ledger.pendingOut, max };
}

/** Whether the chain's balance is one the books allow at that block. */
export const withinExpected = (chainBalance: bigint, expected: ExpectedRange): boolean =>
  chainBalance >= expected.min && chainBalance <= expected.max;

import { expectedChainBalance, withinExpected } from '../../../../lambdas/domain/reconciliation/expected-chain-balance';
import { mismatchIdOf, outflowIdOf } from '../../../../lambdas/domain/reconciliation/reconciliation-exception';
import { ID_RULE } from '../../../../lambdas/domain/validation';

const TX = '0xAB0000000000000000000000000000000000000000000000000000000000000c';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('reconciliation ids', () => {
  it('names an outflow by chain, transaction and log index, whatever the block and the letter case', () => {
    const id = outflowIdOf(1, { txHash: TX, logIndex: 2 });
    expect(outflowIdOf(1, { txHash: TX.toLowerCase(), logIndex: 2 })).toBe(id);
    expect(new Set([id, outflowIdOf(1, { txHash: TX }), outflowIdOf(1, { txHash: TX, logIndex: 3 })]).size).toBe(3);
    expect(outflowIdOf(8453, { txHash: TX, logIndex: 2 })).not.toBe(id);
    expect(id).toMatch(ID_RULE.pattern as RegExp);
    expect(id.length).toBeLessThanOrEqual(ID_RULE.maxLength);
  });

  it('names a mismatch by account and difference, not by block', () => {
    const id = mismatchIdOf(1, 'w-1', TOKEN, -300n);
    expect(mismatchIdOf(1, 'w-1', TOKEN.toLowerCase() as typeof TOKEN, -300n)).toBe(id);
    expect(mismatchIdOf(1, 'w-1', TOKEN, -301n)).not.toBe(id);
    expect(mismatchIdOf(1, 'w-2', TOKEN, -300n)).not.toBe(id);
    expect(mismatchIdOf(1, 'w-1', 'native', -300n)).not.toBe(id);
    expect(id).toMatch(ID_RULE.pattern as RegExp);
  });
});

describe('expectedChainBalance', () => {
  it('is exact with nothing in flight and widens down by what is reserved or pending out', () => {
    expect(expectedChainBalance({ settled: 100n, reserved: 0n, pendingOut: 0n, pendingIn: 5n })).toEqual({
      min: 105n,
      max: 105n,
    });
    const range = expectedChainBalance({ settled: 100n, reserved: 10n, pendingOut: 20n, pendingIn: 5n });
    expect(range).toEqual({ min: 75n, max: 105n });
    expect([74n, 75n, 105n, 106n].map((b) => withinExpected(b, range))).toEqual([false, true, true, false]);
  });
});

import {
  nextConfirmationStep,
  type ConfirmationContext,
} from '../../../../lambdas/domain/chain/next-confirmation-step';
import type { NonceObservation } from '../../../../lambdas/domain/chain/nonce-observation';

const HASH = `0x${'aa'.repeat(32)}` as const;
const BLOCK = `0x${'bb'.repeat(32)}` as const;
const at = (s: number): Date => new Date(Date.UTC(2026, 10, 21, 0, 0, s));
const context: ConfirmationContext = {
  requiredConfirmations: 3,
  stuckAfterSeconds: 30,
  latestAttemptBroadcastAt: at(0),
  now: at(10),
};
const mined = (confirmations: number, succeeded = true): NonceObservation => ({
  kind: 'MINED',
  txHash: HASH,
  blockNumber: 10n,
  blockHash: BLOCK,
  confirmations,
  fee: 21_000n,
  succeeded,
});

describe('nextConfirmationStep', () => {
  it('waits below the required confirmations and is final at them', () => {
    expect(nextConfirmationStep(mined(2), context)).toMatchObject({ action: 'WAIT', confirmations: 2 });
    expect(nextConfirmationStep(mined(3), context)).toMatchObject({
      action: 'FINAL',
      mined: { txHash: HASH, fee: 21_000n, confirmations: 3 },
    });
  });

  it('tells a reverted call apart: the fee is spent, the principal is not', () => {
    expect(nextConfirmationStep(mined(3, false), context).action).toBe('FINAL_REVERTED');
  });

  it('replaces a pending transaction only once it is past the stuck deadline since the latest attempt', () => {
    const pending: NonceObservation = { kind: 'PENDING', knownHashes: [HASH] };
    expect(nextConfirmationStep(pending, { ...context, now: at(29) }).action).toBe('WAIT');
    expect(nextConfirmationStep(pending, { ...context, now: at(30) }).action).toBe('REPLACE');
  });

  it('rebroadcasts a dropped transaction and hands a foreign nonce to a human', () => {
    expect(nextConfirmationStep({ kind: 'DROPPED' }, context).action).toBe('REBROADCAST');
    expect(nextConfirmationStep({ kind: 'TAKEN_BY_OTHER', chainNonce: 9 }, context)).toMatchObject({
      action: 'RECONCILE',
    });
  });

  it('carries a reorg through whatever comes next', () => {
    const reorgedOut = { txHash: HASH, blockNumber: 10n, blockHash: BLOCK };
    expect(nextConfirmationStep({ kind: 'PENDING', knownHashes: [HASH], reorgedOut }, context)).toEqual({
      action: 'WAIT',
      confirmations: 0,
      reorgedOut,
    });
  });
});

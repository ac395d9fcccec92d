import type { MinedAt, NonceObservation } from './nonce-observation';

/**
 * What the confirmation loop does next with a signed transfer, from one observation of its nonce.
 *
 * - FINAL: mined and succeeded with the chain's confirmations: settle with the fee in `mined`.
 * - FINAL_REVERTED: mined with its confirmations but the call reverted: the nonce and the fee are
 *   spent, the principal did not move.
 * - WAIT: mined with too few confirmations, or pending and not yet stuck.
 * - REPLACE: pending past the stuck deadline since the latest attempt went out.
 * - REBROADCAST: no node knows any attempt and the nonce is free: send the stored attempt again.
 * - RECONCILE: the nonce went to a transaction that is not ours: nothing is released, a human looks.
 * `reorgedOut` carries a block we had seen the transaction in and that left the chain.
 */
export type ConfirmationStep =
  | {
      readonly action: 'FINAL' | 'FINAL_REVERTED';
      readonly mined: MinedAt & { readonly fee: bigint; readonly confirmations: number };
      readonly reorgedOut?: MinedAt;
    }
  | { readonly action: 'WAIT'; readonly confirmations: number; readonly mined?: MinedAt; readonly reorgedOut?: MinedAt }
  | { readonly action: 'REPLACE' | 'REBROADCAST'; readonly reorgedOut?: MinedAt }
  | { readonly action: 'RECONCILE'; readonly reason: string; readonly reorgedOut?: MinedAt };

export interface ConfirmationContext {
  readonly requiredConfirmations: number;
  readonly stuckAfterSeconds: number;
  /** When the newest attempt was broadcast: a replacement restarts the stuck clock. */
  readonly latestAttemptBroadcastAt: Date;
  readonly now: Date;
}

export function nextConfirmationStep(observation: NonceObservation, context: ConfirmationContext): ConfirmationStep {
  const reorg = observation.reorgedOut === undefined ? {} : { reorgedOut: observation.reorgedOut };
  switch (observation.kind) {
    case 'MINED': {
      const mined = {
        txHash: observation.txHash,
        blockNumber: observation.blockNumber,
        blockHash: observation.blockHash,
      };
      if (observation.confirmations < context.requiredConfirmations)
        return { action: 'WAIT', confirmations: observation.confirmations, mined, ...reorg };
      const final = { ...mined, fee: observation.fee, confirmations: observation.confirmations };
      return { action: observation.succeeded ? 'FINAL' : 'FINAL_REVERTED', mined: final, ...reorg };
    }
    case 'PENDING': {
      const waited = (context.now.getTime() - context.latestAttemptBroadcastAt.getTime()) / 1000;
      return waited >= context.stuckAfterSeconds
        ? { action: 'REPLACE', ...reorg }
        : { action: 'WAIT', confirmations: 0, ...reorg };
    }
    case 'DROPPED':
      return { action: 'REBROADCAST', ...reorg };
    case 'TAKEN_BY_OTHER':
      return {
        action: 'RECONCILE',
        reason: `the nonce was consumed by a transaction that is none of ours (chain nonce ${observation.chainNonce})`,
        ...reorg,
      };
  }
}

import type { Hex } from 'viem';

/** Where a transaction was mined: enough to notice later that its block left the chain. */
export interface MinedAt {
  readonly txHash: Hex;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
}

/**
 * What the chain shows at one (from, nonce), given the hashes of our signed attempts there.
 *
 * - MINED: one of our attempts is in the canonical chain (`succeeded` false for a reverted call, which
 *   still consumed the nonce and the fee).
 * - PENDING: not mined, and the node knows at least one of our attempts.
 * - DROPPED: not mined, the nonce is free, and the node knows none of them: rebroadcast the stored attempt.
 * - TAKEN_BY_OTHER: the nonce was consumed by a transaction that is none of ours: a human must look.
 * `reorgedOut` is set when the attempt seen mined before (`previouslyMined`) is no longer where it was.
 */
export type NonceObservation = (
  | (MinedAt & {
      readonly kind: 'MINED';
      readonly confirmations: number;
      readonly fee: bigint;
      readonly succeeded: boolean;
    })
  | { readonly kind: 'PENDING'; readonly knownHashes: readonly Hex[] }
  | { readonly kind: 'DROPPED' }
  | { readonly kind: 'TAKEN_BY_OTHER'; readonly chainNonce: number }
) & { readonly reorgedOut?: MinedAt };

import type { Address } from '../address';
import type { PreparedTransaction } from '../lifecycle/transfer-events';
import type { Fees } from './replacement-fees';

/** The gas of a plain value transfer to an account without code. */
export const PLAIN_TRANSFER_GAS = 21_000n;

/**
 * A zero-value transfer from the wallet to itself at `nonce`: it consumes a nonce that will not be
 * used otherwise (so later transactions are not stuck behind a gap), and it is also how a signed
 * transaction is cancelled, as a replacement at the same nonce.
 */
export function nonceFillTransaction(
  at: { readonly chainId: number; readonly from: Address; readonly nonce: number },
  fees: Fees,
): PreparedTransaction {
  return {
    chainId: at.chainId,
    nonce: at.nonce,
    from: at.from,
    to: at.from,
    value: 0n,
    data: '0x',
    gasLimit: PLAIN_TRANSFER_GAS,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  };
}

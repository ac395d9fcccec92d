import { wantedMaxFee } from '../domain/chain/new-transaction-fees';
import { nonceFillTransaction } from '../domain/chain/nonce-fill-transaction';
import { assertReplacement, replacementFees } from '../domain/chain/replacement-fees';
import type { PreparedTransaction } from '../domain/lifecycle/transfer-events';
import type { ChainGateway } from '../ports/chain';

/**
 * The next attempt at a signed transaction's nonce: the same call with both fees raised by at least
 * 10% (STUCK), or a zero-value transfer to itself (CANCEL), within the fee ceiling. It must be
 * authorized again before it is signed, like any transaction.
 */
export async function prepareReplacement(
  chain: ChainGateway,
  previous: PreparedTransaction,
  reason: 'STUCK' | 'CANCEL',
): Promise<PreparedTransaction> {
  const network = await chain.networkFees();
  const fees = replacementFees(
    previous,
    {
      maxFeePerGas: wantedMaxFee(network, network.maxPriorityFeePerGas),
      maxPriorityFeePerGas: network.maxPriorityFeePerGas,
    },
    chain.config.feeCeiling,
  );
  const next = reason === 'CANCEL' ? nonceFillTransaction(previous, fees) : { ...previous, ...fees };
  assertReplacement(previous, next, chain.config.feeCeiling);
  return next;
}

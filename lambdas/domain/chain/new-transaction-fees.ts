import { ChainError } from '../errors';
import type { ChainConfig } from './chain-config';
import type { Fees } from './replacement-fees';

/** What the network asks now: the latest base fee and the node's suggested priority fee. */
export interface NetworkFees {
  readonly baseFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/** The max fee the network would want now: twice the base fee rides out six full blocks of rising fees. */
export const wantedMaxFee = (network: NetworkFees, priority: bigint): bigint => 2n * network.baseFeePerGas + priority;

/**
 * Fees for a first attempt, within the chain's caps. When the network wants more than the cap can
 * pay (base fee plus priority above it), the transfer is refused for now, not sent underpriced.
 */
export function newTransactionFees(config: ChainConfig, network: NetworkFees): Fees {
  const cap = config.maxFeePerGasCap;
  const priority =
    network.maxPriorityFeePerGas < config.maxPriorityFeePerGasCap
      ? network.maxPriorityFeePerGas
      : config.maxPriorityFeePerGasCap;
  if (network.baseFeePerGas + priority > cap) {
    throw new ChainError(
      'CHAIN.FEE_CAP_EXCEEDED',
      `the base fee ${network.baseFeePerGas} plus priority ${priority} is above the cap ${cap}`,
      {
        details: { baseFeePerGas: network.baseFeePerGas.toString(), maxFeePerGasCap: cap.toString() },
      },
    );
  }
  const wanted = wantedMaxFee(network, priority);
  return { maxFeePerGas: wanted < cap ? wanted : cap, maxPriorityFeePerGas: priority };
}

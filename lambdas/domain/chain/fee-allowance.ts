import type { Intent } from '../intents';
import type { ChainConfig } from './chain-config';

/** The most gas a transaction carrying this intent may be given. */
export function gasLimitCeilingFor(config: ChainConfig, intent: Intent): bigint {
  if (intent.method === 'native') return config.gasLimitCeilings.native;
  if (intent.method === 'contract-call') return config.gasLimitCeilings.contractCall;
  return config.gasLimitCeilings.erc20;
}

/**
 * The native amount reserved at submit for fees: the gas ceiling times the fee ceiling. Every attempt
 * (replacements included) stays within both, so the fee finally paid never exceeds what was reserved,
 * and the reservation is known before any node is asked (deterministic, as the ledger needs it).
 */
export function feeAllowance(config: ChainConfig, intent: Intent): bigint {
  return gasLimitCeilingFor(config, intent) * config.feeCeiling;
}

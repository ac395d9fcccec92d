import { ChainError } from '../errors';
import type { PreparedTransaction } from '../lifecycle/transfer-events';

/** EIP-1559 fees of one attempt, in wei per gas. */
export interface Fees {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/** Nodes (geth's default price bump) want both fees raised by at least this percentage. */
export const REPLACEMENT_BUMP_PERCENT = 10n;

/** The least a replacement may offer: `fee` raised by 10%, rounded up. */
export const bumped = (fee: bigint): bigint => (fee * (100n + REPLACEMENT_BUMP_PERCENT) + 99n) / 100n;

/**
 * The fees of a replacement: each at least 10% above the previous attempt's and at least what the
 * network asks now, the max fee never above `ceiling`. Refused when the bump itself would cross the
 * ceiling: the transfer then waits for a human rather than paying more than was reserved.
 */
export function replacementFees(previous: Fees, network: Fees, ceiling: bigint): Fees {
  const maxPriorityFeePerGas = max(bumped(previous.maxPriorityFeePerGas), min(network.maxPriorityFeePerGas, ceiling));
  const maxFeePerGas = min(max(bumped(previous.maxFeePerGas), network.maxFeePerGas, maxPriorityFeePerGas), ceiling);
  const fees = { maxFeePerGas, maxPriorityFeePerGas };
  assertFeesRaised(previous, fees, ceiling);
  return fees;
}

/**
 * Requires `next` to be a valid replacement of `previous`: the same chain, sender and nonce, both fees
 * raised by at least 10%, the max fee within the ceiling and not below the priority fee. Nodes accept
 * smaller bumps (anvil takes 1 wei), so the rule is enforced here, not left to the node.
 */
export function assertReplacement(previous: PreparedTransaction, next: PreparedTransaction, ceiling: bigint): void {
  for (const field of ['chainId', 'from', 'nonce'] as const) {
    const same =
      field === 'from' ? previous.from.toLowerCase() === next.from.toLowerCase() : previous[field] === next[field];
    if (!same) throw notAReplacement(`a replacement keeps the ${field} of the transaction it replaces`, field);
  }
  if (
    next.gasLimit > previous.gasLimit &&
    next.data === previous.data &&
    next.to.toLowerCase() === previous.to.toLowerCase()
  ) {
    throw notAReplacement('a replacement of the same call keeps its gas limit', 'gasLimit');
  }
  assertFeesRaised(previous, next, ceiling);
}

function assertFeesRaised(previous: Fees, next: Fees, ceiling: bigint): void {
  if (next.maxPriorityFeePerGas < bumped(previous.maxPriorityFeePerGas)) {
    throw notAReplacement(
      `the priority fee must be raised by at least ${REPLACEMENT_BUMP_PERCENT}%`,
      'maxPriorityFeePerGas',
    );
  }
  if (next.maxFeePerGas < bumped(previous.maxFeePerGas)) {
    throw notAReplacement(`the max fee must be raised by at least ${REPLACEMENT_BUMP_PERCENT}%`, 'maxFeePerGas');
  }
  if (next.maxFeePerGas > ceiling)
    throw notAReplacement(`the max fee ${next.maxFeePerGas} is above the fee ceiling ${ceiling}`, 'maxFeePerGas');
  if (next.maxFeePerGas < next.maxPriorityFeePerGas)
    throw notAReplacement('the max fee is below the priority fee', 'maxFeePerGas');
}

function notAReplacement(message: string, field: string): ChainError {
  return new ChainError('CHAIN.NOT_A_REPLACEMENT', message, { details: { field } });
}

const max = (...values: readonly bigint[]): bigint => values.reduce((a, b) => (b > a ? b : a));
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

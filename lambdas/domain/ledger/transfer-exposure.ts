import type { Intent } from '../intents';

/**
 * What a transfer counts against velocity limits: the principal that leaves the wallet, or for an
 * allowance the value a spender may pull without us (an approval is a future outflow we no longer
 * control). `approve` sets the allowance: it counts the allowance it grants, except one that lowers the
 * spender's current allowance, which counts 0. One that re-grants the same allowance counts in full: the
 * spender may have pulled it by the time it is mined (an approve cannot say which allowance it
 * replaces), and re-granting what was pulled is exactly how an allowance escapes a limit.
 * `increaseAllowance` counts the value it adds. `currentAllowance` is undefined when it could not be
 * read: the full allowance counts.
 */
export function transferExposure(intent: Intent, currentAllowance: bigint | undefined): bigint {
  if (intent.kind !== 'approve') return intent.outflow;
  if (intent.method === 'erc20.increaseAllowance') return intent.amount;
  return currentAllowance !== undefined && intent.amount < currentAllowance ? 0n : intent.amount;
}

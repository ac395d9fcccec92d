import type { Asset } from '../asset';
import type { Policy } from './policy';

/**
 * Whether judging a transfer of `asset` under `policy` needs the wallet's activity (velocity usage or
 * the previous transfer's time): only a rolling-window limit on that asset or a cooldown reads them,
 * so a policy without either costs no ledger read.
 */
export function policyReadsActivity(policy: Policy, asset: Asset): boolean {
  const limits = policy.limits;
  if (limits.cooldownSeconds !== undefined) return true;
  const assetLimits = limits.perAsset?.[asset];
  return (
    assetLimits !== undefined &&
    (assetLimits.daily !== undefined || assetLimits.weekly !== undefined || assetLimits.monthly !== undefined)
  );
}

import { sameAddress } from '../../domain/address';
import type { Asset } from '../../domain/asset';
import type { AssetCaps, CoSignerCaps } from '../co-signer-config';

/** The cap's window: a rolling 24 hours, so no reset at midnight lets two days' worth out in a minute. */
export const CAP_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The cap for one wallet and asset: the wallet's entry if it names the asset, else the default's, else
 * none. No cap means no release (deny by default): the co-signer is the check that must hold when the
 * policy or the approval key is wrong or compromised, and an asset nobody thought to limit (a new token,
 * a chain's native coin) is exactly where an unlimited release would drain a wallet.
 */
export function capFor(caps: CoSignerCaps, walletId: string, asset: Asset): bigint | undefined {
  const own =
    caps.wallets === undefined ? undefined : Object.hasOwn(caps.wallets, walletId) ? caps.wallets[walletId] : undefined;
  return lookup(own, asset) ?? lookup(caps.default, asset);
}

function lookup(caps: AssetCaps | undefined, asset: Asset): bigint | undefined {
  if (caps === undefined) return undefined;
  for (const [key, cap] of Object.entries(caps)) {
    if (asset === 'native' ? key === 'native' : key !== 'native' && sameAddress(key, asset)) return cap;
  }
  return undefined;
}

/** Whether `amount` more stays within `cap` after `releasedInWindow`, all base units. */
export const withinCap = (cap: bigint, releasedInWindow: bigint, amount: bigint): boolean =>
  releasedInWindow + amount <= cap;

/** Whether two assets are the same: "native" only itself, token addresses whatever their case. */
export const sameAsset = (a: Asset, b: Asset): boolean =>
  a === 'native' || b === 'native' ? a === b : sameAddress(a, b);

import type { Asset } from '../asset';
import type { TokenConfig } from '../chain/chain-config';
import type { IncomingTransferLike } from './incoming-transfer-like';

/** An incoming transfer sorted: credited to a wallet in a known asset, or ignored with the reason. */
export type Classified<T extends IncomingTransferLike> =
  | { readonly credit: true; readonly transfer: T; readonly walletId: string; readonly asset: Asset }
  | {
      readonly credit: false;
      readonly transfer: T;
      readonly reason: 'UNKNOWN_TOKEN' | 'UNKNOWN_ADDRESS' | 'ZERO_AMOUNT';
    };

/**
 * Decides what an incoming transfer is worth to us. Only native value and tokens of the configured
 * registry are credited: anyone can deploy a contract that emits Transfer logs to our addresses, so
 * a log from any other contract is recorded and never credited.
 */
export function classifyIncoming<T extends IncomingTransferLike>(
  transfer: T,
  walletsByAddress: ReadonlyMap<string, string>,
  tokens: readonly TokenConfig[],
): Classified<T> {
  const walletId = walletsByAddress.get(transfer.to.toLowerCase());
  if (walletId === undefined) return { credit: false, transfer, reason: 'UNKNOWN_ADDRESS' };
  if (transfer.amount === 0n) return { credit: false, transfer, reason: 'ZERO_AMOUNT' };
  if (transfer.kind === 'native') return { credit: true, transfer, walletId, asset: 'native' };
  const token = tokens.find(
    (t) => transfer.token !== undefined && t.address.toLowerCase() === transfer.token.toLowerCase(),
  );
  if (token === undefined) return { credit: false, transfer, reason: 'UNKNOWN_TOKEN' };
  return { credit: true, transfer, walletId, asset: token.address };
}

import { keccak256, toHex } from 'viem';

/**
 * The id of one observation of a deposit: chain, block hash, transaction and log index. The same
 * transfer re-included in another block after a reorg is another deposit (the first is reversed);
 * a rescan of the same block gives the same id, so its postings are replays. Hashed to stay within
 * the 64-character id rule.
 */
export function depositIdOf(
  chainId: number,
  seen: { readonly blockHash: string; readonly txHash: string; readonly logIndex?: number },
): string {
  const key = `${chainId}|${seen.blockHash.toLowerCase()}|${seen.txHash.toLowerCase()}|${seen.logIndex ?? 'native'}`;
  return `dep-${keccak256(toHex(key)).slice(2, 42)}`;
}

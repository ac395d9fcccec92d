import { combine, split } from 'shamir-secret-sharing';
import type { Hex } from 'viem';
import { addressOfSecretKey, SECRET_KEY_LENGTH } from './address-of-secret-key';
import { zeroise } from './combine-shares';
import { ShareError } from './share-error';

export interface SplitKey {
  /** The key's Ethereum address (EIP-55). */
  readonly address: Hex;
  /** Share 1 (the enclave's), share 2 (the co-signer's), share 3 (the customer's): 33 bytes each. */
  readonly shares: [Uint8Array, Uint8Array, Uint8Array];
}

/** The three pairs of three shares: any two must rebuild the key. */
const PAIRS = [
  [0, 1],
  [0, 2],
  [1, 2],
] as const;

/**
 * Splits a secp256k1 secret key into three shares, any two of which rebuild it (`split(key, 3, 2)`),
 * and proves it before handing them out: every pair is combined and must give the key's address.
 * `shamir-secret-sharing` verifies nothing about what a combination gives (it has no checksum, and any
 * two shares interpolate to some 32 bytes), so a fault in the split, in the random source or in memory
 * would otherwise surface only at recovery, when the key is needed and a share may be all that is left.
 * The caller owns `secretKey` and the shares; this zeroises only the combinations it made.
 */
export async function splitKey(secretKey: Uint8Array): Promise<SplitKey> {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `secretKey is not ${SECRET_KEY_LENGTH} bytes`, { field: 'secretKey' });
  const address = addressOfSecretKey(secretKey);
  if (address === undefined)
    throw new ShareError('SHARES.INVALID_KEY', 'secretKey is not a secp256k1 private key', { field: 'secretKey' });
  const parts = await split(secretKey, 3, 2);
  const [one, two, three] = parts;
  if (parts.length !== 3 || one === undefined || two === undefined || three === undefined)
    throw new ShareError('SHARES.SPLIT_UNVERIFIED', `the split gave ${parts.length} shares, not 3`);
  const shares: [Uint8Array, Uint8Array, Uint8Array] = [one, two, three];
  for (const [i, j] of PAIRS) {
    const rebuilt = await combine([shares[i], shares[j]]);
    const rebuiltAddress = addressOfSecretKey(rebuilt);
    zeroise(rebuilt);
    if (rebuiltAddress !== address) {
      zeroise(...shares);
      throw new ShareError('SHARES.SPLIT_UNVERIFIED', `shares ${i + 1} and ${j + 1} do not rebuild the key`);
    }
  }
  return { address, shares };
}

import { combine } from 'shamir-secret-sharing';
import { isAddress } from 'viem';
import { addressOfSecretKey, SHARE_LENGTH } from './address-of-secret-key';
import { ShareError } from './share-error';

/**
 * Rebuilds a wallet's secret key from two of its three shares, and hands it back only if its address is
 * `expectedAddress` (compared case-insensitively). `shamir-secret-sharing` interpolates whatever it is
 * given: two shares of different keys, a share with a flipped byte, or shares of another wallet all
 * "combine" to some 32 bytes without an error, so the address is the only check there is. The caller
 * owns the returned key and should `zeroise` it once it has signed.
 */
export async function combineShares(a: Uint8Array, b: Uint8Array, expectedAddress: string): Promise<Uint8Array> {
  if (typeof expectedAddress !== 'string' || !isAddress(expectedAddress, { strict: false }))
    throw new ShareError('SHARES.MALFORMED', 'expectedAddress is not a 20-byte hex address', {
      field: 'expectedAddress',
    });
  checkShare(a, 'shareA');
  checkShare(b, 'shareB');
  // The library refuses two shares with one x coordinate too, but with a bare Error: this names it. A
  // share given twice is one share, and one share alone must rebuild nothing.
  if (a[SHARE_LENGTH - 1] === b[SHARE_LENGTH - 1])
    throw new ShareError(
      'SHARES.DUPLICATE_SHARE',
      'the two shares have the same x coordinate: give two different shares',
    );
  const key = await combine([a, b]);
  const address = addressOfSecretKey(key);
  if (address === undefined || address.toLowerCase() !== expectedAddress.toLowerCase()) {
    zeroise(key);
    throw new ShareError(
      'SHARES.ADDRESS_MISMATCH',
      `the shares do not rebuild the key of ${expectedAddress}: a share is altered, or of another wallet or epoch`,
    );
  }
  return key;
}

function checkShare(share: unknown, field: string): asserts share is Uint8Array {
  if (!(share instanceof Uint8Array) || share.length !== SHARE_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `${field} is not a share of ${SHARE_LENGTH} bytes`, { field });
  // x = 0 is where the polynomial holds the secret itself: the library never makes such a share.
  if (share[SHARE_LENGTH - 1] === 0)
    throw new ShareError('SHARES.MALFORMED', `${field} has x coordinate 0, which no share has`, { field });
}

/** Fills each buffer with zeros. */
export function zeroise(...buffers: readonly (Uint8Array | undefined)[]): void {
  // JavaScript cannot promise that no copy of a secret remains: the engine may have moved the bytes
  // (a garbage-collector compaction), and a library may have copied them on the way. What this does is
  // end the lifetime of the copies we hold as soon as they have served, so that a later memory dump, or
  // a bug that echoes a buffer, finds zeros.
  for (const buffer of buffers) buffer?.fill(0);
}

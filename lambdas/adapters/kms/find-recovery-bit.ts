import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, isAddressEqual, type Address } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import type { SignatureScalars } from './decode-kms-signature';

/**
 * The recovery bit (yParity) with which (r, s) over `digest` recovers to `address`, found by
 * recovering both; undefined when neither does (the signature is not by that key, or not over that digest).
 */
export function findRecoveryBit(signature: SignatureScalars, digest: Uint8Array, address: Address): 0 | 1 | undefined {
  for (const bit of [0, 1] as const) {
    let recovered: Address;
    try {
      const point = new secp256k1.Signature(signature.r, signature.s, bit).recoverPublicKey(digest);
      recovered = publicKeyToAddress(bytesToHex(point.toBytes(false)));
    } catch {
      continue; // r is not the x of a point with this parity: not the bit
    }
    if (isAddressEqual(recovered, address)) return bit;
  }
  return undefined;
}

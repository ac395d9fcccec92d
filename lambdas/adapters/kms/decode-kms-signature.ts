import { secp256k1 } from '@noble/curves/secp256k1.js';

const N = secp256k1.Point.CURVE().n;
const HALF_N = N >> 1n;

/** An ECDSA signature as two scalars, without its recovery bit. */
export interface SignatureScalars {
  readonly r: bigint;
  readonly s: bigint;
}

/**
 * Decodes a DER ECDSA-Sig-Value (what KMS Sign returns) and moves s into the lower half of the curve
 * order (EIP-2): KMS signs with either s, and Ethereum only accepts s ≤ n/2. (r, n − s) is the same
 * signature with the other recovery bit, so the bit must be found after this, not before.
 * Throws on DER that is not strict, and on r or s outside [1, n − 1].
 */
export function decodeKmsSignature(der: Uint8Array): SignatureScalars {
  const { r, s } = secp256k1.Signature.fromBytes(der, 'der');
  return { r, s: s > HALF_N ? N - s : s };
}

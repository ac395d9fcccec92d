import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, type Address } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';

/**
 * The DER of a SubjectPublicKeyInfo up to the point, for id-ecPublicKey on secp256k1:
 * SEQUENCE(86) { SEQUENCE(16) { OID 1.2.840.10045.2.1, OID 1.3.132.0.10 }, BIT STRING(66) { 0 unused bits, … } }.
 * DER has one encoding per value, so for a secp256k1 key with an uncompressed point (what KMS returns)
 * every byte before the point is fixed: comparing them checks both OIDs and the whole structure.
 */
const SECP256K1_SPKI_PREFIX = Uint8Array.from(Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex'));
const UNCOMPRESSED_POINT_LENGTH = 65;

/**
 * The EVM address of a secp256k1 public key given as a DER SubjectPublicKeyInfo (KMS GetPublicKey).
 * Throws when the key is of another algorithm or curve, the point is compressed or not on the curve,
 * or the encoding is anything but the one DER encoding of such a key.
 */
export function spkiToAddress(spki: Uint8Array): Address {
  return publicKeyToAddress(bytesToHex(spkiToPublicKey(spki)));
}

/**
 * The uncompressed point (0x04 ‖ x ‖ y, 65 bytes) of a secp256k1 DER SubjectPublicKeyInfo, with the
 * checks of {@link spkiToAddress}.
 */
export function spkiToPublicKey(spki: Uint8Array): Uint8Array {
  const prefix = SECP256K1_SPKI_PREFIX.length;
  if (
    spki.length !== prefix + UNCOMPRESSED_POINT_LENGTH ||
    !SECP256K1_SPKI_PREFIX.every((byte, i) => spki[i] === byte)
  ) {
    throw new Error(
      'not the SubjectPublicKeyInfo of a secp256k1 key (id-ecPublicKey, curve 1.3.132.0.10) with an uncompressed point',
    );
  }
  const point = spki.slice(prefix);
  // Point.fromBytes checks the 0x04 tag and that (x, y) is on the curve.
  secp256k1.Point.fromBytes(point);
  return point;
}

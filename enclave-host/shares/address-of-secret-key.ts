import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, type Hex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';

/** A secp256k1 private key is 32 bytes. */
export const SECRET_KEY_LENGTH = 32;
/** `shamir-secret-sharing` appends the share's x coordinate to the 32 bytes of y values. */
export const SHARE_LENGTH = SECRET_KEY_LENGTH + 1;

/**
 * The Ethereum address of a secret key, or `undefined` when the bytes are no secp256k1 private key
 * (zero, or not below the group order: what a combination of altered shares can give). Derived through
 * the public key rather than viem's `privateKeyToAddress`, which wants the key as a hex string: a string
 * cannot be zeroised afterwards, a byte array can.
 */
export function addressOfSecretKey(secretKey: Uint8Array): Hex | undefined {
  if (secretKey.length !== SECRET_KEY_LENGTH || !secp256k1.utils.isValidSecretKey(secretKey)) return undefined;
  return publicKeyToAddress(bytesToHex(secp256k1.getPublicKey(secretKey, false)));
}

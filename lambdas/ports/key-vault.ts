import type { Hex } from 'viem';
import type { Address } from '../domain/address';

/** What a key is for. A vault tags each key with it; signers refuse a key of another purpose. */
export type KeyPurpose = 'custody' | 'approval' | 'audit';

/** A key held by a vault: its opaque id (a KMS key ARN, a local key id) and its EVM address. */
export interface KeyRef {
  readonly keyId: string;
  readonly address: Address;
}

/**
 * An ECDSA secp256k1 signature in the only form we use: r and s as 32-byte hex, s in the lower half
 * of the curve order (EIP-2), and the recovery bit that makes it recover to the key's address.
 */
export interface DigestSignature {
  readonly r: Hex;
  readonly s: Hex;
  readonly yParity: 0 | 1;
}

/**
 * Where secp256k1 keys live: KMS in the cloud, an encrypted local vault on one machine.
 *
 * `signDigest` signs whatever 32 bytes it is given, so it is for the signers in `lambdas/signing/`
 * only: they decide what a digest may be (an EIP-1559 transaction rebuilt from a verified proof, or
 * one of the domain's proof typed data). Nothing else imports this port's `signDigest`, and no
 * handler or API ever passes a caller's digest to it.
 *
 * Each signer also says which purpose of key it means to sign with, and the vault compares it with
 * the purpose it recorded when it created the key: a proof signer handed a custody key id, or the
 * custody signer handed the approval key, is refused by the vault itself (invariant 2), whatever
 * the configuration that got the key id there.
 */
export interface KeyVault {
  /** Creates a key tagged with `ownerId` (a wallet id, or the deployment for approval/audit keys) and `purpose`. */
  createKey(request: { readonly ownerId: string; readonly purpose: KeyPurpose }): Promise<KeyRef>;
  /** The address of a key; KEY.NOT_FOUND when there is none, KEY.DISABLED when it cannot sign. */
  addressOf(keyId: string): Promise<Address>;
  /**
   * The public key of a key, uncompressed SEC1 hex (0x04 ‖ x ‖ y, 65 bytes), whose address is
   * `addressOf(keyId)`; the same errors as `addressOf`. The signers check the vault's signatures
   * against it (lambdas/signing/known-key.ts) instead of recovering a key from each signature.
   * Optional: a vault, or a wrapper of one, without it leaves the signers on recovery, which checks
   * the same things at a higher cost.
   */
  publicKeyOf?(keyId: string): Promise<Hex>;
  /**
   * Signs a 32-byte digest with a key of `purpose`; the result recovers to `addressOf(keyId)`.
   * KEY.WRONG_PURPOSE, before anything is signed, when the key was created for another purpose or
   * the vault has no record of its purpose (a key it did not create is not one of ours).
   */
  signDigest(keyId: string, digest: Hex, purpose: KeyPurpose): Promise<DigestSignature>;
}

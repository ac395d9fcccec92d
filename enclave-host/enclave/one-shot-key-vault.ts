import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, numberToHex, type Hex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import type { Address } from '../../lambdas/domain/address';
import { SigningError } from '../../lambdas/domain/errors';
import type { DigestSignature, KeyPurpose, KeyRef, KeyVault } from '../../lambdas/ports/key-vault';

/** The key id the one-shot vault answers to: there is only one key in it. */
export const ONE_SHOT_KEY_ID = 'enclave-unsealed-agent-key';

/** The vault over one unsealed key, with the address derived from it. */
export interface OneShotKeyVault extends KeyVault {
  readonly address: Address;
}

/**
 * A KeyVault over one agent key the enclave has just unsealed, so the domain's own custody signer
 * (signCustodyTransaction: proof checks, low-s, recovery to from) signs with it unchanged. It holds
 * the caller's buffer, not a copy: the caller zeroises it in its finally, and the vault refuses to
 * sign a second time, so the key it was given signs exactly one digest. Custody purpose only: the
 * agent key is a custody key (ARCHITECTURE.md §6), never the approval or audit key.
 */
export function oneShotKeyVault(secretKey: Uint8Array): OneShotKeyVault {
  const publicKey = bytesToHex(secp256k1.getPublicKey(secretKey, false));
  const address = publicKeyToAddress(publicKey);
  let used = false;

  const checkId = (keyId: string): void => {
    if (keyId !== ONE_SHOT_KEY_ID) throw new SigningError('KEY.NOT_FOUND', `no key ${keyId} in the enclave`);
  };

  return {
    address,
    async createKey(): Promise<KeyRef> {
      throw new SigningError('SIGNER.FORBIDDEN_PAYLOAD', 'the one-shot vault holds one unsealed key and makes none');
    },
    async addressOf(keyId: string): Promise<Address> {
      checkId(keyId);
      return address;
    },
    async publicKeyOf(keyId: string): Promise<Hex> {
      checkId(keyId);
      return publicKey;
    },
    async signDigest(keyId: string, digest: Hex, purpose: KeyPurpose): Promise<DigestSignature> {
      checkId(keyId);
      if (purpose !== 'custody') {
        throw new SigningError('KEY.WRONG_PURPOSE', `the agent key is a custody key, not a ${String(purpose)} key`);
      }
      if (used) throw new SigningError('KEY.DISABLED', 'the unsealed key has already signed once');
      if (!/^0x[0-9a-fA-F]{64}$/.test(digest))
        throw new SigningError('SIGNER.FORBIDDEN_PAYLOAD', 'a digest is 32 bytes');
      used = true;
      // Deterministic (RFC 6979, no extra entropy; noble's default, spelled out): the job ledger lets a
      // host ask again for a job another host claimed and never answered, which is safe only because the
      // same proof then gives the same signed bytes.
      const recovered = secp256k1.sign(hexToBytes(digest), secretKey, {
        prehash: false,
        format: 'recovered',
        extraEntropy: false,
      });
      const signature = secp256k1.Signature.fromBytes(recovered, 'recovered');
      const yParity = signature.recovery;
      if (yParity !== 0 && yParity !== 1) throw new SigningError('KEY.BAD_SIGNATURE', 'no recovery bit 0 or 1');
      return { r: numberToHex(signature.r, { size: 32 }), s: numberToHex(signature.s, { size: 32 }), yParity };
    },
  };
}

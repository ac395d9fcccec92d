import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, sign } from 'viem/accounts';
import type { Address } from '../../lambdas/domain/address';
import { SigningError } from '../../lambdas/domain/errors';
import type { DigestSignature, KeyPurpose, KeyRef, KeyVault } from '../../lambdas/ports/key-vault';

interface MemoryKey {
  readonly privateKey: Hex;
  readonly publicKey: Hex;
  readonly address: Address;
  readonly ownerId: string;
  readonly purpose: KeyPurpose;
}

const DIGEST = /^0x[0-9a-fA-F]{64}$/;

/**
 * A KeyVault for unit tests: software secp256k1 keys in a Map, signing with viem (noble) so the
 * result is low-s with the recovery bit that makes it recover to the key, as the port promises.
 * It refuses a key of another purpose than the one asked for, like the real vaults, and gives public
 * keys (`publicKeyOf`) as they do, so the signers check its signatures natively; a test that wants the
 * recovery path wraps it without `publicKeyOf`. Tests spy on `signDigest` to prove a refusal never
 * reached the key.
 */
export class MemoryKeyVault implements KeyVault {
  private readonly keys = new Map<string, MemoryKey>();

  async createKey(request: { readonly ownerId: string; readonly purpose: KeyPurpose }): Promise<KeyRef> {
    const privateKey = generatePrivateKey();
    const keyId = `memory-key-${this.keys.size + 1}`;
    const { address, publicKey } = privateKeyToAccount(privateKey);
    this.keys.set(keyId, { privateKey, publicKey, address, ownerId: request.ownerId, purpose: request.purpose });
    return { keyId, address };
  }

  async addressOf(keyId: string): Promise<Address> {
    return this.key(keyId).address;
  }

  async publicKeyOf(keyId: string): Promise<Hex> {
    return this.key(keyId).publicKey;
  }

  async signDigest(keyId: string, digest: Hex, purpose: KeyPurpose): Promise<DigestSignature> {
    const key = this.key(keyId);
    // As the real vaults do: the purpose asked for must be the one the key was created with.
    if (key.purpose !== purpose) {
      throw new SigningError(
        'KEY.WRONG_PURPOSE',
        `key ${keyId} is a ${key.purpose} key, not a ${String(purpose)} key`,
        { details: { keyId, purpose, keyPurpose: key.purpose } },
      );
    }
    // KMS refuses a DIGEST that is not 32 bytes; so does this vault.
    if (typeof digest !== 'string' || !DIGEST.test(digest))
      throw new SigningError('SIGNER.FORBIDDEN_PAYLOAD', 'a digest is 32 bytes of hex');
    const { r, s, yParity } = await sign({ hash: digest, privateKey: key.privateKey });
    if (yParity !== 0 && yParity !== 1) throw new Error(`viem returned yParity ${String(yParity)}`);
    return { r, s, yParity };
  }

  /** Test-only: what a key was created for. */
  purposeOf(keyId: string): KeyPurpose {
    return this.key(keyId).purpose;
  }

  private key(keyId: string): MemoryKey {
    const key = this.keys.get(keyId);
    if (key === undefined) throw new SigningError('KEY.NOT_FOUND', `no key ${keyId}`, { details: { keyId } });
    return key;
  }
}

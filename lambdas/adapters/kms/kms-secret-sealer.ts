import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SecretSealer } from '../../ports/secret-sealer';

/**
 * Seals small secrets (task tokens, link secrets) with a KMS symmetric key. The context becomes the
 * KMS encryption context, so a ciphertext opens only for the record it was sealed for, and every
 * Decrypt is in CloudTrail with that context.
 *
 * It calls KMS once per seal or open: retries are the client's (build it with `kmsClient()`, the one
 * retry policy of every KMS call), and what still fails is passed on as the SDK threw it.
 */
export class KmsSecretSealer implements SecretSealer {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const { CiphertextBlob } = await this.kms.send(
      new EncryptCommand({
        KeyId: this.keyId,
        Plaintext: Buffer.from(plaintext, 'utf8'),
        EncryptionContext: { ...context },
      }),
    );
    if (CiphertextBlob === undefined) throw new Error('KMS Encrypt returned no ciphertext');
    return `kms.${Buffer.from(CiphertextBlob).toString('base64url')}`;
  }

  async open(sealed: string, context: Readonly<Record<string, string>>): Promise<string> {
    if (!sealed.startsWith('kms.')) throw new Error('not a KMS-sealed secret');
    const { Plaintext } = await this.kms.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(sealed.slice(4), 'base64url'),
        EncryptionContext: { ...context },
      }),
    );
    if (Plaintext === undefined) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(Plaintext).toString('utf8');
  }
}

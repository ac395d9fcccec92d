import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { CoSignerShare } from '../../../enclave-host/contract';
import { classifyKmsError } from '../../adapters/kms/classify-kms-error';
import { DependencyUnavailableError } from '../../domain/errors';
import { ShareUnreadableError } from '../domain/share-unreadable';
import type { ShareDecrypter } from '../ports/share-decrypter';

/** shamir-secret-sharing's share of a 32-byte key: the polynomial's 32 bytes, then x (enclave-host/contract.ts). */
const SHARE_BYTES = 33;

/**
 * Opens share 2 with KMS Decrypt under the co-signer's own key. The encryption context is the share's
 * context exactly as the enclave encrypted it (enclave-host/contract.ts `CoSignerShare`: deployment,
 * walletId, address as checksummed, epoch, share, all strings), so a ciphertext moved to another
 * wallet, address or epoch does not open, and CloudTrail records each Decrypt with the wallet it was for.
 * `KeyId` is named so KMS refuses a ciphertext under any other key (IncorrectKeyException) rather than
 * opening it with a key this role might also reach.
 *
 * Retries are the client's (build it with `kmsClient()`); what was transient and still fails is
 * KEY.UNAVAILABLE (DependencyUnavailableError, which the caller retries). A share that does not open
 * (InvalidCiphertext: damaged, or another context; IncorrectKey; a plaintext that is not 33 bytes) is a
 * ShareUnreadableError, final. Anything else (access denied, a disabled key: misconfiguration) is
 * passed on as the SDK threw it. The plaintext is the caller's to zeroise; a wrong-sized one is
 * zeroised here.
 */
export class KmsShareDecrypter implements ShareDecrypter {
  constructor(
    private readonly kms: KMSClient,
    /** The co-signer's KMS key: ARN or key id, not an alias (an alias can be moved). */
    private readonly keyId: string,
  ) {}

  async decrypt(share: CoSignerShare): Promise<Uint8Array> {
    const { deployment, walletId, address, epoch } = share.context;
    const which = `wallet ${walletId} epoch ${epoch}`;
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.kms.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(share.ciphertextBlob, 'base64'),
          EncryptionContext: { deployment, walletId, address, epoch, share: share.context.share },
        }),
      ));
    } catch (error) {
      throw mapped(error, which);
    }
    if (plaintext?.length !== SHARE_BYTES) {
      plaintext?.fill(0);
      throw new ShareUnreadableError('not-a-share', `share 2 of ${which} did not open to a ${SHARE_BYTES}-byte share`);
    }
    return plaintext;
  }
}

function mapped(error: unknown, which: string): unknown {
  const name = error instanceof Error ? error.name : typeof error;
  if (name === 'InvalidCiphertextException')
    return new ShareUnreadableError(
      'invalid-ciphertext',
      `share 2 of ${which} does not open under its context: damaged, or made for another wallet, address or epoch`,
      { cause: error },
    );
  if (name === 'IncorrectKeyException')
    return new ShareUnreadableError('another-key', `share 2 of ${which} is not under the co-signer's key`, {
      cause: error,
    });
  if (classifyKmsError(error) === 'transient') {
    const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
    return new DependencyUnavailableError('KEY.UNAVAILABLE', `KMS Decrypt of share 2 of ${which} failed: ${name}`, {
      details: { error: name, ...(typeof attempts === 'number' ? { attempts } : {}) },
      cause: error,
    });
  }
  return error;
}

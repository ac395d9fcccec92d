import type { CoSignerShare } from '../../../enclave-host/contract';

/**
 * Opens share 2: in the cloud, KMS Decrypt under the co-signer's key with the share's context as the
 * encryption context (a ciphertext moved to another wallet, address or epoch does not open). The
 * caller owns the returned buffer and zeroises it.
 */
export interface ShareDecrypter {
  decrypt(share: CoSignerShare): Promise<Uint8Array>;
}

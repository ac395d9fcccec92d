import type { SealContext } from '../contract';

/**
 * The seal context as AES-GCM additional data: canonical JSON, keys sorted, no spaces, so the host,
 * the enclave and any later reader derive the same bytes from the same four fields. A sealed key
 * whose context was edited (another wallet, version or purpose) fails the tag.
 */
export function sealContextAad(context: SealContext): Buffer {
  const fields: Record<string, string> = {
    deployment: context.deployment,
    purpose: context.purpose,
    version: context.version,
    walletId: context.walletId,
  };
  const sorted = Object.keys(fields).sort();
  return Buffer.from(JSON.stringify(fields, sorted), 'utf8');
}

/** The same context as KMS EncryptionContext: KMS binds it to the data key's ciphertext too. */
export function sealEncryptionContext(context: SealContext): Record<string, string> {
  return {
    deployment: context.deployment,
    walletId: context.walletId,
    purpose: context.purpose,
    version: context.version,
  };
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretSealer } from '../../ports/secret-sealer';

const VERSION = 'v1';

/**
 * AES-256-GCM sealing for the local runtime (KMS Encrypt/Decrypt in the cloud). The context is
 * canonicalised into the associated data, so a ciphertext only opens under the context it was
 * sealed with. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
export class AesGcmSecretSealer implements SecretSealer {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
    this.key = Buffer.from(key);
  }

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  async open(sealed: string, context: Readonly<Record<string, string>>): Promise<string> {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function associatedData(context: Readonly<Record<string, string>>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

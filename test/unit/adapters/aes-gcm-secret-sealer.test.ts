import { randomBytes } from 'node:crypto';
import { AesGcmSecretSealer } from '../../../lambdas/adapters/local/aes-gcm-secret-sealer';

describe('AesGcmSecretSealer', () => {
  const sealer = new AesGcmSecretSealer(randomBytes(32));
  const context = { purpose: 'callback', id: 'r1' };

  it('opens what it sealed under the same context, and never stores the plaintext', async () => {
    const sealed = await sealer.seal('task-token-123', context);
    expect(sealed).not.toContain('task-token');
    expect(await sealer.open(sealed, { id: 'r1', purpose: 'callback' })).toBe('task-token-123');
    expect(await sealer.seal('task-token-123', context)).not.toBe(sealed);
  });

  it('refuses another context, another key and a tampered ciphertext', async () => {
    const sealed = await sealer.seal('task-token-123', context);
    await expect(sealer.open(sealed, { ...context, id: 'r2' })).rejects.toThrow();
    await expect(new AesGcmSecretSealer(randomBytes(32)).open(sealed, context)).rejects.toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x'.repeat(14)).toString('base64url');
    await expect(sealer.open(parts.join('.'), context)).rejects.toThrow();
    await expect(sealer.open('garbage', context)).rejects.toThrow('not a sealed secret');
  });

  it('needs a 256-bit key', () => {
    expect(() => new AesGcmSecretSealer(randomBytes(16))).toThrow(RangeError);
  });
});

import { Aes256Gcm, CipherSuite } from '@hpke/core';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import { bytesToHex } from 'viem';
import type { HpkeSealed, ShareContext } from '../../../../enclave-host/contract';
import {
  generateRecoveryKeyPair,
  openShare,
  parseRecoveryPublicKey,
  sealShare,
  shareContextAad,
} from '../../../../enclave-host/shares/hpke-share';

const CONTEXT: ShareContext = {
  deployment: 'test',
  walletId: 'w-1',
  address: '0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1',
  epoch: '1',
  share: '3',
};
const SHARE = Uint8Array.from({ length: 33 }, (_, i) => i + 1);

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const fromB64url = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));

/** A sealed share with one byte of `field` (base64url) flipped. */
function tamper(sealed: HpkeSealed, field: 'enc' | 'ciphertext', index: number): HpkeSealed {
  const bytes = fromB64url(sealed[field]);
  bytes[index]! ^= 0x01;
  return { ...sealed, [field]: b64url(bytes) };
}

describe('sealShare and openShare', () => {
  it('round-trip a share to a recovery public key given as base64url text', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    expect(sealed).toEqual({
      format: 'strongroom.hpke.v1',
      context: CONTEXT,
      enc: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      ciphertext: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
    });
    expect(fromB64url(sealed.ciphertext)).toHaveLength(33 + 16);
    expect(bytesToHex(await openShare(privateKey, sealed, CONTEXT))).toBe(bytesToHex(SHARE));
  });

  it('round-trip a share to a public key given as bytes (an enclave session key)', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(parseRecoveryPublicKey(publicKey), SHARE, { ...CONTEXT, share: '2' });
    expect(bytesToHex(await openShare(privateKey, sealed, { ...CONTEXT, share: '2' }))).toBe(bytesToHex(SHARE));
  });

  it('is RFC 9180 base mode, DHKEM(X25519)/HKDF-SHA256/AES-256-GCM, info "strongroom.hpke.v1", aad the sorted context', async () => {
    // Opened by @hpke directly, with the parameters written out here rather than taken from the module.
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const pair = await suite.kem.generateKeyPair();
    const publicKey = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    const aad =
      '{"address":"0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1","deployment":"test","epoch":"1","share":"3","walletId":"w-1"}';
    const plaintext = await suite.open(
      {
        recipientKey: pair.privateKey,
        enc: fromB64url(sealed.enc),
        info: new TextEncoder().encode('strongroom.hpke.v1'),
      },
      fromB64url(sealed.ciphertext),
      new TextEncoder().encode(aad),
    );
    expect(bytesToHex(new Uint8Array(plaintext))).toBe(bytesToHex(SHARE));
  });

  it('refuses another private key with SHARES.OPEN_FAILED', async () => {
    const { publicKey } = await generateRecoveryKeyPair();
    const { privateKey: wrong } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    await expect(openShare(wrong, sealed, CONTEXT)).rejects.toMatchObject({
      name: 'ShareError',
      code: 'SHARES.OPEN_FAILED',
      message: 'the sealed share does not open with this private key',
    });
  });

  it.each(['deployment', 'walletId', 'address', 'epoch', 'share'] as const)(
    'refuses, before decrypting, an expected context that differs in %s',
    async (field) => {
      const { publicKey } = await generateRecoveryKeyPair();
      const { privateKey: wrong } = await generateRecoveryKeyPair();
      const sealed = await sealShare(publicKey, SHARE, CONTEXT);
      const other = field === 'address' ? '0x0000000000000000000000000000000000000001' : field === 'share' ? '1' : 'x';
      // With the wrong private key too: the context is refused as such, so no decryption was tried.
      await expect(openShare(wrong, sealed, { ...CONTEXT, [field]: other })).rejects.toMatchObject({
        code: 'SHARES.CONTEXT_MISMATCH',
        field: 'sealed.context',
        message: `the sealed share's ${field} differ from those expected`,
      });
    },
  );

  it.each(['deployment', 'walletId', 'address', 'epoch', 'share'] as const)(
    'refuses a sealed share whose context was edited in %s (to match what is expected): the tag fails',
    async (field) => {
      const { publicKey, privateKey } = await generateRecoveryKeyPair();
      const sealed = await sealShare(publicKey, SHARE, CONTEXT);
      const other = field === 'address' ? '0x0000000000000000000000000000000000000001' : field === 'share' ? '1' : 'x';
      const moved = { ...CONTEXT, [field]: other };
      await expect(openShare(privateKey, { ...sealed, context: moved }, moved)).rejects.toMatchObject({
        code: 'SHARES.OPEN_FAILED',
      });
    },
  );

  it('takes the expected address in any letter case (the sealed bytes are bound to the sealed spelling)', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    const lower = { ...CONTEXT, address: CONTEXT.address.toLowerCase() as ShareContext['address'] };
    expect(bytesToHex(await openShare(privateKey, sealed, lower))).toBe(bytesToHex(SHARE));
  });

  it('refuses a flipped byte in the ciphertext, the tag or the encapsulated key', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    for (const [field, index] of [
      ['ciphertext', 0],
      ['ciphertext', 48],
      ['enc', 5],
    ] as const) {
      await expect(openShare(privateKey, tamper(sealed, field, index), CONTEXT)).rejects.toMatchObject({
        code: 'SHARES.OPEN_FAILED',
      });
    }
  });

  it('refuses a sealed share of another format, or with fields that are not base64url of the right length', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    const cases: [HpkeSealed, string][] = [
      [{ ...sealed, format: 'strongroom.hpke.v0' as HpkeSealed['format'] }, 'sealed.format'],
      [{ ...sealed, enc: `${sealed.enc}=` }, 'sealed.enc'],
      [{ ...sealed, enc: sealed.enc.slice(0, 40) }, 'sealed.enc'],
      [{ ...sealed, ciphertext: sealed.ciphertext.replace(/-/g, '+').replace(/_/g, '/') + '+' }, 'sealed.ciphertext'],
      [{ ...sealed, ciphertext: sealed.ciphertext.slice(0, 20) }, 'sealed.ciphertext'],
      [{ ...sealed, context: { ...CONTEXT, share: '4' as ShareContext['share'] } }, 'sealed.context.share'],
    ];
    for (const [bad, field] of cases)
      await expect(openShare(privateKey, bad, CONTEXT)).rejects.toMatchObject({ code: 'SHARES.MALFORMED', field });
  });

  it('refuses a private key that is not 32 bytes', async () => {
    const { publicKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    await expect(openShare(new Uint8Array(31), sealed, CONTEXT)).rejects.toMatchObject({
      code: 'SHARES.MALFORMED',
      field: 'recipientPrivateKey',
    });
  });

  it('seals only a 33-byte share, under a well-formed context, to a usable key', async () => {
    const { publicKey } = await generateRecoveryKeyPair();
    await expect(sealShare(publicKey, new Uint8Array(32), CONTEXT)).rejects.toMatchObject({ field: 'share' });
    await expect(sealShare(publicKey, SHARE, { ...CONTEXT, address: '0x12' })).rejects.toMatchObject({
      field: 'context.address',
    });
    await expect(sealShare(publicKey, SHARE, { ...CONTEXT, epoch: '' })).rejects.toMatchObject({
      field: 'context.epoch',
    });
    await expect(sealShare(new Uint8Array(31), SHARE, CONTEXT)).rejects.toMatchObject({ field: 'recipientPublicKey' });
    await expect(sealShare(new Uint8Array(32), SHARE, CONTEXT)).rejects.toMatchObject({
      code: 'SHARES.MALFORMED',
      message: 'recipientPublicKey is a low-order X25519 point',
    });
    await expect(sealShare('not a key', SHARE, CONTEXT)).rejects.toMatchObject({ code: 'SHARES.BAD_RECOVERY_KEY' });
  });

  it('binds exactly the five fields of the context: an extra property is neither sealed nor returned', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, { ...CONTEXT, note: 'x' } as ShareContext);
    expect(sealed.context).toEqual(CONTEXT);
    expect(bytesToHex(await openShare(privateKey, sealed, CONTEXT))).toBe(bytesToHex(SHARE));
  });

  it('never names the share or a key in an error', async () => {
    const { publicKey, privateKey } = await generateRecoveryKeyPair();
    const sealed = await sealShare(publicKey, SHARE, CONTEXT);
    const error = await openShare(new Uint8Array(32).fill(3), sealed, CONTEXT).catch((e: Error) => e);
    const text = `${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
    for (const secret of [bytesToHex(SHARE).slice(2), b64url(privateKey), bytesToHex(privateKey).slice(2)])
      expect(text).not.toContain(secret.slice(0, 12));
  });
});

describe('shareContextAad', () => {
  it('is canonical JSON with sorted keys, whatever the order the context was written in', () => {
    const reordered = {
      share: '3',
      epoch: '1',
      address: CONTEXT.address,
      walletId: 'w-1',
      deployment: 'test',
    } as const;
    expect(new TextDecoder().decode(shareContextAad(reordered))).toBe(
      '{"address":"0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1","deployment":"test","epoch":"1","share":"3","walletId":"w-1"}',
    );
  });
});

describe('generateRecoveryKeyPair', () => {
  it('gives a 43-character base64url public key and a 32-byte private key, new each time', async () => {
    const first = await generateRecoveryKeyPair();
    const second = await generateRecoveryKeyPair();
    expect(first.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.privateKey).toHaveLength(32);
    expect(first.publicKey).not.toBe(second.publicKey);
  });
});

describe('parseRecoveryPublicKey', () => {
  it('gives the 32 bytes of a base64url key without padding', async () => {
    const { publicKey } = await generateRecoveryKeyPair();
    expect(b64url(parseRecoveryPublicKey(publicKey))).toBe(publicKey);
  });

  it.each([
    ['a number', 42, 'must be a string'],
    ['padding', `${'A'.repeat(42)}E=`, 'without padding'],
    ['standard base64', `${'A'.repeat(41)}+E`, 'not standard base64'],
    ['whitespace', ` ${'A'.repeat(42)}E`, 'outside the base64url alphabet'],
    ['31 bytes', b64url(new Uint8Array(31).fill(9)), 'must encode 32 bytes (43 characters), not 31'],
    ['33 bytes', b64url(new Uint8Array(33).fill(9)), 'not 33'],
    ['non-canonical trailing bits', `${'A'.repeat(42)}F`, 'not canonical'],
    ['the empty string', '', 'not 0'],
    ['all zeros (a low-order point)', b64url(new Uint8Array(32)), 'low-order'],
    ['the point of order 8 with u = 1', b64url(Uint8Array.from([1, ...new Array(31).fill(0)])), 'low-order'],
  ])('refuses %s, naming recoveryPublicKey and why', (_, text, reason) => {
    expect(() => parseRecoveryPublicKey(text)).toThrow(
      expect.objectContaining({ code: 'SHARES.BAD_RECOVERY_KEY', field: 'recoveryPublicKey' }),
    );
    expect(() => parseRecoveryPublicKey(text)).toThrow(/^recoveryPublicKey /);
    expect(() => parseRecoveryPublicKey(text)).toThrow(reason);
  });
});

import { Aes256Gcm, CipherSuite } from '@hpke/core';
import { x25519 } from '@noble/curves/ed25519.js';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import { isAddress } from 'viem';
import type { HpkeSealed, RecoveryPublicKey, ShareContext } from '../contract';
import { SHARE_LENGTH } from './address-of-secret-key';
import { decodeBase64url, encodeBase64url } from './base64url';
import { zeroise } from './combine-shares';
import { ShareError } from './share-error';

/** The format string of an `HpkeSealed`, and HPKE's `info`: a ciphertext made for another use does not open. */
export const HPKE_SHARE_FORMAT = 'strongroom.hpke.v1' satisfies HpkeSealed['format'];

/** X25519 keys (RFC 7748) and HPKE's encapsulated key for DHKEM(X25519) are 32 bytes. */
const X25519_KEY_LENGTH = 32;
/** AES-256-GCM's tag. */
const AEAD_TAG_LENGTH = 16;

// RFC 9180 base mode; the KEM is @hpke/dhkem-x25519's (X25519 in JavaScript, so it does not depend on
// the runtime's WebCrypto having X25519); the AEAD and KDF run on Node's WebCrypto (globalThis.crypto).
const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const info = new TextEncoder().encode(HPKE_SHARE_FORMAT);

/** Any scalar serves (see parseRecoveryPublicKey); it is public and encrypts nothing. */
const LOW_ORDER_PROBE = new Uint8Array(32).fill(1);

const CONTEXT_FIELDS = [
  'address',
  'deployment',
  'epoch',
  'share',
  'walletId',
] as const satisfies readonly (keyof ShareContext)[];

/**
 * The context as HPKE's `aad`: canonical JSON (keys sorted, no spaces) of exactly the five fields, so
 * every party derives the same bytes from the same context and a ciphertext moved to another wallet,
 * address, epoch or share number fails the AEAD tag.
 */
export function shareContextAad(context: ShareContext): Uint8Array {
  const fields = Object.fromEntries(CONTEXT_FIELDS.map((name) => [name, context[name]]));
  return new TextEncoder().encode(JSON.stringify(fields, [...CONTEXT_FIELDS]));
}

/** Encrypts one share to an X25519 public key (the customer's recovery key, or an enclave session's). */
export async function sealShare(
  recipientPublicKey: RecoveryPublicKey | Uint8Array,
  share: Uint8Array,
  context: ShareContext,
): Promise<HpkeSealed> {
  const publicKeyBytes =
    typeof recipientPublicKey === 'string' ? parseRecoveryPublicKey(recipientPublicKey) : recipientPublicKey;
  if (!(publicKeyBytes instanceof Uint8Array) || publicKeyBytes.length !== X25519_KEY_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `recipientPublicKey is not ${X25519_KEY_LENGTH} bytes`, {
      field: 'recipientPublicKey',
    });
  if (!(share instanceof Uint8Array) || share.length !== SHARE_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `share is not ${SHARE_LENGTH} bytes`, { field: 'share' });
  const bound = checkContext(context, 'context');
  let recipient: Awaited<ReturnType<typeof suite.kem.deserializePublicKey>>;
  try {
    recipient = await suite.kem.deserializePublicKey(publicKeyBytes);
  } catch (cause) {
    throw new ShareError('SHARES.MALFORMED', 'recipientPublicKey is not an X25519 public key', {
      field: 'recipientPublicKey',
      cause,
    });
  }
  let sealed: Awaited<ReturnType<typeof suite.seal>>;
  try {
    sealed = await suite.seal({ recipientPublicKey: recipient, info }, share, shareContextAad(bound));
  } catch (cause) {
    // EncapError: the key is a low-order point (RFC 9180 §7.1.4), whose shared secret anyone can compute.
    throw new ShareError('SHARES.MALFORMED', 'recipientPublicKey is a low-order X25519 point', {
      field: 'recipientPublicKey',
      cause,
    });
  }
  const { enc, ct } = sealed;
  return {
    format: HPKE_SHARE_FORMAT,
    context: bound,
    enc: encodeBase64url(new Uint8Array(enc)),
    ciphertext: encodeBase64url(new Uint8Array(ct)),
  };
}

/**
 * Decrypts a sealed share with the recipient's X25519 private key. The sealed share's context must be
 * `expected` (the address compared case-insensitively, every other field exactly), checked before any
 * decryption: a share of another wallet or epoch is refused as such rather than as a failed tag.
 */
export async function openShare(
  recipientPrivateKey: Uint8Array,
  sealed: HpkeSealed,
  expected: ShareContext,
): Promise<Uint8Array> {
  if (!(recipientPrivateKey instanceof Uint8Array) || recipientPrivateKey.length !== X25519_KEY_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `recipientPrivateKey is not ${X25519_KEY_LENGTH} bytes`, {
      field: 'recipientPrivateKey',
    });
  const want = checkContext(expected, 'expected');
  if (typeof sealed !== 'object' || sealed === null || sealed.format !== HPKE_SHARE_FORMAT)
    throw new ShareError('SHARES.MALFORMED', `sealed.format is not '${HPKE_SHARE_FORMAT}'`, { field: 'sealed.format' });
  const got = checkContext(sealed.context, 'sealed.context');
  const differing = CONTEXT_FIELDS.filter((name) =>
    name === 'address' ? got.address.toLowerCase() !== want.address.toLowerCase() : got[name] !== want[name],
  );
  if (differing.length > 0)
    throw new ShareError(
      'SHARES.CONTEXT_MISMATCH',
      `the sealed share's ${differing.join(', ')} differ from those expected`,
      {
        field: 'sealed.context',
      },
    );
  const enc = decodeBase64url(sealed.enc);
  if (enc === undefined || enc.length !== X25519_KEY_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `sealed.enc is not ${X25519_KEY_LENGTH} bytes in base64url`, {
      field: 'sealed.enc',
    });
  const ciphertext = decodeBase64url(sealed.ciphertext);
  if (ciphertext === undefined || ciphertext.length !== SHARE_LENGTH + AEAD_TAG_LENGTH)
    throw new ShareError('SHARES.MALFORMED', `sealed.ciphertext is not a sealed share in base64url`, {
      field: 'sealed.ciphertext',
    });
  let plaintext: Uint8Array;
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(recipientPrivateKey);
    plaintext = new Uint8Array(await suite.open({ recipientKey, enc, info }, ciphertext, shareContextAad(got)));
  } catch (cause) {
    // The cause is @hpke's OpenError/DecapError: it names the step that failed, never key material.
    throw new ShareError('SHARES.OPEN_FAILED', 'the sealed share does not open with this private key', { cause });
  }
  if (plaintext.length !== SHARE_LENGTH) {
    zeroise(plaintext);
    throw new ShareError('SHARES.MALFORMED', `the sealed plaintext is not a share of ${SHARE_LENGTH} bytes`);
  }
  return plaintext;
}

/** A new X25519 pair for recovery: the public key as the API takes it, the private key as 32 bytes. */
export async function generateRecoveryKeyPair(): Promise<{ publicKey: RecoveryPublicKey; privateKey: Uint8Array }> {
  const pair = await suite.kem.generateKeyPair();
  const publicKey = encodeBase64url(new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)));
  const privateKey = new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey));
  return { publicKey, privateKey };
}

/** The 32 bytes of a `recoveryPublicKey`, or a ShareError that says what is wrong with it. */
export function parseRecoveryPublicKey(text: unknown): Uint8Array {
  const refuse = (reason: string): never => {
    throw new ShareError('SHARES.BAD_RECOVERY_KEY', `recoveryPublicKey ${reason}`, { field: 'recoveryPublicKey' });
  };
  if (typeof text !== 'string') return refuse('must be a string');
  if (text.includes('=')) return refuse('must be base64url without padding (no "=")');
  if (/[+/]/.test(text)) return refuse('must be base64url ("-" and "_"), not standard base64 ("+" and "/")');
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return refuse('has characters outside the base64url alphabet');
  const bytes = decodeBase64url(text);
  if (bytes === undefined) return refuse('is not canonical base64url');
  if (bytes.length !== X25519_KEY_LENGTH)
    return refuse(`must encode ${X25519_KEY_LENGTH} bytes (43 characters), not ${bytes.length}`);
  // A low-order point (all zeros, and a few others) makes every HPKE shared secret one that anyone can
  // compute; sealShare would refuse it, but only when share 3 is made: refused here, it is a 400 at wallet
  // creation. x25519 with any scalar (clamped, so a multiple of 8) gives zero exactly for those points,
  // and noble throws on a zero result.
  try {
    x25519.getSharedSecret(LOW_ORDER_PROBE, bytes);
  } catch {
    return refuse('is a low-order X25519 point, which would let anyone open the share');
  }
  return bytes;
}

function checkContext(context: unknown, field: string): ShareContext {
  if (typeof context !== 'object' || context === null)
    throw new ShareError('SHARES.MALFORMED', `${field} is not a share context`, { field });
  const c = context as Record<string, unknown>;
  for (const name of CONTEXT_FIELDS)
    if (typeof c[name] !== 'string' || c[name] === '')
      throw new ShareError('SHARES.MALFORMED', `${field}.${name} must be a non-empty string`, {
        field: `${field}.${name}`,
      });
  if (!isAddress(c.address as string, { strict: false }))
    throw new ShareError('SHARES.MALFORMED', `${field}.address is not a 20-byte hex address`, {
      field: `${field}.address`,
    });
  if (c.share !== '1' && c.share !== '2' && c.share !== '3')
    throw new ShareError('SHARES.MALFORMED', `${field}.share must be '1', '2' or '3'`, { field: `${field}.share` });
  // A copy of exactly the five fields: what is bound is what is returned, nothing the caller added.
  return {
    deployment: c.deployment as string,
    walletId: c.walletId as string,
    address: c.address as ShareContext['address'],
    epoch: c.epoch as string,
    share: c.share,
  };
}

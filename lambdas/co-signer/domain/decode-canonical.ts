import { CoSignerRefusal } from './co-signer-refusal';

// Node's decoder skips characters outside the alphabet; the patterns and the round trip below make
// each accepted text the one encoding of its bytes.
const PATTERNS = {
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  base64url: /^[A-Za-z0-9_-]*$/,
} as const;

/**
 * Decodes a ciphertext or document given as base64 (padded) or base64url (unpadded) text, accepting
 * only the canonical encoding of non-empty bytes, at most `maxBytes` of them; anything else is a
 * BAD_REQUEST naming `field`.
 */
export function decodeCanonical(
  value: unknown,
  encoding: 'base64' | 'base64url',
  field: string,
  maxBytes: number,
): Uint8Array {
  const refuse = (reason: string) => new CoSignerRefusal('COSIGNER.BAD_REQUEST', `${field}: ${reason}`);
  if (typeof value !== 'string' || value.length === 0) throw refuse(`must be a non-empty ${encoding} string`);
  if (value.length > Math.ceil((maxBytes * 4) / 3) + 3) throw refuse(`must encode at most ${maxBytes} bytes`);
  if (!PATTERNS[encoding].test(value)) throw refuse(`must be canonical ${encoding}`);
  const bytes = Buffer.from(value, encoding);
  if (bytes.length === 0 || bytes.length > maxBytes) throw refuse(`must encode 1 to ${maxBytes} bytes`);
  if (bytes.toString(encoding) !== value) throw refuse(`must be canonical ${encoding}`);
  return new Uint8Array(bytes);
}

/**
 * Strict base64url (RFC 4648 §5, no padding). Node's decoder is lenient (it skips characters it does not
 * know, accepts padding and the standard alphabet), so a key or ciphertext with a typo would decode to
 * other bytes; these functions return `undefined` for anything but the one canonical spelling.
 */
export function decodeBase64url(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Canonical only: the unused low bits of the last character must be zero, and a length of 4n+1
  // characters encodes no whole byte; both show up as a re-encoding that differs.
  if (bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/**
 * PCR values as configuration and KMS condition keys spell them: hex without 0x, 32, 48 or 64 bytes
 * (48 for SHA-384, the only digest Nitro uses). Shared by the synthetic NSM, the verifier and the KMS
 * stand-in, so every place reads a PCR the same way.
 */
const PCR_HEX = /^(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$/;

/** The bytes of a PCR given as hex; a RangeError for anything else (a configuration mistake, not an attack). */
export function pcrBytesOf(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !PCR_HEX.test(hex))
    throw new RangeError('a PCR value is hex of 32, 48 or 64 bytes without 0x');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Lowercase hex, as `PcrValues` and the KMS condition keys hold it. */
export const pcrHexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** An all-zero PCR: what an enclave started in debug mode reports for PCR0–2. */
export const isAllZero = (bytes: Uint8Array): boolean => bytes.every((byte) => byte === 0);

import { getAddress, type Address } from 'viem';
import { ValidationError } from './errors';
import { describe } from './money';

export type { Address };

export const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000';

/**
 * Parses an EVM address and returns it in its EIP-55 checksummed form.
 *
 * All-lowercase and all-uppercase hex carry no checksum and are accepted; mixed case must match its
 * EIP-55 checksum, since a typo in a mixed-case address is exactly what the checksum is there to catch.
 */
export function parseAddress(value: unknown, field: string): Address {
  if (typeof value !== 'string') {
    throw new ValidationError(
      'ADDRESS.INVALID_TYPE',
      field,
      `must be a 0x-prefixed hex string, got ${describe(value)}`,
    );
  }
  if (!value.startsWith('0x')) throw new ValidationError('ADDRESS.MISSING_PREFIX', field, 'must start with 0x');
  const hex = value.slice(2);
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ValidationError('ADDRESS.NOT_HEX', field, 'must contain only hex digits after 0x');
  }
  if (hex.length !== 40) {
    throw new ValidationError('ADDRESS.BAD_LENGTH', field, `must have 40 hex digits after 0x, has ${hex.length}`);
  }
  const checksummed = getAddress(value.toLowerCase());
  const mixedCase = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
  if (mixedCase && checksummed !== value) {
    throw new ValidationError('ADDRESS.BAD_CHECKSUM', field, 'mixed-case address fails its EIP-55 checksum');
  }
  return checksummed;
}

/** Like {@link parseAddress}, and the zero address is refused too (sending there burns funds). */
export function parseCounterpartyAddress(value: unknown, field: string): Address {
  const address = parseAddress(value, field);
  if (address === ZERO_ADDRESS) throw new ValidationError('ADDRESS.ZERO', field, 'must not be the zero address');
  return address;
}

/** Case-insensitive address equality. */
export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

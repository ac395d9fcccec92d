import { ValidationError } from './errors';

/** The largest amount an EVM uint256 can hold. */
export const MAX_UINT256 = (1n << 256n) - 1n;

// Characters that render as nothing (zero-width, joiners, BOM, bidi controls, soft hyphen, word joiner).
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u;
const WHITESPACE = /\s/u;

/**
 * Parses an amount given in base units (wei, token base units) as a canonical decimal string.
 *
 * Only `0` or a non-zero ASCII digit followed by ASCII digits is accepted, up to 2^256-1. Each other
 * form is refused with its own code so a client learns exactly what to fix; `field` names the input.
 */
export function parseAmount(value: unknown, field: string): bigint {
  if (typeof value !== 'string') {
    throw new ValidationError(
      'MONEY.INVALID_TYPE',
      field,
      `must be a decimal string of base units, got ${describe(value)}`,
    );
  }
  if (value.length === 0) throw new ValidationError('MONEY.EMPTY', field, 'must not be empty');
  if (INVISIBLE.test(value)) {
    throw new ValidationError('MONEY.INVISIBLE_CHARACTER', field, 'contains an invisible or formatting character');
  }
  if (WHITESPACE.test(value)) throw new ValidationError('MONEY.WHITESPACE', field, 'must not contain white space');
  if (value.startsWith('-')) throw new ValidationError('MONEY.NEGATIVE', field, 'must not be negative');
  if (value.startsWith('+')) throw new ValidationError('MONEY.SIGNED', field, 'must not carry a sign');
  if (/^[0-9]*[.,][0-9]*$/.test(value)) {
    throw new ValidationError('MONEY.FRACTIONAL', field, 'must be a whole number of base units (no decimal point)');
  }
  if (/^[0-9.]+[eE][+-]?[0-9]+$/.test(value)) {
    throw new ValidationError('MONEY.EXPONENT', field, 'must be written out in full, without exponent notation');
  }
  if (!/^[0-9]+$/.test(value)) {
    throw new ValidationError('MONEY.NOT_DIGITS', field, 'must contain only the ASCII digits 0-9');
  }
  if (value.length > 1 && value.startsWith('0')) {
    throw new ValidationError('MONEY.LEADING_ZERO', field, 'must not have leading zeros');
  }
  // 2^256-1 has 78 digits: longer strings are out of range without building a huge bigint.
  const amount = value.length > 78 ? MAX_UINT256 + 1n : BigInt(value);
  if (amount > MAX_UINT256) throw new ValidationError('MONEY.OUT_OF_RANGE', field, 'must not exceed 2^256-1');
  return amount;
}

/** Like {@link parseAmount}, and zero is refused too. */
export function parsePositiveAmount(value: unknown, field: string): bigint {
  const amount = parseAmount(value, field);
  if (amount === 0n) throw new ValidationError('MONEY.NOT_POSITIVE', field, 'must be greater than zero');
  return amount;
}

/** The canonical string form of an amount, as stored and returned in JSON. */
export function formatAmount(amount: bigint): string {
  if (amount < 0n) throw new RangeError('amounts are never negative');
  return amount.toString(10);
}

/** Describes a value for an error message without echoing large or sensitive input. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${Number.isFinite(value) ? value : String(value)}`;
  return `a value of type ${typeof value}`;
}

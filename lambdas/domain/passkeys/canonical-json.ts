import { ValidationError } from '../errors';

/**
 * One text for one value, whoever serialises it and whenever: object keys sorted by UTF-16 code units,
 * no white space, bigints as decimal strings, Dates as ISO strings, `undefined` members left out (as
 * JSON.stringify does). A change request's payload is hashed into the challenge a governance member
 * signs, and Authorize hashes the stored payload again: plain JSON.stringify would follow key insertion
 * order (which a round trip through storage does not keep) and throws on bigint. A bigint and the string
 * of its digits serialise alike; a change kind's schema, which the hash covers through `kind`, says
 * which of the two a field holds.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$');
}

function serialise(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return JSON.stringify(value.toString(10));
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationError('REQUEST.INVALID_FIELD', path, 'must be a finite number');
    return JSON.stringify(value);
  }
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime()))
      throw new ValidationError('REQUEST.INVALID_FIELD', path, 'is an invalid date');
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => serialise(item, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${serialise(member, `${path}.${key}`)}`).join(',')}}`;
  }
  throw new ValidationError('REQUEST.INVALID_FIELD', path, `a ${typeof value} has no JSON form`);
}

import { ValidationError } from '../../domain/errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** An opaque token for DynamoDB's LastEvaluatedKey. */
export function encodePageToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a token a client sent back. It must hold exactly the key attributes of the index, all
 * strings; anything else is a 400, never a query started at a key of the client's choosing.
 */
export function decodePageToken(
  token: string | undefined,
  keyAttributes: readonly string[],
): Record<string, string> | undefined {
  if (token === undefined) return undefined;
  const invalid = () => new ValidationError('REQUEST.INVALID_FIELD', 'nextToken', 'is not a token this listing issued');
  if (token.length > 2_048 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key);
  const expected = [...new Set(keyAttributes)];
  if (
    entries.length !== expected.length ||
    entries.some(([name, value]) => !expected.includes(name) || typeof value !== 'string')
  )
    throw invalid();
  return key as Record<string, string>;
}

/** The page size asked for, within bounds. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

import { ValidationError } from './errors';

const FIELD = 'Idempotency-Key';

/**
 * Normalises an Idempotency-Key header: surrounding white space trimmed and letters lower-cased
 * (UUIDs are case-insensitive; folding two keys into one can only refuse a request, never run one
 * twice). 8–128 characters of letters, digits and `-_.:`.
 */
export function normaliseIdempotencyKey(raw: unknown): string {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    throw new ValidationError(
      'IDEMPOTENCY.MISSING_KEY',
      FIELD,
      'header is required: send a unique key (a UUID) per transfer and reuse it on retries',
    );
  }
  if (typeof raw !== 'string') throw new ValidationError('IDEMPOTENCY.INVALID_KEY', FIELD, 'must be a string');
  const key = raw.trim().toLowerCase();
  if (!/^[a-z0-9_.:-]{8,128}$/.test(key)) {
    throw new ValidationError(
      'IDEMPOTENCY.INVALID_KEY',
      FIELD,
      'must be 8-128 characters of letters, digits, "-", "_", "." or ":"',
    );
  }
  return key;
}

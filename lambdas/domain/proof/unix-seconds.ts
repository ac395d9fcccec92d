import { ValidationError } from '../errors';

/**
 * A Date as the uint256 of unix seconds that typed data signs.
 *
 * Only whole seconds are accepted: a Date carrying milliseconds would differ from what was signed,
 * and silently rounding would make the signed expiry and the one we check disagree.
 */
export function toUnixSeconds(date: Date, field: string): bigint {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0)
    throw new ValidationError('PROOF.MALFORMED', field, 'must be a valid date after 1970');
  if (ms % 1000 !== 0)
    throw new ValidationError('PROOF.MALFORMED', field, 'must be a whole second (it is signed as unix seconds)');
  return BigInt(ms / 1000);
}

/** The latest whole second at or before `date`: how callers pick a signable instant. */
export const floorToSecond = (date: Date): Date => new Date(Math.floor(date.getTime() / 1000) * 1000);

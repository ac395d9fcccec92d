import { ValidationError } from '../errors';

/** The longest assertion accepted: a WebAuthn assertion in JSON is a few hundred bytes to a few kilobytes. */
const MAX_ASSERTION_CHARACTERS = 16_384;

/**
 * The passkey assertion of a decision: JSON, or JSON text (a page's form field); absent or empty is
 * none. Its content is the verifier's to judge; this only makes a form's text the same value as JSON's.
 */
export function parseAssertion(value: unknown): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  if (value.length > MAX_ASSERTION_CHARACTERS)
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      'assertion',
      `is longer than ${MAX_ASSERTION_CHARACTERS} characters`,
    );
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'assertion', 'must be a WebAuthn assertion in JSON');
  }
}

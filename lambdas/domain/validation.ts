import { ValidationError } from './errors';
import { describe } from './money';

/** A JSON object with its fields still unchecked. */
export type UncheckedObject = Readonly<Record<string, unknown>>;

/** Requires a plain JSON object (not null, not an array). */
export function expectObject(value: unknown, field: string): UncheckedObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('REQUEST.INVALID_BODY', field, `must be a JSON object, got ${describe(value)}`);
  }
  return value as UncheckedObject;
}

/** Objects are closed: a field the schema does not name is an error, never silently ignored. */
export function rejectUnknownFields(value: UncheckedObject, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ValidationError(
        'REQUEST.UNKNOWN_FIELD',
        join(path, key),
        `is not a field of this request (allowed: ${allowed.join(', ')})`,
      );
    }
  }
}

export interface StringRule {
  readonly maxLength: number;
  /** What a valid value looks like, tested on the whole string. */
  readonly pattern?: RegExp;
  readonly patternHint?: string;
}

// Control and invisible characters make two different strings look the same to a person.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** A required, non-empty, printable string of bounded length. */
export function requireString(value: UncheckedObject, key: string, path: string, rule: StringRule): string {
  const field = join(path, key);
  if (!(key in value) || value[key] === undefined)
    throw new ValidationError('REQUEST.MISSING_FIELD', field, 'is required');
  return checkString(value[key], field, rule);
}

/** An optional string: absent gives undefined; present must satisfy the rule. */
export function optionalString(
  value: UncheckedObject,
  key: string,
  path: string,
  rule: StringRule,
): string | undefined {
  return value[key] === undefined ? undefined : checkString(value[key], join(path, key), rule);
}

export function checkString(raw: unknown, field: string, rule: StringRule): string {
  if (typeof raw !== 'string')
    throw new ValidationError('REQUEST.INVALID_FIELD', field, `must be a string, got ${describe(raw)}`);
  if (raw.length === 0) throw new ValidationError('REQUEST.INVALID_FIELD', field, 'must not be empty');
  if (raw.length > rule.maxLength)
    throw new ValidationError('REQUEST.INVALID_FIELD', field, `must be at most ${rule.maxLength} characters`);
  if (UNPRINTABLE.test(raw))
    throw new ValidationError('REQUEST.INVALID_FIELD', field, 'must not contain control or invisible characters');
  if (rule.pattern !== undefined && !rule.pattern.test(raw)) {
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      field,
      `must be ${rule.patternHint ?? `of the form ${rule.pattern.source}`}`,
    );
  }
  return raw;
}

/** Identifiers we issue or accept: letters, digits, `-`, `_`, `.`, 1–64 characters. */
export const ID_RULE: StringRule = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
  patternHint: 'an id of letters, digits, "-", "_" and "."',
};

export const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

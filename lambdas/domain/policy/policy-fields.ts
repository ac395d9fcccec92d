import { parseAddress, type Address } from '../address';
import { parseAsset, type Asset } from '../asset';
import { ERROR_CATALOGUE, PolicyValidationError, StrongroomError } from '../errors';
import { describe, parseAmount, parsePositiveAmount } from '../money';

// Readers of policy JSON. Each names the path of the value it reads, so a refusal tells the author
// exactly which field to fix: `rules[2].action.quorum: must be at most 3, the size of group "ops"`.

type JsonObject = Readonly<Record<string, unknown>>;

/** Refuses the policy at `path`. */
export function invalid(path: string, reason: string, extra: Record<string, unknown> = {}, cause?: unknown): never {
  throw new PolicyValidationError('POLICY.INVALID', `${path || 'policy'}: ${reason}`, {
    details: { path, reason, ...extra },
    cause,
  });
}

export const field = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

export const item = (path: string, index: number): string => `${path}[${index}]`;

/** Reads an object whose keys are all in `keys` (policies are closed: a typo must not pass silently). */
export function readObject(value: unknown, path: string, keys: readonly string[]): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(path, `must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) invalid(field(path, key), `is not a known field (expected one of ${keys.join(', ')})`);
  }
  return value as JsonObject;
}

/** Reads a map whose keys the caller checks. */
export function readRecord(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(path, `must be an object, got ${describe(value)}`);
  }
  return value as JsonObject;
}

export function readArray(value: unknown, path: string, { nonEmpty = false } = {}): readonly unknown[] {
  if (!Array.isArray(value)) invalid(path, `must be an array, got ${describe(value)}`);
  if (nonEmpty && value.length === 0) invalid(path, 'must not be empty (omit it to match anything)');
  return value;
}

export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') invalid(path, `must be a string, got ${describe(value)}`);
  return value;
}

export function readInteger(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    invalid(path, `must be an integer, got ${describe(value)}`);
  if (value < min || value > max) invalid(path, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') invalid(path, `must be true or false, got ${describe(value)}`);
  return value;
}

/** Reads one of a fixed set of strings. */
export function readEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(path, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Reads a list of distinct values. */
export function readDistinct<T>(
  value: unknown,
  path: string,
  read: (element: unknown, path: string) => T,
): readonly T[] {
  const list = readArray(value, path, { nonEmpty: true }).map((element, i) => read(element, item(path, i)));
  const duplicate = list.findIndex((element, i) => list.indexOf(element) !== i);
  if (duplicate !== -1) invalid(item(path, duplicate), 'is listed twice');
  return list;
}

export const readAmount = (value: unknown, path: string): bigint =>
  viaDomainParser(() => parseAmount(value, path), path);

export const readPositiveAmount = (value: unknown, path: string): bigint =>
  viaDomainParser(() => parsePositiveAmount(value, path), path);

export const readAddress = (value: unknown, path: string): Address =>
  viaDomainParser(() => parseAddress(value, path), path);

export const readAsset = (value: unknown, path: string): Asset => viaDomainParser(() => parseAsset(value, path), path);

/** Restates a domain parser's refusal as POLICY.INVALID at `path`, keeping its code in `details.cause`. */
function viaDomainParser<T>(parse: () => T, path: string): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof StrongroomError)) throw error;
    return invalid(path, ERROR_CATALOGUE[error.code].summary, { cause: error.code }, error);
  }
}

/** Reads `raw[key]` with `parse` when present. */
export function readOptional<T>(
  raw: JsonObject,
  path: string,
  key: string,
  parse: (value: unknown, path: string) => T,
): T | undefined {
  return raw[key] === undefined ? undefined : parse(raw[key], field(path, key));
}

/** Drops absent fields, so a parsed policy holds only what its author wrote (and serializes back the same). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

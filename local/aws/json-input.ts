import type { AwsJsonInput } from './aws-json-protocol';
import type { AwsServiceError } from './aws-service-error';

/** Typed reads of one AWS JSON request's members; a missing or mistyped member is the service's validation error. */
export interface JsonInput {
  string(name: string): string;
  optionalString(name: string): string | undefined;
  /** An integer in [min, max], or undefined when absent. */
  optionalInteger(name: string, min: number, max: number): number | undefined;
  optionalBoolean(name: string): boolean | undefined;
  /** A blob member (base64 on the wire). */
  blob(name: string): Buffer;
  optionalBlob(name: string): Buffer | undefined;
  optionalStringMap(name: string): Record<string, string> | undefined;
  optionalArray(name: string): readonly unknown[] | undefined;
  optionalObject(name: string): Readonly<Record<string, unknown>> | undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads the members of `input`. `invalid` builds the service's own validation error (KMS and SFN say
 * `ValidationException`, SQS `InvalidParameterValue`, Secrets Manager `InvalidParameterException`);
 * messages follow AWS's "1 validation error detected: Value … at '…' failed to satisfy constraint".
 */
export function jsonInput(input: AwsJsonInput, invalid: (message: string) => AwsServiceError): JsonInput {
  const fail = (name: string, value: unknown, constraint: string): never => {
    const shown = value === undefined || value === null ? 'null' : `'${String(value).slice(0, 64)}'`;
    throw invalid(
      `1 validation error detected: Value ${shown} at '${name}' failed to satisfy constraint: ${constraint}`,
    );
  };
  const present = (name: string): unknown => (Object.hasOwn(input, name) ? input[name] : undefined);
  const optionalString = (name: string): string | undefined => {
    const value = present(name);
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : fail(name, value, 'Member must be a string');
  };
  const optionalBlob = (name: string): Buffer | undefined => {
    const value = optionalString(name);
    if (value === undefined) return undefined;
    return BASE64.test(value) ? Buffer.from(value, 'base64') : fail(name, value, 'Member must be base64-encoded');
  };
  return {
    string: (name) => optionalString(name) ?? fail(name, undefined, 'Member must not be null'),
    optionalString,
    optionalInteger: (name, min, max) => {
      const value = present(name);
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(name, value, 'Member must be an integer');
      if (value < min || value > max)
        return fail(name, value, `Member must have value between ${min} and ${max} inclusive`);
      return value;
    },
    optionalBoolean: (name) => {
      const value = present(name);
      if (value === undefined || value === null) return undefined;
      return typeof value === 'boolean' ? value : fail(name, value, 'Member must be a boolean');
    },
    blob: (name) => optionalBlob(name) ?? fail(name, undefined, 'Member must not be null'),
    optionalBlob,
    optionalStringMap: (name) => {
      const value = present(name);
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value)) return fail(name, value, 'Member must be a map');
      const entries = Object.entries(value as Record<string, unknown>);
      for (const [key, v] of entries) if (typeof v !== 'string') fail(`${name}.${key}`, v, 'Member must be a string');
      return Object.fromEntries(entries) as Record<string, string>;
    },
    optionalArray: (name) => {
      const value = present(name);
      if (value === undefined || value === null) return undefined;
      return Array.isArray(value) ? value : fail(name, value, 'Member must be a list');
    },
    optionalObject: (name) => {
      const value = present(name);
      if (value === undefined || value === null) return undefined;
      return typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : fail(name, value, 'Member must be a structure');
    },
  };
}

import { VIOLATION_SEVERITY, type JsonValue, type Violation, type ViolationCode } from './policy';

/** A violation with the severity its code carries. */
export function violation(
  code: ViolationCode,
  message: string,
  details: Readonly<Record<string, JsonValue>> = {},
): Violation {
  return { code, severity: VIOLATION_SEVERITY[code], message, details };
}

import { ValidationError } from './errors';
import { expectObject, optionalString, rejectUnknownFields, requireString, type StringRule } from './validation';

const REASON_RULE: StringRule = { maxLength: 256 };

/**
 * Parses a body of the form `{reason}` (freeze, unfreeze: required) or `{reason?}` (cancel: optional,
 * and the body itself may be absent). The reason is recorded in the wallet or transfer stream and the
 * audit trail, so it is a printable string of 1–256 characters.
 */
export function parseReason(body: unknown, options: { readonly required: true }): string;
export function parseReason(body: unknown, options: { readonly required: false }): string | undefined;
export function parseReason(body: unknown, options: { readonly required: boolean }): string | undefined {
  if (body === undefined) {
    if (options.required)
      throw new ValidationError('REQUEST.MISSING_FIELD', 'reason', 'is required: send {"reason": "…"}');
    return undefined;
  }
  const value = expectObject(body, 'body');
  rejectUnknownFields(value, ['reason'], '');
  return options.required
    ? requireString(value, 'reason', '', REASON_RULE)
    : optionalString(value, 'reason', '', REASON_RULE);
}

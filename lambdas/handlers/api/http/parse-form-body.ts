import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../../../domain/errors';

const DEFAULT_LIMIT_BYTES = 64 * 1024;
const POISONED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * An HTML form's body (`application/x-www-form-urlencoded`, UTF-8) as an object of strings, or
 * undefined when there is none. A field sent twice is refused (400, naming it): a form of ours never
 * does it, and "which one counts" is where smuggling starts. Over the limit is a 413.
 */
export function parseFormBody(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  options: { readonly limitBytes?: number } = {},
): Record<string, string> | undefined {
  const raw = event.body;
  if (raw === null || raw === undefined || raw === '') return undefined;
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > limitBytes)
    throw new ValidationError('REQUEST.BODY_TOO_LARGE', 'body', `is larger than ${limitBytes} bytes`, {
      details: { limitBytes },
    });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError('REQUEST.INVALID_BODY', 'body', 'is not valid UTF-8');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (POISONED_KEYS.has(name)) continue;
    if (Object.hasOwn(fields, name))
      throw new ValidationError('REQUEST.INVALID_FIELD', name, 'is sent more than once', { details: { field: name } });
    fields[name] = value;
  }
  return fields;
}

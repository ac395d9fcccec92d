import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../../../domain/errors';
import { locateJsonSyntaxError } from './locate-json-syntax-error';

export interface ParseJsonBodyOptions {
  /** Largest accepted body in bytes, after base64 decoding. Default 64 KiB. */
  readonly limitBytes?: number;
  /** Deepest accepted nesting of objects and arrays. Default 32. */
  readonly maxDepth?: number;
}

const DEFAULT_LIMIT_BYTES = 64 * 1024;
const DEFAULT_MAX_DEPTH = 32;

// Keys that reach Object.prototype when a parsed body is later merged or spread into another object.
const POISONED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const dropPoisonedKeys = (key: string, value: unknown): unknown => (POISONED_KEYS.has(key) ? undefined : value);

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.+-]+\+)?json$/;

/**
 * The JSON body of an API Gateway proxy event, or undefined when there is none. Refuses a body that is
 * not declared as UTF-8 JSON (415), one over the limit (413), and malformed or too deeply nested JSON
 * (400, naming the position but never quoting the body). `__proto__`, `constructor` and `prototype` keys
 * are dropped at every depth; of duplicate keys the last wins, as in JSON.parse.
 */
export function parseJsonBody(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded' | 'headers'>,
  options: ParseJsonBodyOptions = {},
): unknown {
  const raw = event.body;
  if (raw === null || raw === undefined || raw === '') return undefined;
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;

  checkContentType(event.headers);
  const text = event.isBase64Encoded ? decodeBase64Utf8(raw, limitBytes) : raw;
  if (!event.isBase64Encoded && Buffer.byteLength(text, 'utf8') > limitBytes) throw tooLarge(limitBytes);

  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (nestingDepth(text) > maxDepth) {
    throw new ValidationError('REQUEST.MALFORMED_JSON', 'body', `is nested deeper than ${maxDepth} levels`, {
      details: { maxDepth },
    });
  }
  try {
    return JSON.parse(text, dropPoisonedKeys);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw malformed(text);
  }
}

function checkContentType(headers: APIGatewayProxyEvent['headers'] | null | undefined): void {
  const header = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const [mediaType = '', ...parameters] = (header ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  if (!JSON_MEDIA_TYPE.test(mediaType) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new ValidationError(
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'content-type',
      'must be application/json (UTF-8) when a body is sent',
      {
        details: { expected: 'application/json' },
      },
    );
  }
}

function decodeBase64Utf8(raw: string, limitBytes: number): string {
  // Four base64 characters carry three bytes: refuse an oversized body before decoding it.
  if (Math.floor((raw.length * 3) / 4) - 2 > limitBytes) throw tooLarge(limitBytes);
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length > limitBytes) throw tooLarge(limitBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ValidationError('REQUEST.MALFORMED_JSON', 'body', 'is not valid UTF-8');
  }
}

// Counts brackets outside strings, so a deeply nested body is refused before anything recurses into it.
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return deepest;
}

function malformed(text: string): ValidationError {
  const position = locateJsonSyntaxError(text);
  if (position === undefined) return new ValidationError('REQUEST.MALFORMED_JSON', 'body', 'is not valid JSON');
  const before = text.slice(0, position).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  return new ValidationError(
    'REQUEST.MALFORMED_JSON',
    'body',
    `is not valid JSON: syntax error at position ${position} (line ${line}, column ${column})`,
    {
      details: { position, line, column },
    },
  );
}

function tooLarge(limitBytes: number): ValidationError {
  return new ValidationError('REQUEST.BODY_TOO_LARGE', 'body', `is larger than ${limitBytes} bytes`, {
    details: { limitBytes },
  });
}

import type { Logger } from '@aws-lambda-powertools/logger';
import type { ErrorCode, ErrorKind } from '../../../domain/errors';
import { isStrongroomError } from '../../../domain/errors';
import type { ApiResponse } from './api-response';

/** The body of every error response (ARCHITECTURE §7). */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
    readonly traceId: string;
  };
}

const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rule: 422,
  unavailable: 503,
  internal: 500,
};

// The few codes HTTP has a more precise status for than their kind's.
const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  'REQUEST.BODY_TOO_LARGE': 413,
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
  'ROUTE.METHOD_NOT_ALLOWED': 405,
  'RATE.LIMITED': 429,
};

const GENERIC_MESSAGE = 'an unexpected error occurred; quote the trace id to the operator';

/**
 * The one place an error becomes HTTP: a {@link StrongroomError} gets the status of its kind (or of its
 * code, for 405/413/415/429) and its own code, message and details; anything else becomes a 500
 * `INTERNAL.ERROR` with a generic message, because its text or stack may carry a secret. Every error is
 * logged here, at error level when it is a 500.
 */
export function httpStatus(
  error: unknown,
  traceId: string,
  logger: Pick<Logger, 'error' | 'warn' | 'info'>,
): ApiResponse {
  if (!isStrongroomError(error)) {
    logger.error('unexpected error', { status: 500, error: error instanceof Error ? error : String(error) });
    return respond(500, { code: 'INTERNAL.ERROR', message: GENERIC_MESSAGE, details: {}, traceId });
  }
  const status = STATUS_BY_CODE[error.code] ?? STATUS_BY_KIND[error.kind];
  if (status === 503) logger.warn('dependency unavailable', { status, code: error.code, error });
  else if (status >= 500) logger.error('request failed', { status, code: error.code, error });
  else if (status === 401 || status === 403 || status === 429)
    logger.warn('request refused', { status, code: error.code, details: error.details });
  else logger.info('request refused', { status, code: error.code, details: error.details });
  return respond(
    status,
    { code: error.code, message: error.message, details: error.details, traceId },
    headersFor(error.code, error.details),
  );
}

function respond(status: number, error: ErrorBody['error'], headers: Record<string, string> = {}): ApiResponse {
  const body: ErrorBody = { error };
  return { status, body, headers };
}

function headersFor(code: ErrorCode, details: Readonly<Record<string, unknown>>): Record<string, string> {
  switch (code) {
    case 'AUTH.MISSING_TOKEN':
      return { 'www-authenticate': 'Bearer realm="strongroom"' };
    case 'AUTH.INVALID_TOKEN':
      return { 'www-authenticate': 'Bearer realm="strongroom", error="invalid_token"' };
    case 'ROUTE.METHOD_NOT_ALLOWED': {
      const allow = details.allow;
      return Array.isArray(allow) && allow.every((m) => typeof m === 'string') ? { allow: allow.join(', ') } : {};
    }
    case 'RATE.LIMITED': {
      const seconds = details.retryAfterSeconds;
      return typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds > 0
        ? { 'retry-after': String(seconds) }
        : {};
    }
    default:
      return {};
  }
}

import type { ErrorCode, ErrorKind } from '../../../../lambdas/domain/errors';
import { ERROR_CATALOGUE, StrongroomError } from '../../../../lambdas/domain/errors';
import { httpStatus } from '../../../../lambdas/handlers/api/http/http-status';

function recordingLogger() {
  const lines: { level: string; message: string; attributes: unknown }[] = [];
  const at = (level: string) => (message: string, attributes?: unknown) =>
    void lines.push({ level, message, attributes });
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info') } as never };
}

const firstCodeOf = (kind: ErrorKind): ErrorCode =>
  (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).find(
    (code) =>
      ERROR_CATALOGUE[code].kind === kind &&
      ![
        'RATE.LIMITED',
        'REQUEST.BODY_TOO_LARGE',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'ROUTE.METHOD_NOT_ALLOWED',
      ].includes(code),
  ) as ErrorCode;

describe('httpStatus', () => {
  it.each([
    ['invalid', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['rule', 422],
    ['unavailable', 503],
    ['internal', 500],
  ] as const)('maps kind %s to %i with the code, message, details and trace id', (kind, status) => {
    const code = firstCodeOf(kind);
    const { logger } = recordingLogger();
    const response = httpStatus(
      new StrongroomError(code, 'what went wrong', { details: { field: 'x' } }),
      'trace-1234',
      logger,
    );
    expect(response.status).toBe(status);
    expect(response.body).toEqual({
      error: { code, message: 'what went wrong', details: { field: 'x' }, traceId: 'trace-1234' },
    });
  });

  it.each([
    ['REQUEST.BODY_TOO_LARGE', 413],
    ['REQUEST.UNSUPPORTED_MEDIA_TYPE', 415],
    ['ROUTE.METHOD_NOT_ALLOWED', 405],
    ['RATE.LIMITED', 429],
    ['ROUTE.NOT_FOUND', 404],
    ['REQUEST.MALFORMED_JSON', 400],
    ['AUTH.FORBIDDEN', 403],
    ['INTERNAL.ERROR', 500],
  ] as const)('maps %s to %i', (code, status) => {
    expect(httpStatus(new StrongroomError(code, 'm'), 't', recordingLogger().logger).status).toBe(status);
  });

  it('gives every catalogued code a status in 400..599', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      const { status } = httpStatus(new StrongroomError(code, 'm'), 't', recordingLogger().logger);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('turns anything else into a 500 INTERNAL.ERROR without its message, and logs it at error level', () => {
    const { lines, logger } = recordingLogger();
    const secret = new Error('connect failed: postgres://admin:hunter2@db');
    const response = httpStatus(secret, 'trace-1', logger);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: { code: 'INTERNAL.ERROR', message: expect.any(String), details: {}, traceId: 'trace-1' },
    });
    expect(JSON.stringify(response)).not.toContain('hunter2');
    expect(JSON.stringify(response)).not.toContain('postgres');
    expect(lines).toEqual([
      { level: 'error', message: 'unexpected error', attributes: { status: 500, error: secret } },
    ]);
  });

  it('handles a thrown non-Error value as a 500 too', () => {
    expect(httpStatus('a string', 't', recordingLogger().logger)).toMatchObject({
      status: 500,
      body: { error: { code: 'INTERNAL.ERROR' } },
    });
  });

  it('never puts the cause in the body', () => {
    const response = httpStatus(
      new StrongroomError('STORE.CONFLICT', 'lost', { cause: new Error('ConditionalCheckFailed token=abc') }),
      't',
      recordingLogger().logger,
    );
    expect(JSON.stringify(response)).not.toContain('token=abc');
  });

  it('logs client errors below error level and internal ones at error level', () => {
    const { lines, logger } = recordingLogger();
    httpStatus(new StrongroomError('REQUEST.MISSING_FIELD', 'm'), 't', logger);
    httpStatus(new StrongroomError('AUTH.INVALID_TOKEN', 'm'), 't', logger);
    httpStatus(new StrongroomError('LEDGER.INVALID_POSTING', 'm'), 't', logger);
    httpStatus(new StrongroomError('KEY.UNAVAILABLE', 'm'), 't', logger);
    expect(lines.map((l) => l.level)).toEqual(['info', 'warn', 'error', 'warn']);
  });

  it('adds www-authenticate to 401s, allow to 405s and retry-after to 429s', () => {
    const { logger } = recordingLogger();
    expect(httpStatus(new StrongroomError('AUTH.MISSING_TOKEN', 'm'), 't', logger).headers).toEqual({
      'www-authenticate': 'Bearer realm="strongroom"',
    });
    expect(httpStatus(new StrongroomError('AUTH.INVALID_TOKEN', 'm'), 't', logger).headers).toEqual({
      'www-authenticate': 'Bearer realm="strongroom", error="invalid_token"',
    });
    expect(
      httpStatus(
        new StrongroomError('ROUTE.METHOD_NOT_ALLOWED', 'm', { details: { allow: ['GET', 'POST'] } }),
        't',
        logger,
      ).headers,
    ).toEqual({ allow: 'GET, POST' });
    expect(
      httpStatus(new StrongroomError('RATE.LIMITED', 'm', { details: { retryAfterSeconds: 30 } }), 't', logger).headers,
    ).toEqual({ 'retry-after': '30' });
  });
});

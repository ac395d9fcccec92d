import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { StrongroomError } from '../../../../lambdas/domain/errors';
import type { ApiRequest } from '../../../../lambdas/handlers/api/http/api-request';
import type { ApiHandle } from '../../../../lambdas/handlers/api/http/api-handler';
import { apiHandler } from '../../../../lambdas/handlers/api/http/api-handler';
import { loadAuthConfig } from '../../../../lambdas/handlers/api/http/load-auth-config';
import { requireRole } from '../../../../lambdas/handlers/api/http/require-role';
import { routes } from '../../../../lambdas/handlers/api/http/route';
import type { BearerTokenConfig } from '../../../../lambdas/handlers/api/http/verify-bearer-token';
import type { DevTokenIssuer } from '../../../../local/dev-tokens';
import { createDevTokenIssuer } from '../../../../local/dev-tokens';
import { apiGatewayEvent, lambdaContext } from '../../../support/api-gateway-event';

let issuer: DevTokenIssuer;
let authConfig: BearerTokenConfig;
let token: string;

beforeAll(async () => {
  issuer = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
  authConfig = loadAuthConfig(issuer.env);
  token = await issuer.mint({ sub: 'alice', roles: ['operator'] });
});

// Everything the Powertools Logger writes goes through process.stdout / process.stderr. The tests
// quieten logs by default (test/setup-env.ts); this file reads them, so it wants every level.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
let output: string[];
beforeEach(() => {
  output = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => jest.restoreAllMocks());

const logLines = (): Record<string, unknown>[] =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const invoke = (handler: ReturnType<typeof apiHandler>, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  handler(event, lambdaContext()) as Promise<APIGatewayProxyResult>;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const errorOf = (result: APIGatewayProxyResult) =>
  (JSON.parse(result.body) as { error: { code: string; message: string; traceId: string; details: unknown } }).error;

describe('apiHandler', () => {
  it('gives the handler the principal, lower-cased headers without credentials, parameters and body; answers JSON', async () => {
    let seen: ApiRequest | undefined;
    const handler = apiHandler(
      { name: 'test', auth: 'required', authConfig, deps: { n: 1 } },
      async (request, deps) => {
        seen = request;
        return {
          status: 201,
          body: { amount: 10n ** 30n, at: new Date('2025-01-02T03:04:05.000Z'), n: deps.n },
          headers: { Location: '/v1/wallets/w1' },
        };
      },
    );
    const result = await invoke(
      handler,
      apiGatewayEvent({
        httpMethod: 'POST',
        resource: '/v1/wallets/{id}',
        path: '/v1/wallets/w1',
        pathParameters: { id: 'w1' },
        queryStringParameters: { limit: '5' },
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'X-Strongroom-Trace-Id': 'trace-abcdef12',
          Cookie: 'session=s',
        },
        body: '{"name":"ops"}',
      }),
    );

    expect(result.statusCode).toBe(201);
    const traceId = seen?.traceId;
    expect(traceId).toMatch(UUID_V4);
    expect(JSON.parse(result.body)).toEqual({
      amount: '1000000000000000000000000000000',
      at: '2025-01-02T03:04:05.000Z',
      n: 1,
    });
    expect(result.headers).toEqual({
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-strongroom-trace-id': traceId,
      'x-strongroom-client-trace-id': 'trace-abcdef12',
      location: '/v1/wallets/w1',
    });
    expect(seen).toMatchObject({
      principal: { id: 'alice', roles: ['operator'] },
      method: 'POST',
      path: '/v1/wallets/{id}',
      pathParameters: { id: 'w1' },
      query: { limit: '5' },
      headers: { 'content-type': 'application/json', 'x-strongroom-trace-id': 'trace-abcdef12' },
      body: { name: 'ops' },
      clientTraceId: 'trace-abcdef12',
      requestId: 'api-request-1',
    });
    expect(seen?.headers).not.toHaveProperty('authorization');
    expect(seen?.headers).not.toHaveProperty('cookie');
  });

  it.each([
    ['absent', {}],
    ['too short', { 'x-strongroom-trace-id': 'abc' }],
    ['with other characters', { 'x-strongroom-trace-id': 'trace id with spaces' }],
  ])('makes a new trace id and keeps no client trace id when the offered one is %s', async (_label, headers) => {
    const handler = apiHandler({ name: 'test', auth: 'none', deps: {} }, async (request) => ({
      status: 200,
      body: { traceId: request.traceId, clientTraceId: request.clientTraceId ?? null },
    }));
    const result = await invoke(handler, apiGatewayEvent({ headers }));
    const body = JSON.parse(result.body) as { traceId: string; clientTraceId: string | null };
    expect(body.traceId).toMatch(UUID_V4);
    expect(body.clientTraceId).toBeNull();
    expect(result.headers?.['x-strongroom-trace-id']).toBe(body.traceId);
    expect(result.headers).not.toHaveProperty('x-strongroom-client-trace-id');
  });

  it('never takes a trace id from the client: a valid one is kept only as clientTraceId', async () => {
    const handler = apiHandler({ name: 'test', auth: 'none', deps: {} }, async (request) => ({
      status: 200,
      body: { traceId: request.traceId, clientTraceId: request.clientTraceId },
    }));
    const offered = 'b6f1c2d4-0000-4000-8000-000000000001';
    const first = await invoke(handler, apiGatewayEvent({ headers: { 'x-strongroom-trace-id': offered } }));
    const second = await invoke(handler, apiGatewayEvent({ headers: { 'x-strongroom-trace-id': offered } }));
    const [a, b] = [first, second].map((r) => JSON.parse(r.body) as { traceId: string; clientTraceId: string });
    expect(a!.clientTraceId).toBe(offered);
    expect(a!.traceId).toMatch(UUID_V4);
    expect(a!.traceId).not.toBe(offered);
    expect(b!.traceId).not.toBe(a!.traceId);
    expect(first.headers).toMatchObject({
      'x-strongroom-trace-id': a!.traceId,
      'x-strongroom-client-trace-id': offered,
    });
  });

  it('refuses a request without a token with 401 and never calls the handler', async () => {
    const handle = jest.fn<ReturnType<ApiHandle<object>>, Parameters<ApiHandle<object>>>();
    const handler = apiHandler({ name: 'test', auth: 'required', authConfig, deps: {} }, handle);
    const result = await invoke(handler, apiGatewayEvent({ headers: { 'x-strongroom-trace-id': 'trace-00000001' } }));
    expect(result.statusCode).toBe(401);
    const error = errorOf(result);
    expect(error).toMatchObject({ code: 'AUTH.MISSING_TOKEN', traceId: expect.stringMatching(UUID_V4) });
    expect(result.headers).toMatchObject({
      'www-authenticate': 'Bearer realm="strongroom"',
      'cache-control': 'no-store',
      'x-strongroom-trace-id': error.traceId,
      'x-strongroom-client-trace-id': 'trace-00000001',
    });
    expect(handle).not.toHaveBeenCalled();
  });

  it('refuses an invalid token with 401 before it parses the body', async () => {
    const stranger = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
    const forged = await stranger.mint({ sub: 'mallory', roles: ['admin'] });
    const handler = apiHandler({ name: 'test', auth: 'required', authConfig, deps: {} }, async () => ({ status: 200 }));
    const result = await invoke(
      handler,
      apiGatewayEvent({
        httpMethod: 'POST',
        headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' },
        body: '{bad',
      }),
    );
    expect(result.statusCode).toBe(401);
    expect(errorOf(result)).toMatchObject({ code: 'AUTH.INVALID_TOKEN', details: { reason: 'bad_signature' } });
    expect(result.body).not.toContain(forged);
  });

  it('answers 403 when the handler requires a role the principal lacks', async () => {
    const handler = apiHandler({ name: 'test', auth: 'required', authConfig, deps: {} }, async (request) => {
      requireRole(request.principal, 'admin');
      return { status: 200 };
    });
    const result = await invoke(handler, apiGatewayEvent({ headers: { authorization: `Bearer ${token}` } }));
    expect(result.statusCode).toBe(403);
    expect(errorOf(result)).toMatchObject({ code: 'AUTH.FORBIDDEN', details: { requiredRoles: ['admin'] } });
  });

  it.each([
    ['malformed JSON', { 'content-type': 'application/json' }, '{"a":', undefined, 400, 'REQUEST.MALFORMED_JSON'],
    [
      'a body over the limit',
      { 'content-type': 'application/json' },
      JSON.stringify({ a: 'x'.repeat(200) }),
      100,
      413,
      'REQUEST.BODY_TOO_LARGE',
    ],
    [
      'a body that is not JSON',
      { 'content-type': 'text/plain' },
      'hello',
      undefined,
      415,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('answers %s with its status and code', async (_label, headers, body, bodyLimitBytes, status, code) => {
    const handler = apiHandler(
      { name: 'test', auth: 'none', deps: {}, ...(bodyLimitBytes === undefined ? {} : { bodyLimitBytes }) },
      async () => ({ status: 200 }),
    );
    const result = await invoke(handler, apiGatewayEvent({ httpMethod: 'POST', headers, body }));
    expect(result.statusCode).toBe(status);
    expect(errorOf(result).code).toBe(code);
    expect(result.headers?.['content-type']).toBe('application/json');
  });

  it('routes, answering 404 for an unknown resource and 405 with an allow header for another method', async () => {
    const handler = apiHandler(
      { name: 'wallets', auth: 'none', deps: {} },
      routes({
        'GET /v1/wallets': async () => ({ status: 200, body: { items: [] } }),
        'POST /v1/wallets': async () => ({ status: 201, body: {} }),
      }),
    );
    expect((await invoke(handler, apiGatewayEvent({ httpMethod: 'GET', resource: '/v1/wallets' }))).statusCode).toBe(
      200,
    );
    const missing = await invoke(handler, apiGatewayEvent({ httpMethod: 'GET', resource: '/v1/unknown' }));
    expect([missing.statusCode, errorOf(missing).code]).toEqual([404, 'ROUTE.NOT_FOUND']);
    const wrongMethod = await invoke(handler, apiGatewayEvent({ httpMethod: 'DELETE', resource: '/v1/wallets' }));
    expect([wrongMethod.statusCode, errorOf(wrongMethod).code, wrongMethod.headers?.allow]).toEqual([
      405,
      'ROUTE.METHOD_NOT_ALLOWED',
      'GET, POST',
    ]);
  });

  it('maps a domain error by its kind and an unexpected error to a generic 500', async () => {
    const failing = (error: unknown) =>
      apiHandler({ name: 'test', auth: 'none', deps: {} }, async () => Promise.reject(error));
    const rule = await invoke(
      failing(new StrongroomError('LEDGER.INSUFFICIENT_FUNDS', 'not enough', { details: { available: 5n } })),
      apiGatewayEvent(),
    );
    expect([rule.statusCode, errorOf(rule)]).toEqual([
      422,
      {
        code: 'LEDGER.INSUFFICIENT_FUNDS',
        message: 'not enough',
        details: { available: '5' },
        traceId: expect.any(String),
      },
    ]);
    const bug = await invoke(
      failing(new TypeError('Cannot read properties of undefined (reading "secretKey")')),
      apiGatewayEvent(),
    );
    expect(bug.statusCode).toBe(500);
    expect(errorOf(bug).code).toBe('INTERNAL.ERROR');
    expect(bug.body).not.toContain('secretKey');
    expect(logLines().some((l) => l.level === 'ERROR' && l.message === 'unexpected error')).toBe(true);
  });

  it('passes a non-JSON string body through with the content type the handler chose, still no-store', async () => {
    const handler = apiHandler({ name: 'page', auth: 'none', deps: {} }, async () => ({
      status: 200,
      body: '<p>approve?</p>',
      headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'max-age=60' },
    }));
    const result = await invoke(handler, apiGatewayEvent());
    expect(result.body).toBe('<p>approve?</p>');
    expect(result.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  });

  it('sends no body and no content type for a 204', async () => {
    const handler = apiHandler({ name: 'test', auth: 'none', deps: {} }, async () => ({ status: 204 }));
    const result = await invoke(handler, apiGatewayEvent());
    expect([result.statusCode, result.body, result.headers?.['content-type']]).toEqual([204, '', undefined]);
  });

  it('never writes the Authorization header value or the body to the logs', async () => {
    const handler = apiHandler({ name: 'leaky', auth: 'required', authConfig, deps: {} }, async (request) => {
      // A careless handler: logs everything it was given, then fails with the token in the message.
      request.logger.info('got request', {
        request: { ...request, logger: undefined },
        authorization: `Bearer ${token}`,
      });
      throw new Error(`upstream refused Bearer ${token} for body ${JSON.stringify(request.body)}`);
    });
    const body = '{"note":"BODY-MARKER-42"}';
    const headers = {
      Authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-strongroom-trace-id': 'trace-log-check',
    };
    const result = await invoke(
      handler,
      apiGatewayEvent({ httpMethod: 'POST', resource: '/v1/transactions', headers, body }),
    );
    expect(result.statusCode).toBe(500);
    const badToken = `${token.slice(0, -4)}AAAA`;
    await invoke(
      handler,
      apiGatewayEvent({
        httpMethod: 'POST',
        resource: '/v1/transactions',
        headers: { ...headers, Authorization: `Bearer ${badToken}` },
        body,
      }),
    );

    const text = output.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [token, badToken, token.split('.')[2]!, token.split('.')[1]!])
      expect(text).not.toContain(secret);
    const lines = logLines();
    expect(
      lines.every(
        (l) =>
          l.clientTraceId === 'trace-log-check' &&
          UUID_V4.test(String(l.traceId)) &&
          l.route === 'POST /v1/transactions' &&
          l.handler === 'leaky',
      ),
    ).toBe(true);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'got request'],
      ['ERROR', 'unexpected error'],
      ['INFO', 'request handled'],
      ['WARN', 'request refused'],
      ['INFO', 'request handled'],
    ]);
    // The careless handler did log the parsed body: the edge itself never does (see the refused request).
    expect(
      lines.slice(1).some((l) => JSON.stringify(l).includes('BODY-MARKER-42') && l.message !== 'unexpected error'),
    ).toBe(false);
  });

  it('keeps the edge silent about bodies and credentials on its own', async () => {
    const handler = apiHandler({ name: 'quiet', auth: 'required', authConfig, deps: {} }, async () => ({
      status: 200,
      body: { ok: true },
    }));
    await invoke(
      handler,
      apiGatewayEvent({
        httpMethod: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"secret":"BODY-MARKER-43"}',
      }),
    );
    const text = output.join('');
    expect(text).not.toContain('BODY-MARKER-43');
    expect(text).not.toContain(token);
    expect(logLines()).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'request handled', status: 200, principalId: 'alice' }),
    ]);
  });

  it('redacts through a logger the caller passes in', async () => {
    const logger = new Logger({ serviceName: 'custom' });
    const handler = apiHandler({ name: 'custom', auth: 'none', logger, deps: {} }, async (request) => {
      request.logger.warn(`token was Bearer ${token}`);
      return { status: 200 };
    });
    await invoke(handler, apiGatewayEvent());
    expect(output.join('')).not.toContain(token);
    expect(logLines()[0]).toMatchObject({ service: 'custom', message: 'token was Bearer [REDACTED]' });
  });

  it('reads the auth configuration from the environment once, at cold start: a missing issuer fails the start', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.STRONGROOM_JWT_ISSUER;
      // Built without the variable: the function fails its initialisation, naming what is missing.
      expect(() => apiHandler({ name: 'test', auth: 'required', deps: {} }, async () => ({ status: 200 }))).toThrow(
        /STRONGROOM_JWT_ISSUER/,
      );
      // A function that authenticates otherwise starts without it.
      expect(() => apiHandler({ name: 'test', auth: 'none', deps: {} }, async () => ({ status: 200 }))).not.toThrow();
      Object.assign(process.env, issuer.env);
      const handler = apiHandler({ name: 'test', auth: 'required', deps: {} }, async () => ({ status: 200 }));
      // Read once: removing the variable afterwards changes nothing for this handler.
      delete process.env.STRONGROOM_JWT_ISSUER;
      expect(
        (await invoke(handler, apiGatewayEvent({ headers: { authorization: `Bearer ${token}` } }))).statusCode,
      ).toBe(200);
    } finally {
      process.env = saved;
    }
  });
});

import { request as httpRequest, Agent } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ApiHandlers, ApiProxyHandler } from '../../../local/http/api-routes';
import { apiRoutes } from '../../../local/http/api-routes';
import type { LocalApiServer, LocalApiServerOptions } from '../../../local/http/local-api-server';
import { startLocalApiServer } from '../../../local/http/local-api-server';

// These tests are about the HTTP edge in front of the handlers: fakes are passed as values.

const LIMIT = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Call {
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
  readonly remainingMs: number;
}

type Respond = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

interface Fakes {
  readonly handlers: ApiHandlers;
  readonly calls: Record<keyof ApiHandlers, Call[]>;
  callCount(): number;
}

const FUNCTIONS: readonly (keyof ApiHandlers)[] = [
  'wallets',
  'approvalGroups',
  'transactions',
  'approvals',
  'audit',
  'health',
  'reconciliation',
  'governance',
];

function fakes(respond?: Respond): Fakes {
  const calls = Object.fromEntries(FUNCTIONS.map((name) => [name, [] as Call[]])) as Record<keyof ApiHandlers, Call[]>;
  const fake =
    (name: keyof ApiHandlers): ApiProxyHandler =>
    async (event, context) => {
      calls[name].push({ event, context, remainingMs: context.getRemainingTimeInMillis() });
      return respond === undefined
        ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ served: name }) }
        : respond(event);
    };
  const handlers = Object.fromEntries(FUNCTIONS.map((name) => [name, fake(name)])) as unknown as ApiHandlers;
  return { handlers, calls, callCount: () => FUNCTIONS.reduce((n, name) => n + calls[name].length, 0) };
}

const servers: LocalApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  jest.restoreAllMocks();
});

async function start(handlers: ApiHandlers, options: Partial<LocalApiServerOptions> = {}): Promise<LocalApiServer> {
  const server = await startLocalApiServer({ routes: apiRoutes(handlers), ...options });
  servers.push(server);
  return server;
}

interface Received {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** Whether the server sent `100 Continue`. */
  readonly continued: boolean;
}

interface Send {
  readonly method?: string;
  readonly path: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: Buffer | string;
  readonly agent?: Agent;
  /** Send the body only after `100 Continue`, as curl does for large bodies. */
  readonly waitForContinue?: boolean;
}

function send(server: LocalApiServer, options: Send): Promise<Received> {
  return new Promise((resolvePromise, reject) => {
    let continued = false;
    let responded = false;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
            continued,
          }),
        );
        res.on('error', reject);
      },
    );
    // A server that answers before the body is sent closes while the client may still write: the answer counts.
    req.on('error', (error) => setTimeout(() => (responded ? undefined : reject(error)), 200));
    req.on('continue', () => {
      continued = true;
      req.end(options.body);
    });
    if (options.waitForContinue === true) {
      req.flushHeaders();
    } else {
      req.end(options.body);
    }
  });
}

const json = (
  received: Pick<Received, 'body'>,
): { error: { code: string; message: string; details: Record<string, unknown>; traceId: string } } =>
  JSON.parse(received.body.toString('utf8')) as {
    error: { code: string; message: string; details: Record<string, unknown>; traceId: string };
  };

// Everything the Powertools Logger writes goes through process.stdout / process.stderr.
function captureLogs(): () => string {
  const output: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  return () => output.join('');
}

describe('the API v1 route table', () => {
  const documented: readonly (readonly [string, string, string, keyof ApiHandlers])[] = [
    ['GET', '/v1/wallets', '/v1/wallets', 'wallets'],
    ['POST', '/v1/wallets', '/v1/wallets', 'wallets'],
    ['GET', '/v1/wallets/w-1', '/v1/wallets/{id}', 'wallets'],
    ['PUT', '/v1/wallets/w-1/policy', '/v1/wallets/{id}/policy', 'wallets'],
    ['POST', '/v1/wallets/w-1/freeze', '/v1/wallets/{id}/freeze', 'wallets'],
    ['POST', '/v1/wallets/w-1/unfreeze', '/v1/wallets/{id}/unfreeze', 'wallets'],
    ['POST', '/v1/wallets/w-1/rotate-key', '/v1/wallets/{id}/rotate-key', 'wallets'],
    ['POST', '/v1/wallets/w-1/revoke-key', '/v1/wallets/{id}/revoke-key', 'wallets'],
    ['POST', '/v1/approval-groups', '/v1/approval-groups', 'approvalGroups'],
    ['GET', '/v1/approval-groups/g-1', '/v1/approval-groups/{id}', 'approvalGroups'],
    ['PUT', '/v1/approval-groups/g-1/members', '/v1/approval-groups/{id}/members', 'approvalGroups'],
    ['GET', '/v1/transactions', '/v1/transactions', 'transactions'],
    ['POST', '/v1/transactions', '/v1/transactions', 'transactions'],
    ['GET', '/v1/transactions/t-1', '/v1/transactions/{id}', 'transactions'],
    ['POST', '/v1/transactions/t-1/cancel', '/v1/transactions/{id}/cancel', 'transactions'],
    ['GET', '/v1/approvals/a-1', '/v1/approvals/{id}', 'approvals'],
    ['POST', '/v1/approvals/a-1', '/v1/approvals/{id}', 'approvals'],
    ['POST', '/v1/passkeys/enrollments', '/v1/passkeys/enrollments', 'approvalGroups'],
    ['GET', '/v1/passkeys/enroll/e-1', '/v1/passkeys/enroll/{id}', 'approvals'],
    ['POST', '/v1/passkeys/enroll/e-1', '/v1/passkeys/enroll/{id}', 'approvals'],
    ['GET', '/v1/audit/trace-1', '/v1/audit/{traceId}', 'audit'],
    ['GET', '/v1/health', '/v1/health', 'health'],
    ['GET', '/v1/reconciliation/exceptions', '/v1/reconciliation/exceptions', 'reconciliation'],
    [
      'POST',
      '/v1/reconciliation/exceptions/x-1/resolve',
      '/v1/reconciliation/exceptions/{id}/resolve',
      'reconciliation',
    ],
    ['GET', '/v1/governance', '/v1/governance', 'governance'],
    ['PUT', '/v1/governance', '/v1/governance', 'governance'],
    ['POST', '/v1/governance/bootstrap', '/v1/governance/bootstrap', 'governance'],
    ['GET', '/v1/governance/changes', '/v1/governance/changes', 'governance'],
    ['GET', '/v1/governance/changes/c-1', '/v1/governance/changes/{id}', 'governance'],
    ['POST', '/v1/governance/changes/c-1', '/v1/governance/changes/{id}', 'governance'],
    ['GET', '/v1/governance/changes/c-1/decide', '/v1/governance/changes/{id}/decide', 'approvals'],
    ['POST', '/v1/governance/changes/c-1/decide', '/v1/governance/changes/{id}/decide', 'approvals'],
  ];

  it('declares exactly the documented resources and methods', () => {
    const table = apiRoutes(fakes().handlers);
    const declared = Object.entries(table).flatMap(([resource, route]) => route.methods.map((m) => `${m} ${resource}`));
    expect(declared.sort()).toEqual(documented.map(([method, , resource]) => `${method} ${resource}`).sort());
  });

  it.each(documented)('%s %s reaches the %s resource of the right handler', async (method, path, resource, fn) => {
    const { handlers, calls, callCount } = fakes();
    const server = await start(handlers);
    const received = await send(server, {
      method,
      path,
      ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }),
    });
    expect(received.status).toBe(200);
    expect(JSON.parse(received.body.toString())).toEqual({ served: fn });
    expect(callCount()).toBe(1);
    expect(calls[fn][0]?.event).toMatchObject({ resource, httpMethod: method, path });
  });
});

describe('startLocalApiServer', () => {
  it('hands a GET to its handler as the API Gateway event: template, decoded path parameters, multi-value query and headers', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    const before = Date.now();
    const received = await send(server, {
      path: '/v1/audit/trace%20one%2Fx?status=QUEUED&status=COMPLETED&walletId=w%201&empty=',
      headers: { 'X-Request-Tag': ['first', 'second'], 'X-Mixed-Case': 'kept', 'User-Agent': 'jest-client' },
    });
    expect(received.status).toBe(200);

    expect(calls.audit).toHaveLength(1);
    const { event, context, remainingMs } = calls.audit[0]!;
    expect(event).toMatchObject({
      resource: '/v1/audit/{traceId}',
      path: '/v1/audit/trace%20one%2Fx',
      httpMethod: 'GET',
      pathParameters: { traceId: 'trace one/x' },
      queryStringParameters: { status: 'COMPLETED', walletId: 'w 1', empty: '' },
      multiValueQueryStringParameters: { status: ['QUEUED', 'COMPLETED'], walletId: ['w 1'], empty: [''] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      'X-Mixed-Case': 'kept',
      'X-Request-Tag': 'second',
      'User-Agent': 'jest-client',
    });
    expect(event.headers['x-mixed-case']).toBeUndefined();
    expect(event.multiValueHeaders).toMatchObject({ 'X-Request-Tag': ['first', 'second'], 'X-Mixed-Case': ['kept'] });
    expect(event.requestContext).toMatchObject({
      stage: 'local',
      resourcePath: '/v1/audit/{traceId}',
      httpMethod: 'GET',
      identity: expect.objectContaining({ sourceIp: '127.0.0.1', userAgent: 'jest-client' }),
    });
    expect(event.requestContext.requestId).toMatch(UUID);
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.requestTimeEpoch).toBeLessThanOrEqual(Date.now());
    expect(context.awsRequestId).toMatch(UUID);
    expect(context.functionName).toContain('audit');
    expect(remainingMs).toBeGreaterThan(28_000);
    expect(remainingMs).toBeLessThanOrEqual(29_000);
  });

  it('gives a resource without parameters or query null path parameters and query, as API Gateway does', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    await send(server, { path: '/v1/wallets' });
    expect(calls.wallets[0]?.event).toMatchObject({
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
    });
  });

  it('delivers a POST body intact as UTF-8 text', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    const text = JSON.stringify({
      walletId: 'w-1',
      to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      amount: '1000000000000000000',
      note: 'Zürich € 🚀',
    });
    await send(server, {
      method: 'POST',
      path: '/v1/transactions',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k-1' },
      body: text,
    });
    const event = calls.transactions[0]!.event;
    expect(event.body).toBe(text);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.headers).toMatchObject({ 'Content-Type': 'application/json', 'Idempotency-Key': 'k-1' });
  });

  it('accepts a body of exactly the limit', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    const received = await send(server, { method: 'POST', path: '/v1/transactions', body: 'a'.repeat(LIMIT) });
    expect(received.status).toBe(200);
    expect(calls.transactions[0]?.event.body).toHaveLength(LIMIT);
  });

  it('passes a body that is not valid UTF-8 as base64 with isBase64Encoded', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]);
    await send(server, {
      method: 'POST',
      path: '/v1/transactions',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const event = calls.transactions[0]!.event;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it("returns the handler's status, headers, multi-value headers and body, with its own length", async () => {
    const { handlers } = fakes(async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'X-One': 'a', 'content-length': '999', 'x-count': 3 },
      multiValueHeaders: { 'x-many': ['1', '2'], 'X-One': ['a'] },
      body: '{"id":"w-1","name":"Zürich"}',
    }));
    const server = await start(handlers);
    const received = await send(server, {
      method: 'POST',
      path: '/v1/wallets',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(received.status).toBe(201);
    expect(received.body.toString('utf8')).toBe('{"id":"w-1","name":"Zürich"}');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['content-length']).toBe(String(received.body.length));
    expect(received.headers['x-count']).toBe('3');
    const values = (name: string): string[] =>
      received.rawHeaders.filter((_, i) => i % 2 === 1 && received.rawHeaders[i - 1]?.toLowerCase() === name);
    expect(values('x-many')).toEqual(['1', '2']);
    expect(values('x-one')).toEqual(['a']);
  });

  it('decodes a base64 response body', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0xc3]);
    const { handlers } = fakes(async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    }));
    const server = await start(handlers);
    const received = await send(server, { path: '/v1/health' });
    expect(received.body).toEqual(bytes);
  });

  it.each(['/v1/nope', '/v1/wallets/', '/v1/wallets/w-1/extra', '/v1//policy', '/V1/wallets', '/v1/wallets/%zz'])(
    'answers 404 ROUTE.NOT_FOUND for %s',
    async (path) => {
      const { handlers, callCount } = fakes();
      const server = await start(handlers);
      const received = await send(server, { path });
      expect(received.status).toBe(404);
      expect(received.headers['content-type']).toBe('application/json');
      const { error } = json(received);
      expect(error.code).toBe('ROUTE.NOT_FOUND');
      expect(error.traceId).toMatch(UUID);
      expect(received.headers['x-strongroom-trace-id']).toBe(error.traceId);
      expect(callCount()).toBe(0);
    },
  );

  it('names the trace itself and only echoes a well-formed trace id the client offers', async () => {
    const server = await start(fakes().handlers);
    const received = await send(server, {
      path: '/v1/nope',
      headers: { 'x-strongroom-trace-id': 'client-trace-0001' },
    });
    const { traceId } = json(received).error;
    expect(traceId).toMatch(UUID);
    expect(received.headers['x-strongroom-trace-id']).toBe(traceId);
    expect(received.headers['x-strongroom-client-trace-id']).toBe('client-trace-0001');
  });

  it.each([
    ['DELETE', '/v1/wallets', 'GET, POST'],
    ['PATCH', '/v1/approvals/a-1', 'GET, POST'],
    ['GET', '/v1/wallets/w-1/policy', 'PUT'],
    ['OPTIONS', '/v1/wallets', 'GET, POST'],
    ['POST', '/v1/health', 'GET'],
  ])('answers %s %s with 405 ROUTE.METHOD_NOT_ALLOWED and Allow: %s', async (method, path, allow) => {
    const { handlers, callCount } = fakes();
    const server = await start(handlers);
    const received = await send(server, { method, path });
    expect(received.status).toBe(405);
    expect(received.headers.allow).toBe(allow);
    const { error } = json(received);
    expect(error.code).toBe('ROUTE.METHOD_NOT_ALLOWED');
    expect(received.headers['x-strongroom-trace-id']).toBe(error.traceId);
    expect(callCount()).toBe(0);
  });

  it('answers HEAD with 405 and no body', async () => {
    const { handlers, callCount } = fakes();
    const server = await start(handlers);
    const received = await send(server, { method: 'HEAD', path: '/v1/health' });
    expect(received.status).toBe(405);
    expect(received.headers.allow).toBe('GET');
    expect(received.body).toHaveLength(0);
    expect(callCount()).toBe(0);
  });

  it('refuses a body over the limit from its Content-Length with 413, never calling the handler, and closes the connection', async () => {
    const { handlers, callCount } = fakes();
    const server = await start(handlers);
    const received = await send(server, {
      method: 'POST',
      path: '/v1/transactions',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(LIMIT + 1, 0x20),
    });
    expect(received.status).toBe(413);
    expect(received.headers.connection).toBe('close');
    const { error } = json(received);
    expect(error).toEqual({
      code: 'REQUEST.BODY_TOO_LARGE',
      message: expect.stringContaining(String(LIMIT)),
      details: expect.objectContaining({ limitBytes: LIMIT }),
      traceId: expect.stringMatching(UUID),
    });
    expect(received.headers['x-strongroom-trace-id']).toBe(error.traceId);
    expect(callCount()).toBe(0);
  });

  it('refuses an oversized Expect: 100-continue request before the client sends its body', async () => {
    const { handlers, callCount } = fakes();
    const server = await start(handlers);
    const received = await send(server, {
      method: 'POST',
      path: '/v1/transactions',
      headers: { expect: '100-continue', 'content-length': LIMIT + 1 },
      body: Buffer.alloc(LIMIT + 1),
      waitForContinue: true,
    });
    expect(received.status).toBe(413);
    expect(received.continued).toBe(false);
    expect(callCount()).toBe(0);
  });

  it('lets an Expect: 100-continue request within the limit send its body', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    const received = await send(server, {
      method: 'POST',
      path: '/v1/transactions',
      headers: { expect: '100-continue', 'content-length': 2 },
      body: '{}',
      waitForContinue: true,
    });
    expect(received.continued).toBe(true);
    expect(received.status).toBe(200);
    expect(calls.transactions[0]?.event.body).toBe('{}');
  });

  it('refuses a chunked body without Content-Length once it passes the limit, and stops reading it', async () => {
    const { handlers, callCount } = fakes();
    const server = await start(handlers);
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let written = 0;
    const received = await new Promise<{ status: number; body: Buffer; headers: IncomingHttpHeaders }>(
      (resolvePromise, reject) => {
        let answered = false;
        const req = httpRequest(
          { host: '127.0.0.1', port: server.port, method: 'POST', path: '/v1/transactions', agent: false },
          (res) => {
            answered = true;
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              req.destroy();
              resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers });
            });
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) =>
          error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
        );
        const pump = (): void => {
          while (!answered && written < total) {
            written += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!answered) req.end();
        };
        pump();
      },
    );
    expect(received.status).toBe(413);
    expect(received.headers.connection).toBe('close');
    expect(json(received).error.code).toBe('REQUEST.BODY_TOO_LARGE');
    expect(callCount()).toBe(0);
    // The server stopped reading: the client could not push the whole body through.
    expect(written).toBeLessThan(total);
  });

  it('answers a handler that throws with a generic 500 and logs neither the body, the credential nor the query', async () => {
    const logs = captureLogs();
    const { handlers } = fakes(async () => {
      throw new Error('connection string postgres://admin:hunter2@db');
    });
    const server = await start(handlers, { logger: new Logger({ serviceName: 'test', logLevel: 'INFO' }) });
    const bearer = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const received = await send(server, {
      method: 'POST',
      path: '/v1/approvals/a-1?t=link-secret-0123456789',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: '{"decision":"approve","comment":"body-secret-value"}',
    });
    expect(received.status).toBe(500);
    const { error } = json(received);
    expect(error.code).toBe('INTERNAL.ERROR');
    expect(error.details).toEqual({});
    expect(received.body.toString()).not.toContain('hunter2');
    expect(received.headers['x-strongroom-trace-id']).toBe(error.traceId);

    const output = logs();
    expect(output).toContain(error.traceId);
    expect(output).toContain('/v1/approvals/{id}');
    for (const secret of ['body-secret-value', 'link-secret-0123456789', bearer]) expect(output).not.toContain(secret);
  });

  it('answers a handler that returns no valid proxy result with a generic 500', async () => {
    captureLogs();
    const { handlers } = fakes(async () => ({ statusCode: 'ok' }) as unknown as APIGatewayProxyResult);
    const server = await start(handlers);
    const received = await send(server, { path: '/v1/health' });
    expect(received.status).toBe(500);
    expect(json(received).error.code).toBe('INTERNAL.ERROR');
  });

  it.each([
    ['another name (DNS rebinding)', (_port: number) => 'rebind.attacker.example'],
    ['another name with our port', (port: number) => `rebind.attacker.example:${port}`],
    ['our address with another port', (port: number) => `127.0.0.1:${port + 1}`],
    ['our address without the port', (_port: number) => '127.0.0.1'],
  ])('refuses %s in Host with 400 before any route, the development routes included', async (_label, hostOf) => {
    const { handlers, callCount } = fakes();
    const extraRoutes = jest.fn(() => false);
    const server = await start(handlers, { extraRoutes });
    for (const path of ['/v1/health', '/local/tokens']) {
      const received = await send(server, { path, headers: { host: hostOf(server.port) } });
      expect(received.status).toBe(400);
      expect(json(received).error).toMatchObject({ code: 'REQUEST.INVALID_FIELD', details: { field: 'host' } });
    }
    expect(extraRoutes).not.toHaveBeenCalled();
    expect(callCount()).toBe(0);
  });

  it('accepts its own loopback names with its port in Host: 127.0.0.1, localhost, [::1]', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers);
    for (const host of [
      `127.0.0.1:${server.port}`,
      `localhost:${server.port}`,
      `[::1]:${server.port}`,
      `LOCALHOST:${server.port}`,
    ])
      expect((await send(server, { path: '/v1/health', headers: { host } })).status).toBe(200);
    expect(calls.health).toHaveLength(4);
  });

  it('lets extraRoutes answer requests outside the API before any routing', async () => {
    const { handlers, calls } = fakes();
    const server = await start(handlers, {
      extraRoutes: (request, response) => {
        if (request.url !== '/local/outbox') return false;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
        return true;
      },
    });
    expect((await send(server, { path: '/local/outbox' })).body.toString()).toBe('{"items":[]}');
    expect((await send(server, { path: '/v1/health' })).status).toBe(200);
    expect(calls.health).toHaveLength(1);
  });

  it('close() ends open connections, even one waiting for its handler, and frees the port', async () => {
    let release: () => void = () => undefined;
    const { handlers } = fakes(
      () =>
        new Promise((resolvePromise) => {
          release = () => resolvePromise({ statusCode: 200, body: '' });
        }),
    );
    const server = await start(handlers);
    const agent = new Agent({ keepAlive: true });
    try {
      expect((await send(server, { path: '/v1/nope', agent })).status).toBe(404);
      const pending = send(server, { path: '/v1/health', agent }).then(
        () => 'answered',
        () => 'connection closed',
      );
      await new Promise((r) => setTimeout(r, 50));

      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        server.close().then(() => 'closed'),
        new Promise((r) => (timer = setTimeout(() => r('still open after 2 s'), 2_000))),
      ]);
      clearTimeout(timer);
      expect(closed).toBe('closed');
      await expect(pending).resolves.toBe('connection closed');
      const tcp = createTcpServer();
      await new Promise<void>((resolvePromise, reject) => {
        tcp.once('error', reject);
        tcp.listen(server.port, '127.0.0.1', resolvePromise);
      });
      await new Promise((r) => tcp.close(r));
      await expect(server.close()).resolves.toBeUndefined();
    } finally {
      release();
      agent.destroy();
    }
  });
});

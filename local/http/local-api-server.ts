import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, validateHeaderName, validateHeaderValue } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { StrongroomError, ValidationError } from '../../lambdas/domain/errors';
import { httpStatus } from '../../lambdas/handlers/api/http/http-status';
import { redactSecrets } from '../../lambdas/handlers/api/http/redact-secrets';
import { toJson } from '../../lambdas/handlers/api/http/to-json';
import type { ApiRouteMatch } from './api-route-matcher';
import { apiRouteMatcher } from './api-route-matcher';
import type { ApiRoutes } from './api-routes';
import { ClientGone, readLimitedBody } from './read-limited-body';
import { requestTarget } from './request-target';
import { lambdaContext, toApiGatewayEvent } from './to-api-gateway-event';

export interface LocalApiServerOptions {
  /** Default 127.0.0.1: the local API has development tokens and must not face a network. */
  readonly host?: string;
  /** Default 0: any free port (read it from the result). */
  readonly port?: number;
  readonly routes: ApiRoutes;
  /** Largest accepted request body; default 64 KiB, as the handlers' own limit. */
  readonly bodyLimitBytes?: number;
  /**
   * Requests outside API v1 (the local outbox listing): asked first, before any routing or body
   * reading; returns true when it has taken the request and will answer it.
   */
  readonly extraRoutes?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Default: a Powertools Logger that redacts credentials. Request bodies, credentials and query strings are never given to it. */
  readonly logger?: Logger;
}

export interface LocalApiServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes every connection, idle or not; resolves when the port is free. */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
// Receiving a request (headers and body) is bounded like API Gateway's 30 s; the handler has its own 29 s.
const REQUEST_TIMEOUT_MS = 30_000;
const TRACE_HEADER = 'x-strongroom-trace-id';
const CLIENT_TRACE_HEADER = 'x-strongroom-client-trace-id';
const CLIENT_TRACE_ID = /^[A-Za-z0-9-]{8,64}$/;
// Framing is this server's business, not the handler's: it sets the length and the connection itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/** A handler threw or returned something that is no proxy result: a bug, answered with a generic 500. */
class HandlerFailed extends Error {
  override readonly name = 'HandlerFailed';
}

/**
 * The local runtime's HTTP API: each request becomes the API Gateway REST proxy event and Lambda context
 * the cloud would produce, and is handed to the same handler the cloud runs; its proxy result becomes the
 * response. The edge answers what API Gateway would answer before any Lambda runs: 404 for an unknown
 * resource, 405 (with `Allow`) for a method the resource does not declare (HEAD and OPTIONS included: no
 * CORS), 413 for a body over the limit, decided from Content-Length before reading or while streaming,
 * after which the connection is closed and the rest of the body is never read; 400 for a `Host` other
 * than its own loopback address and port (DNS rebinding). A handler that throws
 * gets a generic 500. Logs carry the trace id, method and resource template, never a body, a credential or
 * a query string (the approval link secret travels in one).
 */
export async function startLocalApiServer(options: LocalApiServerOptions): Promise<LocalApiServer> {
  const host = options.host ?? '127.0.0.1';
  const limitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 0)
    throw new Error(`bodyLimitBytes must be a non-negative integer, got ${limitBytes}`);
  const match = apiRouteMatcher(options.routes);
  const logger =
    options.logger ??
    new Logger({
      serviceName: 'strongroom',
      persistentKeys: { component: 'local-api' },
      jsonReplacerFn: redactSecrets,
    });

  const server = createServer({
    requestTimeout: REQUEST_TIMEOUT_MS,
    headersTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: 1_000,
  });
  // Known once listening, before any request can arrive.
  let hosts: ReadonlySet<string> = new Set();
  const serve = (expectsContinue: boolean) => (request: IncomingMessage, response: ServerResponse) => {
    void handle({
      request,
      response,
      expectsContinue,
      match,
      limitBytes,
      logger,
      hosts,
      extraRoutes: options.extraRoutes,
    });
  };
  server.on('request', serve(false));
  // Answer `Expect: 100-continue` ourselves: a body over the limit is refused before the client sends it.
  server.on('checkContinue', serve(true));

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  server.on('error', (error) => logger.error('local API server error', { error }));

  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the local API server has no TCP address');
  hosts = ownHosts(host, address.port);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolvePromise, reject) => {
        server.close((error) => (error === undefined ? resolvePromise() : reject(error)));
        // Keep-alive and in-flight connections would otherwise hold the port and the process open.
        server.closeAllConnections();
      })),
  };
}

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly expectsContinue: boolean;
  readonly match: (path: string) => ApiRouteMatch | undefined;
  readonly limitBytes: number;
  readonly logger: Logger;
  /** The Host values that name this server (lower case). */
  readonly hosts: ReadonlySet<string>;
  readonly extraRoutes: LocalApiServerOptions['extraRoutes'];
}

async function handle(exchange: Exchange): Promise<void> {
  const { request, response, limitBytes } = exchange;
  const method = (request.method ?? '').toUpperCase();
  // As the handlers do: the service names the trace; the client's value is only echoed back.
  const traceId = randomUUID();
  const clientTraceId = offeredClientTraceId(request);
  let route = '(no route)';
  let bodyRead = false;
  const answer = (error: unknown, close: boolean): void => {
    const logger = exchange.logger.createChild({
      persistentKeys: { traceId, method, route },
      jsonReplacerFn: redactSecrets,
    });
    const reply = httpStatus(error, traceId, logger);
    sendError(response, reply.status, reply.headers ?? {}, toJson(reply.body), { traceId, clientTraceId }, close);
  };

  try {
    // A page that rebinds its own domain name to 127.0.0.1 reaches this server with its own Host:
    // refused before anything (the development token route above all) sees the request.
    if (!exchange.hosts.has((request.headers.host ?? '').toLowerCase())) {
      return answer(
        new ValidationError('REQUEST.INVALID_FIELD', 'host', 'must name this server by its loopback address and port', {
          details: { allowed: [...exchange.hosts] },
        }),
        declaresBody(request),
      );
    }
    if (exchange.extraRoutes?.(request, response) === true) {
      // It may be about to read a body the client holds back until it hears 100 Continue.
      if (exchange.expectsContinue && !response.headersSent) response.writeContinue();
      return;
    }

    const target = requestTarget(request.url);
    const matched = target === undefined ? undefined : exchange.match(target.path);
    if (matched === undefined)
      return answer(new StrongroomError('ROUTE.NOT_FOUND', 'no such route'), declaresBody(request));
    route = matched.resource;

    const allow = [...matched.route.methods].sort();
    if (!(allow as string[]).includes(method)) {
      return answer(
        new StrongroomError('ROUTE.METHOD_NOT_ALLOWED', `this route accepts ${allow.join(', ')}`, {
          details: { allow },
        }),
        declaresBody(request),
      );
    }

    // Node has already refused a malformed or repeated Content-Length with a 400.
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > limitBytes) return answer(tooLarge(limitBytes), true);
    if (exchange.expectsContinue) response.writeContinue();
    const body = await readLimitedBody(request, limitBytes);
    if (body === undefined) return answer(tooLarge(limitBytes), true);
    bodyRead = true;

    const requestId = randomUUID();
    const event = toApiGatewayEvent(request, body, matched, { requestId });
    const context = lambdaContext(matched.route.functionName, { requestId });
    let result: unknown;
    try {
      result = await Promise.resolve().then(() => matched.route.handler(event, context));
    } catch (error) {
      throw new HandlerFailed(`the ${matched.route.functionName} handler threw instead of returning a response`, {
        cause: error,
      });
    }
    const reply = proxyReply(result, matched.route.functionName);
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  } catch (error) {
    if (error instanceof ClientGone) return;
    if (response.headersSent || response.destroyed) {
      exchange.logger.error('local API response failed after it started', { traceId, method, route, error });
      response.destroy();
      return;
    }
    answer(
      error instanceof HandlerFailed
        ? error
        : new HandlerFailed('the local API failed to serve the request', { cause: error }),
      !bodyRead,
    );
  }
}

interface Reply {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/**
 * The HTTP response of a handler's proxy result, as API Gateway builds it: `headers` and
 * `multiValueHeaders` merged (a pair in both once), the body base64-decoded when `isBase64Encoded`.
 * Anything that is not a valid proxy result throws (a 500, where API Gateway answers 502).
 */
function proxyReply(result: unknown, functionName: string): Reply {
  const invalid = (why: string): HandlerFailed =>
    new HandlerFailed(`the ${functionName} handler returned an invalid proxy result: ${why}`);
  if (typeof result !== 'object' || result === null) throw invalid('not an object');
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = result as Partial<
    Record<keyof APIGatewayProxyResult, unknown>
  >;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599)
    throw invalid('statusCode');
  if (body !== undefined && body !== null && typeof body !== 'string') throw invalid('body is not a string');

  const merged = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: unknown): void => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw invalid(`header ${JSON.stringify(name)}`);
    const key = name.toLowerCase();
    if (HOP_BY_HOP.has(key)) return;
    const entry = merged.get(key) ?? { name, values: [] };
    if (!entry.values.includes(String(value))) entry.values.push(String(value));
    merged.set(key, entry);
  };
  for (const [name, values] of entriesOf(multiValueHeaders, invalid)) {
    if (!Array.isArray(values)) throw invalid(`multiValueHeaders ${JSON.stringify(name)}`);
    for (const value of values as unknown[]) add(name, value);
  }
  for (const [name, value] of entriesOf(headers, invalid)) if (value !== undefined) add(name, value);

  const out: OutgoingHttpHeaders = {};
  for (const { name, values } of merged.values()) {
    try {
      validateHeaderName(name);
      for (const value of values) validateHeaderValue(name, value);
    } catch {
      throw invalid(`header ${JSON.stringify(name)} is not valid HTTP`);
    }
    Object.defineProperty(out, name, {
      value: values.length === 1 ? values[0] : values,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const hasBody = statusCode !== 204 && statusCode !== 304;
  const bytes =
    hasBody && typeof body === 'string'
      ? Buffer.from(body, isBase64Encoded === true ? 'base64' : 'utf8')
      : Buffer.alloc(0);
  if (hasBody) out['content-length'] = bytes.length;
  return { status: statusCode, headers: out, body: bytes };
}

function entriesOf(value: unknown, invalid: (why: string) => Error): [string, unknown][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('headers are not an object');
  return Object.entries(value);
}

function sendError(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
  trace: { readonly traceId: string; readonly clientTraceId: string | undefined },
  close: boolean,
): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': bytes.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    [TRACE_HEADER]: trace.traceId,
    ...(trace.clientTraceId === undefined ? {} : { [CLIENT_TRACE_HEADER]: trace.clientTraceId }),
    // Node then ends the connection after the response instead of draining the unread body.
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(bytes);
}

function tooLarge(limitBytes: number): ValidationError {
  // The same error the handlers' own body parser raises, so a client sees one 413 whichever layer refused.
  return new ValidationError('REQUEST.BODY_TOO_LARGE', 'body', `is larger than ${limitBytes} bytes`, {
    details: { limitBytes },
  });
}

function declaresBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `127.0.0.1:<port>`, `localhost:<port>`, `[::1]:<port>`, and the configured host's own name. */
function ownHosts(host: string, port: number): ReadonlySet<string> {
  const configured = host.includes(':') ? `[${host}]` : host;
  return new Set(
    ['127.0.0.1', 'localhost', '[::1]', configured].map((name) => `${name.toLowerCase()}:${String(port)}`),
  );
}

function offeredClientTraceId(request: IncomingMessage): string | undefined {
  const offered = request.headers[TRACE_HEADER];
  return typeof offered === 'string' && CLIENT_TRACE_ID.test(offered) ? offered : undefined;
}

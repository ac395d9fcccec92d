import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { MiddlewareObj, MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Principal } from '../../../domain/principal';
import type { ApiRequest } from './api-request';
import type { ApiResponse } from './api-response';
import { httpStatus } from './http-status';
import { loadAuthConfig } from './load-auth-config';
import { parseFormBody } from './parse-form-body';
import { parseJsonBody } from './parse-json-body';
import { redactSecrets } from './redact-secrets';
import { toJson } from './to-json';
import type { BearerTokenConfig } from './verify-bearer-token';
import { verifyBearerToken } from './verify-bearer-token';

export interface ApiHandlerOptions<TDeps> {
  /** The handler's name in logs (`handler` key). */
  readonly name: string;
  /**
   * `required`: every request needs a valid bearer token. `optional`: a bearer token, when sent, must be
   * valid, and the routes decide what a request without one may do (an approver's link carries its own
   * secret). `none`: no bearer token is read at all.
   */
  readonly auth: 'required' | 'optional' | 'none';
  /** Also accept `application/x-www-form-urlencoded` bodies (an HTML form's POST), parsed to an object of strings. */
  readonly forms?: boolean;
  /** Default 64 KiB. */
  readonly bodyLimitBytes?: number;
  /** The adapters and use cases, built once at module scope by the handler's module. */
  readonly deps: TDeps;
  /** Default: a Logger per handler name that redacts credentials. A given logger gets the redaction in its per-request children. */
  readonly logger?: Logger;
  /** Default: `loadAuthConfig(process.env)`, read now, i.e. at cold start, when `auth` is `required`. */
  readonly authConfig?: BearerTokenConfig;
}

export type ApiHandle<TDeps> = (request: ApiRequest, deps: TDeps) => Promise<ApiResponse>;

export type ApiLambdaHandler = MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

interface RequestState {
  readonly traceId: string;
  readonly clientTraceId?: string;
  readonly requestId: string;
  readonly logger: Logger;
  readonly startedAt: number;
  principal?: Principal;
  body?: unknown;
}

const CLIENT_TRACE_ID = /^[A-Za-z0-9-]{8,64}$/;
/** Request: the client's correlation id (optional). Response: the trace id the service generated. */
const TRACE_HEADER = 'x-strongroom-trace-id';
/** Response: the client's correlation id, echoed back when it sent a valid one. */
const CLIENT_TRACE_HEADER = 'x-strongroom-client-trace-id';
// Credentials stay at the edge: handlers never see them, so they cannot log or echo them.
const HIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

// Per-invocation state, keyed by the event object each invocation receives (nothing is put on the event).
const states = new WeakMap<APIGatewayProxyEvent, RequestState>();

/**
 * An API Gateway (REST, proxy) Lambda handler around `handle`: a trace id the service generates (a
 * client's `x-strongroom-trace-id` is kept only as `clientTraceId`), a per-request logger that never
 * sees the Authorization header or the body, bearer token authentication, JSON body parsing, JSON
 * responses with `cache-control: no-store` and the trace id, and every error mapped by `httpStatus`.
 * Call it at module scope. The auth configuration is read and checked then, at cold start: a
 * function whose issuer, audience or keys are missing or malformed fails its initialisation instead of
 * answering 500 to every request. (The local runtime loads the handler modules once it has set the
 * environment they read.)
 */
export function apiHandler<TDeps>(options: ApiHandlerOptions<TDeps>, handle: ApiHandle<TDeps>): ApiLambdaHandler {
  const logger =
    options.logger ??
    new Logger({ serviceName: 'strongroom', persistentKeys: { handler: options.name }, jsonReplacerFn: redactSecrets });
  const authConfig = options.auth === 'none' ? undefined : (options.authConfig ?? loadAuthConfig(process.env));
  const config = (): BearerTokenConfig | undefined => authConfig;
  const optional = options.auth === 'optional';

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(edge(logger))
    .use(authenticate(config, optional))
    .use(parseBody(options.bodyLimitBytes, options.forms === true))
    .handler(async (event) => {
      const state = stateOf(event);
      const request: ApiRequest = {
        ...(state.principal === undefined ? {} : { principal: state.principal }),
        method: event.httpMethod.toUpperCase(),
        path: event.resource,
        pathParameters: definedValues(event.pathParameters),
        query: definedValues(event.queryStringParameters),
        headers: visibleHeaders(event.headers),
        body: state.body,
        traceId: state.traceId,
        ...(state.clientTraceId === undefined ? {} : { clientTraceId: state.clientTraceId }),
        requestId: state.requestId,
        logger: state.logger,
      };
      return toProxyResult(await handle(request, options.deps), state);
    });
}

function edge(parent: Logger): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: ({ event, context }) => {
      // The service names every trace: a client's value would let it chain its records into another
      // transfer's audit trail. What the client sent is only a correlation field, never a key.
      const traceId = randomUUID();
      const offered = headerValue(event.headers, TRACE_HEADER);
      const clientTraceId = offered !== undefined && CLIENT_TRACE_ID.test(offered) ? offered : undefined;
      // Only the method and resource template: the raw path and query may carry a link secret.
      const logger = parent.createChild({
        persistentKeys: {
          traceId,
          ...(clientTraceId === undefined ? {} : { clientTraceId }),
          route: `${event.httpMethod} ${event.resource}`,
        },
        jsonReplacerFn: redactSecrets,
      });
      if (typeof context?.awsRequestId === 'string') logger.addContext(context);
      const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? randomUUID();
      states.set(event, {
        traceId,
        ...(clientTraceId === undefined ? {} : { clientTraceId }),
        requestId,
        logger,
        startedAt: Date.now(),
      });
    },
    after: ({ event, response }) => {
      const state = stateOf(event);
      state.logger.info('request handled', { status: response?.statusCode, durationMs: Date.now() - state.startedAt });
    },
    onError: (request) => {
      const state = states.get(request.event) ?? { traceId: randomUUID(), logger: parent, startedAt: Date.now() };
      const response = httpStatus(request.error, state.traceId, state.logger);
      request.response = toProxyResult(response, state);
      state.logger.info('request handled', { status: response.status, durationMs: Date.now() - state.startedAt });
    },
  };
}

function authenticate(
  configOf: () => BearerTokenConfig | undefined,
  optional: boolean,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    before: async ({ event }) => {
      const config = configOf();
      if (config === undefined) return;
      if (optional && headerValue(event.headers, 'authorization') === undefined) return;
      const state = stateOf(event);
      state.principal = await verifyBearerToken(headerValue(event.headers, 'authorization'), config);
      state.logger.appendPersistentKeys({ principalId: state.principal.id });
    },
  };
}

function parseBody(
  limitBytes: number | undefined,
  forms: boolean,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const options = limitBytes === undefined ? {} : { limitBytes };
  return {
    before: ({ event }) => {
      stateOf(event).body =
        forms && isForm(event.headers) ? parseFormBody(event, options) : parseJsonBody(event, options);
    },
  };
}

function isForm(headers: APIGatewayProxyEvent['headers'] | null | undefined): boolean {
  const type = headerValue(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded';
}

function toProxyResult(
  response: ApiResponse,
  trace: { readonly traceId: string; readonly clientTraceId?: string },
): APIGatewayProxyResult {
  if (!Number.isInteger(response.status) || response.status < 200 || response.status > 599) {
    throw new Error(`handler returned the invalid HTTP status ${String(response.status)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
  let body = '';
  if (response.body !== undefined && response.status !== 204 && response.status !== 304) {
    const declared = headers['content-type'];
    if (
      typeof response.body === 'string' &&
      declared !== undefined &&
      !/^application\/(?:[\w.+-]+\+)?json\b/i.test(declared)
    ) {
      body = response.body;
    } else {
      body = toJson(response.body);
      headers['content-type'] = 'application/json';
    }
  } else {
    delete headers['content-type'];
  }
  headers['cache-control'] = 'no-store';
  headers['x-content-type-options'] = 'nosniff';
  headers[TRACE_HEADER] = trace.traceId;
  if (trace.clientTraceId !== undefined) headers[CLIENT_TRACE_HEADER] = trace.clientTraceId;
  return { statusCode: response.status, headers, body, isBase64Encoded: false };
}

function stateOf(event: APIGatewayProxyEvent): RequestState {
  const state = states.get(event);
  if (state === undefined) throw new Error('the edge middleware did not run for this event');
  return state;
}

function headerValue(headers: APIGatewayProxyEvent['headers'] | null | undefined, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers ?? {}))
    if (key.toLowerCase() === name && value !== undefined) found = value;
  return found;
}

function visibleHeaders(headers: APIGatewayProxyEvent['headers'] | null | undefined): Record<string, string> {
  const visible: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const name = key.toLowerCase();
    if (value !== undefined && !HIDDEN_HEADERS.has(name)) visible[name] = value;
  }
  return visible;
}

function definedValues(values: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) if (value !== undefined) defined[key] = value;
  return defined;
}

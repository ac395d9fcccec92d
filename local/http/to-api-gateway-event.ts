import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { ApiRouteMatch } from './api-route-matcher';
import { requestTarget } from './request-target';

/** The stage name of the local API, in `requestContext.stage` and `requestContext.path`. */
export const LOCAL_STAGE = 'local';

/** API Gateway's integration timeout: what a Lambda behind it has, whatever its own timeout. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

export interface ToApiGatewayEventOptions {
  /** `requestContext.requestId`; default a random UUID. */
  readonly requestId?: string;
  /** Milliseconds since the epoch; default now. */
  readonly now?: number;
}

/**
 * The API Gateway REST proxy event that the cloud would hand the Lambda for this request: the matched
 * resource template, the raw path, headers with their names as received (single value = the last one,
 * as API Gateway does), query and path parameters URL-decoded, and the body as UTF-8 text, or base64 with
 * `isBase64Encoded` when it is not valid UTF-8. Null where API Gateway sends null (no query, no path
 * parameters, no body).
 */
export function toApiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  match: ApiRouteMatch,
  options: ToApiGatewayEventOptions = {},
): APIGatewayProxyEvent {
  const now = options.now ?? Date.now();
  const target = requestTarget(request.url) ?? { path: '/', query: '' };
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = headersOf(request.rawHeaders);
  const query = queryOf(target.query);
  const text = body.length > 0 && isUtf8(body);
  return {
    resource: match.resource,
    path: target.path,
    httpMethod: method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: Object.keys(match.pathParameters).length === 0 ? null : { ...match.pathParameters },
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: sourceIpOf(request),
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/${LOCAL_STAGE}${target.path}`,
      stage: LOCAL_STAGE,
      requestId: options.requestId ?? randomUUID(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: match.resource,
      ...(request.headers.host === undefined ? {} : { domainName: request.headers.host }),
    },
    body: body.length === 0 ? null : text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !text,
  };
}

export interface LambdaContextOptions {
  /** `awsRequestId`; default a random UUID. */
  readonly requestId?: string;
  /** Milliseconds since the epoch when the invocation starts; default now. */
  readonly now?: number;
  /** Default {@link INTEGRATION_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * A Lambda context for one local invocation of `functionName`. Its remaining time counts down from API
 * Gateway's 29 s, so middy's early-timeout signal behaves as behind the real API.
 */
export function lambdaContext(functionName: string, options: LambdaContextOptions = {}): Context {
  const deadline = (options.now ?? Date.now()) + (options.timeoutMs ?? INTEGRATION_TIMEOUT_MS);
  const name = `strongroom-local-${functionName}`;
  const unsupported = (): never => {
    throw new Error('the callback-style Lambda context methods are not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

interface Values {
  readonly single: Record<string, string>;
  readonly multi: Record<string, string[]>;
}

// Header names keep the case they arrived in; repeats that differ only in case are one header (HTTP
// names are case-insensitive) under the first spelling, so a handler that lower-cases sees one value.
function headersOf(raw: readonly string[]): Values {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const key = name.toLowerCase();
    const entry = byName.get(key) ?? { name, values: [] };
    entry.values.push(raw[i + 1] ?? '');
    byName.set(key, entry);
  }
  return valuesOf([...byName.values()].map(({ name, values }) => [name, values]));
}

function queryOf(query: string): Values | undefined {
  const byName = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    const values = byName.get(name) ?? [];
    values.push(value);
    byName.set(name, values);
  }
  return byName.size === 0 ? undefined : valuesOf([...byName.entries()]);
}

// Object.fromEntries defines own properties, so a client's `__proto__` is a name like any other.
function valuesOf(entries: readonly (readonly [string, string[]])[]): Values {
  return {
    single: Object.fromEntries(entries.map(([name, values]) => [name, values.at(-1) ?? ''])),
    multi: Object.fromEntries(entries),
  };
}

function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/**
 * The AWS Query protocol (awsQuery) as a service answers it, for the local SNS: a form-encoded POST
 * (`Action=Publish&Version=2010-03-31&…`), answered with `<PublishResponse><PublishResult>…` XML, or
 * with `<ErrorResponse><Error><Type/><Code/><Message/></Error>` and its HTTP status, from whose Code
 * the SDK raises the exception class (`NotFound` → NotFoundException).
 *
 * Checked like the service checks it: the SigV4 Authorization header is present, well formed and
 * scoped to the service (the signature itself is never verified), the content type, a known Action,
 * the API version. Left out: signature verification, IAM, throttling, GET requests.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ClientGone, readLimitedBody } from '../http/read-limited-body';
import { AwsServiceError } from './aws-service-error';
import { checkSignatureV4 } from './check-signature-v4';

/**
 * One operation: its form parameters as sent, its result as a plain value that becomes the
 * `<…Result>` element (an object's members become elements, an array's items `<member>` elements).
 */
export type AwsQueryOperation = (params: URLSearchParams) => unknown;

export interface AwsQueryService {
  /** The API version every request must carry (`2010-03-31`). */
  readonly version: string;
  /** The namespace of every response document (`http://sns.amazonaws.com/doc/2010-03-31/`). */
  readonly xmlNamespace: string;
  /** The service in the SigV4 credential scope (`sns`). */
  readonly signingName: string;
  readonly operations: Readonly<Record<string, AwsQueryOperation>>;
  /** Called for every well-formed request before its operation runs (call counting). */
  readonly onCall?: (operation: string) => void;
}

const BODY_LIMIT_BYTES = 2 * 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';

/** The request handler of one AWS Query service. */
export function awsQueryHandler(service: AwsQueryService): RequestListener {
  return (request, response) => {
    const requestId = randomUUID();
    answer(service, request).then(
      ({ action, result }) => {
        const body =
          `<${action}Response xmlns="${service.xmlNamespace}">` +
          (result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`) +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
        send(response, 200, requestId, body);
      },
      (error: unknown) => {
        if (error instanceof ClientGone) return;
        const failure =
          error instanceof AwsServiceError
            ? error
            : new AwsServiceError('InternalError', error instanceof Error ? error.message : String(error), {
                status: 500,
              });
        const body =
          `<ErrorResponse xmlns="${service.xmlNamespace}"><Error><Type>${failure.fault}</Type>` +
          `<Code>${escapeXml(failure.code)}</Code><Message>${escapeXml(failure.message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`;
        send(response, failure.status, requestId, body);
      },
    );
  };
}

async function answer(
  service: AwsQueryService,
  request: IncomingMessage,
): Promise<{ action: string; result: unknown }> {
  if (request.method !== 'POST')
    throw new AwsServiceError('InvalidAction', `${request.method ?? ''} requests are not served here`, { status: 405 });
  const unsigned = checkSignatureV4(request.headers, service.signingName, '');
  if (unsigned !== undefined) throw unsigned;
  if (request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== FORM)
    throw new AwsServiceError('MalformedQueryString', `Content-Type must be ${FORM}`);
  const body = await readLimitedBody(request, BODY_LIMIT_BYTES);
  if (body === undefined) throw new AwsServiceError('RequestEntityTooLarge', 'Request body too large', { status: 413 });
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action') ?? '';
  const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
  if (operation === undefined)
    throw new AwsServiceError('InvalidAction', `The action ${action} is not valid for this web service.`);
  if (params.get('Version') !== service.version)
    throw new AwsServiceError('NoSuchVersion', `Version must be ${service.version}`);
  service.onCall?.(action);
  return { action, result: await operation(params) };
}

function send(response: ServerResponse, status: number, requestId: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  response.end(body);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"'\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object')
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  return escapeXml(String(value));
}

/**
 * The entries of a map parameter as the SDK sends it (`Name.entry.1.key=…&Name.entry.1.value=…`):
 * each entry's fields by the rest of their name (`key`, `Value.DataType`), in entry order.
 */
export function queryEntries(params: URLSearchParams, name: string): Record<string, string>[] {
  const prefix = `${name}.entry.`;
  const entries = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const dot = rest.indexOf('.');
    const index = Number(rest.slice(0, dot));
    if (dot < 1 || !Number.isInteger(index)) continue;
    const entry = entries.get(index) ?? {};
    entry[rest.slice(dot + 1)] = value;
    entries.set(index, entry);
  }
  return [...entries.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
}

/**
 * The AWS JSON protocols (awsJson1_0, awsJson1_1) as a service answers them, for the local stand-ins:
 * a POST with `Content-Type: application/x-amz-json-1.x`, `X-Amz-Target: <Service>.<Operation>` and a
 * JSON object body; the answer is a JSON object, or an error `{"__type": "<Code>", "message": "…"}`
 * with its HTTP status (and `x-amzn-query-error` for a service the SDK calls query-compatible, SQS),
 * from which the SDK raises the exception class of that name.
 *
 * Checked like the service checks it: the SigV4 Authorization header is present, well formed and
 * scoped to the service (the signature itself is never verified), the content type, the target, a
 * JSON object body. Left out: signature verification, IAM, throttling, the CBOR and REST protocols.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ClientGone, readLimitedBody } from '../http/read-limited-body';
import { AwsServiceError } from './aws-service-error';
import { checkSignatureV4 } from './check-signature-v4';

export type AwsJsonInput = Readonly<Record<string, unknown>>;

/** One operation: its input as the SDK sent it, its output as the service answers it (undefined: `{}`). */
export type AwsJsonOperation = (input: AwsJsonInput) => unknown;

export interface AwsJsonService {
  /** The `X-Amz-Target` prefix: `TrentService`, `AWSStepFunctions`, `AmazonSQS`, `secretsmanager`. */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
  /** The service in the SigV4 credential scope: `kms`, `states`, `sqs`, `secretsmanager`. */
  readonly signingName: string;
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
  /** SQS: the SDK reads the error code from `x-amzn-query-error`. */
  readonly queryCompatible?: boolean;
  /** Prefix of `__type`, as some services send it (`com.amazonaws.sqs`); default none. */
  readonly errorNamespace?: string;
  /** Called for every well-formed request before its operation runs (call counting). */
  readonly onCall?: (operation: string, input: AwsJsonInput) => void;
}

/** Larger than any request the stand-ins' services accept (a 256 KiB message or input, base64-encoded blobs). */
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** The request handler of one AWS JSON service. */
export function awsJsonHandler(service: AwsJsonService): RequestListener {
  const contentType = `application/x-amz-json-${service.jsonVersion}`;
  return (request, response) => {
    const requestId = randomUUID();
    answer(service, contentType, request).then(
      (output) => send(response, 200, contentType, requestId, output ?? {}),
      (error: unknown) => {
        if (error instanceof ClientGone) return;
        const failure =
          error instanceof AwsServiceError
            ? error
            : new AwsServiceError('InternalFailure', error instanceof Error ? error.message : String(error), {
                status: 500,
              });
        sendError(response, service, contentType, requestId, failure);
      },
    );
  };
}

async function answer(service: AwsJsonService, contentType: string, request: IncomingMessage): Promise<unknown> {
  if (request.method !== 'POST')
    throw new AwsServiceError('UnknownOperationException', `${request.method ?? ''} is not an AWS JSON request`, {
      status: 405,
    });
  const unsigned = checkSignatureV4(request.headers, service.signingName, 'Exception');
  if (unsigned !== undefined) throw unsigned;
  const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== contentType)
    throw new AwsServiceError('SerializationException', `Content-Type must be ${contentType}`);
  const target = request.headers['x-amz-target'];
  const prefix = `${service.targetPrefix}.`;
  const operationName = typeof target === 'string' && target.startsWith(prefix) ? target.slice(prefix.length) : '';
  const operation = Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
  if (operation === undefined) {
    throw new AwsServiceError(
      'UnknownOperationException',
      operationName === ''
        ? `X-Amz-Target must be ${service.targetPrefix}.<Operation>`
        : `${operationName} is not an operation of this stand-in`,
    );
  }
  const body = await readLimitedBody(request, BODY_LIMIT_BYTES);
  if (body === undefined)
    throw new AwsServiceError('RequestEntityTooLargeException', 'Request body too large', { status: 413 });
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsServiceError('SerializationException', 'The request body is not JSON');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AwsServiceError('SerializationException', 'The request body is not a JSON object');
  service.onCall?.(operationName, input as AwsJsonInput);
  return await operation(input as AwsJsonInput);
}

function send(response: ServerResponse, status: number, contentType: string, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  response.end(text);
}

function sendError(
  response: ServerResponse,
  service: AwsJsonService,
  contentType: string,
  requestId: string,
  error: AwsServiceError,
): void {
  const type = service.errorNamespace === undefined ? error.code : `${service.errorNamespace}#${error.code}`;
  if (service.queryCompatible === true) response.setHeader('x-amzn-query-error', `${error.queryCode};${error.fault}`);
  response.setHeader('x-amzn-ErrorType', error.code);
  send(response, error.status, contentType, requestId, { __type: type, message: error.message });
}

/**
 * Lambda's Invoke as the service answers it, for the deployment rehearsal (REST-JSON, API version
 * 2015-03-31): `POST /2015-03-31/functions/{FunctionName}/invocations`, the event as the raw body, the
 * function's answer as the raw body with status 200; a function that threw answers 200 too, with
 * `X-Amz-Function-Error: Unhandled` and `{"errorType", "errorMessage"}`, from which the SDK's caller
 * reads `FunctionError`. Errors of the service itself carry `x-amzn-ErrorType` and `{"message"}`.
 *
 * Checked like the service checks it: SigV4 scoped to `lambda` (the signature itself is never
 * verified), the path, the invocation type, a body within Lambda's 6 MB. Served: RequestResponse
 * (the default) and DryRun. Left out: Event (asynchronous) invocations, qualifiers other than
 * $LATEST, log tails, IAM and resource policies, throttling. Written by hand because no maintained
 * package stands in for Lambda's Invoke in process (LocalStack and SAM run containers).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ClientGone, readLimitedBody } from '../http/read-limited-body';
import { AwsServiceError } from './aws-service-error';
import { checkSignatureV4 } from './check-signature-v4';
import { listenOnLoopback, type LoopbackServer } from './loopback-server';

/** Runs one invocation of a function; a rejection is the function's error, its `name` the errorType. */
export type LambdaFunctionRunner = (event: unknown) => Promise<unknown>;

/** The function a name or ARN (unqualified, or qualified `$LATEST`) names, or undefined when none does. */
export type LambdaFunctionRoute = (nameOrArn: string) => LambdaFunctionRunner | undefined;

/** Lambda's limit on a synchronous invocation's request and response payloads. */
const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The request handler of the Lambda stand-in over `route`. */
export function lambdaStandInHandler(route: LambdaFunctionRoute): RequestListener {
  return (request, response) => {
    const requestId = randomUUID();
    answer(route, request).then(
      (outcome) => {
        if (outcome.kind === 'dry-run') return send(response, 204, requestId, undefined);
        send(response, 200, requestId, outcome.body, {
          'X-Amz-Executed-Version': '$LATEST',
          ...(outcome.kind === 'function-error' ? { 'X-Amz-Function-Error': 'Unhandled' } : {}),
        });
      },
      (error: unknown) => {
        if (error instanceof ClientGone) return;
        const failure =
          error instanceof AwsServiceError
            ? error
            : new AwsServiceError('ServiceException', error instanceof Error ? error.message : String(error), {
                status: 500,
              });
        send(
          response,
          failure.status,
          requestId,
          JSON.stringify({ Type: failure.fault === 'Sender' ? 'User' : 'Service', message: failure.message }),
          {
            'x-amzn-ErrorType': failure.code,
          },
        );
      },
    );
  };
}

/** The stand-in on a free port of 127.0.0.1: point `AWS_ENDPOINT_URL_LAMBDA` (or a client's `endpoint`) at its URL. */
export function startLambdaStandIn(route: LambdaFunctionRoute): Promise<LoopbackServer> {
  return listenOnLoopback(lambdaStandInHandler(route));
}

type Outcome =
  | { readonly kind: 'result'; readonly body: string }
  | { readonly kind: 'function-error'; readonly body: string }
  | { readonly kind: 'dry-run' };

async function answer(route: LambdaFunctionRoute, request: IncomingMessage): Promise<Outcome> {
  const unsigned = checkSignatureV4(request.headers, 'lambda', 'Exception');
  if (unsigned !== undefined) throw unsigned;
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const match = INVOKE_PATH.exec(url.pathname);
  if (request.method !== 'POST' || match === null)
    throw new AwsServiceError('UnknownOperationException', `${request.method ?? ''} ${url.pathname} is not Invoke`, {
      status: 404,
    });
  const name = decodeURIComponent(match[1] as string);
  const qualifier = url.searchParams.get('Qualifier');
  if (qualifier !== null && qualifier !== '$LATEST')
    throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${name}:${qualifier}`, {
      status: 404,
    });
  const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (invocationType !== 'RequestResponse' && invocationType !== 'DryRun')
    throw new AwsServiceError(
      'InvalidParameterValueException',
      `InvocationType ${String(invocationType)} is not served by this stand-in (RequestResponse, DryRun)`,
    );
  const run = route(name.replace(/:\$LATEST$/, ''));
  if (run === undefined)
    throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${name}`, { status: 404 });
  const body = await readLimitedBody(request, PAYLOAD_LIMIT_BYTES);
  if (body === undefined)
    throw new AwsServiceError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes', {
      status: 413,
    });
  let event: unknown;
  try {
    event = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as unknown);
  } catch {
    throw new AwsServiceError('InvalidRequestContentException', 'Could not parse request body into json');
  }
  if (invocationType === 'DryRun') return { kind: 'dry-run' };
  try {
    const result = await run(event);
    return { kind: 'result', body: JSON.stringify(result === undefined ? null : result) };
  } catch (error) {
    const thrown = error instanceof Error ? error : new Error(String(error));
    return { kind: 'function-error', body: JSON.stringify({ errorType: thrown.name, errorMessage: thrown.message }) };
  }
}

function send(
  response: ServerResponse,
  status: number,
  requestId: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': body === undefined ? 0 : Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  response.end(body);
}

import { ResponseType } from 'aws-cdk-lib/aws-apigateway';

/**
 * The responses API Gateway gives itself (before any function runs), in the API's error shape
 * (ARCHITECTURE.md §7): `{"error":{"code","message","details","traceId"}}`, never cached. The codes are
 * the error catalogue's (lambdas/domain/errors.ts) where one fits; the message is API Gateway's own
 * (`$context.error.messageString`, already a JSON string), which never carries the request.
 */
export interface GatewayErrorResponse {
  readonly type: ResponseType;
  /** The status to answer with; API Gateway's own when absent. */
  readonly statusCode?: string;
  readonly code: string;
  /** A fixed message instead of API Gateway's. */
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The generic 4xx code. Not yet in the error catalogue: the only gateway response whose code is not,
 * and what remains under DEFAULT_4XX is rare here (no API keys, IAM auth or request validators).
 */
export const GATEWAY_REFUSED_CODE = 'REQUEST.REFUSED';

export const GATEWAY_ERROR_RESPONSES: readonly GatewayErrorResponse[] = [
  { type: ResponseType.DEFAULT_4XX, code: GATEWAY_REFUSED_CODE },
  {
    type: ResponseType.DEFAULT_5XX,
    code: 'INTERNAL.ERROR',
    message: 'an unexpected error occurred; quote the trace id to the operator',
  },
  { type: ResponseType.THROTTLED, statusCode: '429', code: 'RATE.LIMITED' },
  { type: ResponseType.QUOTA_EXCEEDED, statusCode: '429', code: 'RATE.LIMITED' },
  { type: ResponseType.ACCESS_DENIED, statusCode: '403', code: 'AUTH.FORBIDDEN' },
  // REST APIs answer an unknown resource or method with 403 "Missing Authentication Token": it is a 404 here.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    code: 'ROUTE.NOT_FOUND',
    message: 'no such route',
  },
  {
    type: ResponseType.UNAUTHORIZED,
    statusCode: '401',
    code: 'AUTH.INVALID_TOKEN',
    headers: { 'www-authenticate': 'Bearer realm="strongroom", error="invalid_token"' },
  },
  { type: ResponseType.REQUEST_TOO_LARGE, statusCode: '413', code: 'REQUEST.BODY_TOO_LARGE' },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, statusCode: '415', code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' },
];

/** The body template of a gateway response (a mapping template: `$context` variables are substituted). */
export function gatewayErrorBody(response: GatewayErrorResponse): string {
  const message = response.message === undefined ? '$context.error.messageString' : JSON.stringify(response.message);
  return `{"error":{"code":${JSON.stringify(response.code)},"message":${message},"details":{},"traceId":"$context.requestId"}}`;
}

import type { IncomingHttpHeaders } from 'node:http';
import { AwsServiceError } from './aws-service-error';

// AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=<hex>
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[a-z0-9-]+\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

/**
 * Checks that a request is signed the way the SDK signs it (SigV4 in the Authorization header, a
 * date, the credential scoped to `signingName`), without verifying the signature: any key and any
 * signature pass. A request scoped to another service was sent to the wrong endpoint, and AWS
 * refuses it the same way. Returns the error AWS answers, or undefined.
 *
 * @param errorSuffix `Exception` for the JSON services (`MissingAuthenticationTokenException`),
 *   empty for the Query ones (`MissingAuthenticationToken`)
 */
export function checkSignatureV4(
  headers: IncomingHttpHeaders,
  signingName: string,
  errorSuffix: '' | 'Exception',
): AwsServiceError | undefined {
  const authorization = headers.authorization;
  if (authorization === undefined)
    return new AwsServiceError(`MissingAuthenticationToken${errorSuffix}`, 'Missing Authentication Token', {
      status: 403,
    });
  const match = AUTHORIZATION.exec(authorization);
  if (match === null || (headers['x-amz-date'] === undefined && headers.date === undefined)) {
    return new AwsServiceError(
      `IncompleteSignature${errorSuffix}`,
      'Authorization header requires Credential, SignedHeaders and Signature, and a X-Amz-Date or Date header.',
      { status: 403 },
    );
  }
  if (match[1] !== signingName) {
    return new AwsServiceError(
      `InvalidSignature${errorSuffix}`,
      `Credential should be scoped to correct service: '${signingName}'.`,
      { status: 403 },
    );
  }
  return undefined;
}

import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing of the AWS SDK calls a function makes (DynamoDB, KMS, Step Functions, SNS, Secrets
 * Manager), through Powertools Tracer. It is active only inside Lambda with active tracing (the CDK
 * stack turns it on); anywhere else (the local runtime, tests, the rehearsal) Powertools leaves the
 * clients untouched. Request and response payloads are never captured: they can hold task tokens.
 */
let tracer: Tracer | undefined;

export function traced<C>(client: C): C {
  if (process.env.AWS_EXECUTION_ENV === undefined) return client; // not in Lambda: nothing to trace to
  tracer ??= new Tracer({
    serviceName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'strongroom',
    captureHTTPsRequests: false,
  });
  return tracer.captureAWSv3Client(client);
}

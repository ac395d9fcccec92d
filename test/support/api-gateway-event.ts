import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** An API Gateway REST proxy event as the handlers receive it, with the fields a test cares about. */
export function apiGatewayEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/v1/wallets',
    path: '/v1/wallets',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { requestId: 'api-request-1' } as APIGatewayProxyEvent['requestContext'],
    body: null,
    isBase64Encoded: false,
    ...overrides,
  };
}

/** A Lambda context without getRemainingTimeInMillis, so middy sets no early timeout. */
export function lambdaContext(): Context {
  return {
    awsRequestId: 'aws-request-1',
    functionName: 'strongroom-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:strongroom-test',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/strongroom-test',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: false,
  } as Context;
}

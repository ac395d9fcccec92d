import type { APIGatewayProxyResult } from 'aws-lambda';
import { resetDependencies } from '../../../../lambdas/composition/dependencies';
import { handler } from '../../../../lambdas/handlers/api/health';
import { apiGatewayEvent, lambdaContext } from '../../../support/api-gateway-event';

describe('GET /v1/health', () => {
  let output: string[];
  beforeEach(() => {
    output = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => output.push(String(chunk)) > 0);
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => output.push(String(chunk)) > 0);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    resetDependencies();
  });

  it('answers 503 without a token when the service cannot be configured; the reason is logged, never returned', async () => {
    // No STRONGROOM_* variables here: building the dependencies fails.
    const result = (await handler(
      apiGatewayEvent({ httpMethod: 'GET', resource: '/v1/health', path: '/v1/health' }),
      lambdaContext(),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toEqual({ status: 'fail', checks: { dynamodb: 'fail', chains: {} } });
    expect(result.body).not.toMatch(/STRONGROOM|configuration/);
    expect(output.join('')).toContain('configuration: STRONGROOM_TABLES is not set');
  });

  it('takes GET only', async () => {
    const result = (await handler(
      apiGatewayEvent({ httpMethod: 'POST', resource: '/v1/health', path: '/v1/health' }),
      lambdaContext(),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(405);
  });
});

import type { APIGatewayProxyResult } from 'aws-lambda';
import { healthFunction } from '../../../../lambdas/handlers/api/health';
import type { ChainGateway } from '../../../../lambdas/ports/chain';
import type { ChainRegistry } from '../../../../lambdas/ports/chain-registry';
import type { WalletStore } from '../../../../lambdas/ports/wallet-store';
import { apiGatewayEvent, lambdaContext } from '../../../support/api-gateway-event';

/** Ports whose DynamoDB read fails or not, and one chain whose head answers or not. */
function ports(options: { dynamodb: boolean; chain: boolean }) {
  const wallets = {
    get: async () => {
      if (!options.dynamodb) throw new Error('connect ECONNREFUSED 127.0.0.1:8000 (table strongroom-events)');
      return undefined;
    },
  } as unknown as WalletStore;
  const chain = {
    config: { chainId: 31337, name: 'anvil' },
    headBlockNumber: async () => {
      if (!options.chain) throw new Error('rpc https://secret-key@rpc.example down');
      return 7n;
    },
  } as unknown as ChainGateway;
  const chains = { all: () => [chain], get: () => chain } as unknown as ChainRegistry;
  return { wallets, chains };
}

const get = (handler: ReturnType<typeof healthFunction.create>) =>
  handler(
    apiGatewayEvent({ httpMethod: 'GET', resource: '/v1/health', path: '/v1/health' }),
    lambdaContext(),
  ) as Promise<APIGatewayProxyResult>;

describe('GET /v1/health', () => {
  beforeEach(() => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers 200 without a token when DynamoDB and every chain answer', async () => {
    const result = await get(healthFunction.create(ports({ dynamodb: true, chain: true })));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok' });
  });

  it('answers 503 when a dependency fails: ok or fail per dependency, never the reason', async () => {
    const result = await get(healthFunction.create(ports({ dynamodb: false, chain: false })));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'fail', checks: { dynamodb: 'fail' } });
    expect(result.body).not.toMatch(/ECONNREFUSED|secret-key|strongroom-events/);
  });

  it('takes GET only', async () => {
    const handler = healthFunction.create(ports({ dynamodb: true, chain: true }));
    const result = (await handler(
      apiGatewayEvent({ httpMethod: 'POST', resource: '/v1/health', path: '/v1/health' }),
      lambdaContext(),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(405);
  });
});

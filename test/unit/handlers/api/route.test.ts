import type { Logger } from '@aws-lambda-powertools/logger';
import type { ApiRequest } from '../../../../lambdas/handlers/api/http/api-request';
import { routes } from '../../../../lambdas/handlers/api/http/route';

const request = (method: string, path: string): ApiRequest => ({
  method,
  path,
  pathParameters: {},
  query: {},
  headers: {},
  body: undefined,
  traceId: 'trace-1234',
  requestId: 'r1',
  logger: {} as Logger,
});

describe('routes', () => {
  const router = routes<{ tag: string }>({
    'GET /v1/wallets': async (_r, deps) => ({ status: 200, body: { route: 'list', tag: deps.tag } }),
    'POST /v1/wallets': async () => ({ status: 201, body: { route: 'create' } }),
    'GET /v1/wallets/{id}': async (r) => ({ status: 200, body: { route: 'get', path: r.path } }),
    'PUT /v1/wallets/{id}/policy': async () => ({ status: 200, body: { route: 'policy' } }),
  });

  it('dispatches on method and resource template, passing the deps', async () => {
    await expect(router(request('GET', '/v1/wallets'), { tag: 'd' })).resolves.toEqual({
      status: 200,
      body: { route: 'list', tag: 'd' },
    });
    await expect(router(request('POST', '/v1/wallets'), { tag: 'd' })).resolves.toMatchObject({
      status: 201,
      body: { route: 'create' },
    });
    await expect(router(request('GET', '/v1/wallets/{id}'), { tag: 'd' })).resolves.toMatchObject({
      body: { route: 'get', path: '/v1/wallets/{id}' },
    });
  });

  it('answers ROUTE.NOT_FOUND for an unknown resource', async () => {
    await expect(router(request('GET', '/v1/nope'), { tag: 'd' })).rejects.toMatchObject({
      code: 'ROUTE.NOT_FOUND',
      kind: 'not_found',
    });
    // A concrete path is not a template: API Gateway always gives the template.
    await expect(router(request('GET', '/v1/wallets/w1'), { tag: 'd' })).rejects.toMatchObject({
      code: 'ROUTE.NOT_FOUND',
    });
  });

  it('answers ROUTE.METHOD_NOT_ALLOWED with the allowed methods for a known resource', async () => {
    await expect(router(request('DELETE', '/v1/wallets'), { tag: 'd' })).rejects.toMatchObject({
      code: 'ROUTE.METHOD_NOT_ALLOWED',
      details: { allow: ['GET', 'POST'] },
    });
    await expect(router(request('GET', '/v1/wallets/{id}/policy'), { tag: 'd' })).rejects.toMatchObject({
      details: { allow: ['PUT'] },
    });
  });

  it('refuses a malformed route key when the table is built', () => {
    expect(() => routes({ 'FETCH /v1/x': async () => ({ status: 200 }) })).toThrow(/METHOD/);
    expect(() => routes({ 'GET v1/x': async () => ({ status: 200 }) })).toThrow(/METHOD/);
  });
});

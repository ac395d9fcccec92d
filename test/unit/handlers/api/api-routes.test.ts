import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  API_FUNCTIONS,
  API_ROUTES,
  functionRoutes,
  parseRouteKey,
  type ApiRouteKey,
} from '../../../../lambdas/handlers/api/api-routes';
import { apiRoutes, type ApiHandlers } from '../../../../local/http/api-routes';

const ok = async () => ({ status: 200, body: {} });

describe('the API route table', () => {
  it('names a handler module for every function, and every function serves at least one route', () => {
    for (const fn of API_FUNCTIONS) {
      expect(existsSync(join(__dirname, '../../../../lambdas/handlers/api', `${fn}.ts`))).toBe(true);
      expect(Object.values(API_ROUTES)).toContain(fn);
    }
  });

  it('is what the local server serves: every route, by the function the table names, and nothing else', () => {
    const handlers = Object.fromEntries(
      ['wallets', 'approvalGroups', 'transactions', 'approvals', 'audit', 'health', 'reconciliation'].map((name) => [
        name,
        jest.fn(),
      ]),
    ) as unknown as ApiHandlers;
    const served = apiRoutes(handlers);
    const keys = Object.entries(served).flatMap(([resource, route]) =>
      route.methods.map((method) => [`${method} ${resource}`, route.functionName]),
    );
    expect(Object.fromEntries(keys)).toEqual(API_ROUTES);
    for (const key of Object.keys(API_ROUTES) as ApiRouteKey[]) {
      const { method, resource } = parseRouteKey(key);
      expect(served[resource]?.methods).toContain(method);
    }
  });

  it('makes a handler implement exactly the routes the table gives its function (checked by the compiler)', () => {
    const audit = functionRoutes<object, 'audit'>('audit', { 'GET /v1/audit/{traceId}': ok });
    expect(typeof audit).toBe('function');
    // @ts-expect-error a route of the function is missing
    functionRoutes<object, 'approvals'>('approvals', { 'GET /v1/approvals/{id}': ok });
    functionRoutes<object, 'audit'>('audit', {
      'GET /v1/audit/{traceId}': ok,
      // @ts-expect-error a route of another function
      'GET /v1/health': ok,
    });
  });
});

import { StrongroomError } from '../../../domain/errors';
import type { ApiRequest } from './api-request';
import type { ApiResponse } from './api-response';

/** A handler of one route: the parsed request and the handler's dependencies built at cold start. */
export type RouteHandler<TDeps> = (request: ApiRequest, deps: TDeps) => Promise<ApiResponse>;

const ROUTE_KEY = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\/\S*)$/;

/**
 * One handler for a Lambda that serves several routes, keyed `'<METHOD> <resource template>'` as API
 * Gateway names them (`'GET /v1/wallets/{id}'`). Dispatches on the request's resource and method: an
 * unknown resource is ROUTE.NOT_FOUND (404); a known one with another method is ROUTE.METHOD_NOT_ALLOWED
 * (405, with the methods it takes in `details.allow`, sent as the `allow` header).
 */
export function routes<TDeps>(table: Readonly<Record<string, RouteHandler<TDeps>>>): RouteHandler<TDeps> {
  const byResource = new Map<string, Map<string, RouteHandler<TDeps>>>();
  for (const [key, handle] of Object.entries(table)) {
    const match = ROUTE_KEY.exec(key);
    if (match === null) throw new Error(`route key "${key}" is not "<METHOD> /resource"`);
    const [, method = '', resource = ''] = match;
    const methods = byResource.get(resource) ?? new Map<string, RouteHandler<TDeps>>();
    methods.set(method, handle);
    byResource.set(resource, methods);
  }

  return async (request, deps) => {
    const methods = byResource.get(request.path);
    if (methods === undefined) throw new StrongroomError('ROUTE.NOT_FOUND', 'no such route');
    const handle = methods.get(request.method);
    if (handle === undefined) {
      const allow = [...methods.keys()].sort();
      throw new StrongroomError('ROUTE.METHOD_NOT_ALLOWED', `this route accepts ${allow.join(', ')}`, {
        details: { allow },
      });
    }
    return handle(request, deps);
  };
}

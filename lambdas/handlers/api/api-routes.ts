import { routes, type RouteHandler } from './http/route';

/** The Lambda functions of API v1: one module each in `lambdas/handlers/api/`, named as the module. */
export const API_FUNCTIONS = [
  'wallets',
  'approval-groups',
  'transactions',
  'approvals',
  'audit',
  'health',
  'reconciliation',
  'governance',
] as const;

export type ApiFunctionName = (typeof API_FUNCTIONS)[number];

/**
 * API v1 (ARCHITECTURE.md §7): every route, keyed `'<METHOD> <resource template>'` as API Gateway names
 * it, and the function that serves it. The one route table: each handler module implements exactly its
 * routes (checked by the compiler through {@link functionRoutes}), the local server serves these, and
 * the cloud's API Gateway is built from them.
 */
export const API_ROUTES = {
  'GET /v1/wallets': 'wallets',
  'POST /v1/wallets': 'wallets',
  'GET /v1/wallets/{id}': 'wallets',
  'PUT /v1/wallets/{id}/policy': 'wallets',
  'POST /v1/wallets/{id}/freeze': 'wallets',
  'POST /v1/wallets/{id}/unfreeze': 'wallets',
  'POST /v1/wallets/{id}/rotate-key': 'wallets',
  'POST /v1/wallets/{id}/revoke-key': 'wallets',
  'POST /v1/approval-groups': 'approval-groups',
  'GET /v1/approval-groups/{id}': 'approval-groups',
  'PUT /v1/approval-groups/{id}/members': 'approval-groups',
  'GET /v1/transactions': 'transactions',
  'POST /v1/transactions': 'transactions',
  'GET /v1/transactions/{id}': 'transactions',
  'POST /v1/transactions/{id}/cancel': 'transactions',
  'GET /v1/approvals/{id}': 'approvals',
  'POST /v1/approvals/{id}': 'approvals',
  'POST /v1/passkeys/enrollments': 'approval-groups',
  'GET /v1/passkeys/enroll/{id}': 'approvals',
  'POST /v1/passkeys/enroll/{id}': 'approvals',
  'GET /v1/audit/{traceId}': 'audit',
  'GET /v1/health': 'health',
  'GET /v1/reconciliation/exceptions': 'reconciliation',
  'POST /v1/reconciliation/exceptions/{id}/resolve': 'reconciliation',
  'GET /v1/governance': 'governance',
  'PUT /v1/governance': 'governance',
  'POST /v1/governance/bootstrap': 'governance',
  'GET /v1/governance/changes': 'governance',
  'GET /v1/governance/changes/{id}': 'governance',
  'POST /v1/governance/changes/{id}': 'governance',
  // A governance member's link: the page and its decision (no bearer token), served with the approval links.
  'GET /v1/governance/changes/{id}/decide': 'approvals',
  'POST /v1/governance/changes/{id}/decide': 'approvals',
} as const satisfies Readonly<Record<string, ApiFunctionName>>;

export type ApiRouteKey = keyof typeof API_ROUTES;

/** The route keys the table gives function `F`. */
export type RouteKeysOf<F extends ApiFunctionName> = {
  [K in ApiRouteKey]: (typeof API_ROUTES)[K] extends F ? K : never;
}[ApiRouteKey];

/** The routes of one function: exactly those the table gives it, no more and no fewer. */
export function functionRoutes<TDeps, F extends ApiFunctionName>(
  _fn: F,
  table: Readonly<Record<RouteKeysOf<F>, RouteHandler<TDeps>>>,
): RouteHandler<TDeps> {
  return routes<TDeps>(table);
}

/** A route key's parts. */
export function parseRouteKey(key: ApiRouteKey): { readonly method: string; readonly resource: string } {
  const space = key.indexOf(' ');
  return { method: key.slice(0, space), resource: key.slice(space + 1) };
}

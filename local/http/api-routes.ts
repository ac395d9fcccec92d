import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
// The real handler modules, loaded with this file; they read their configuration at their first request.
import { handler as approvalGroups } from '../../lambdas/handlers/api/approval-groups';
import { handler as approvals } from '../../lambdas/handlers/api/approvals';
import { handler as audit } from '../../lambdas/handlers/api/audit';
import { handler as health } from '../../lambdas/handlers/api/health';
import { handler as reconciliation } from '../../lambdas/handlers/api/reconciliation';
import { handler as transactions } from '../../lambdas/handlers/api/transactions';
import { handler as wallets } from '../../lambdas/handlers/api/wallets';

/** A Lambda handler behind an API Gateway REST proxy integration, as the local server calls it. */
export type ApiProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The methods API v1 declares; HEAD and OPTIONS are not among them (no CORS locally, as none in the cloud). */
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One API Gateway resource: the methods it declares and the Lambda function that serves all of them. */
export interface ApiRoute {
  /** The Lambda function's short name (`wallets`): the local Context's function name and the logs. */
  readonly functionName: string;
  readonly methods: readonly ApiMethod[];
  readonly handler: ApiProxyHandler;
}

/** Resource template (`/v1/wallets/{id}`, as API Gateway names it) → the route. */
export type ApiRoutes = Readonly<Record<string, ApiRoute>>;

/** The Lambda functions of API v1, one per module in `lambdas/handlers/api/`. */
export interface ApiHandlers {
  readonly wallets: ApiProxyHandler;
  readonly approvalGroups: ApiProxyHandler;
  readonly transactions: ApiProxyHandler;
  readonly approvals: ApiProxyHandler;
  readonly audit: ApiProxyHandler;
  readonly health: ApiProxyHandler;
  readonly reconciliation: ApiProxyHandler;
}

// The module names in lambdas/handlers/api/.
const FUNCTION_NAMES: Readonly<Record<keyof ApiHandlers, string>> = {
  wallets: 'wallets',
  approvalGroups: 'approval-groups',
  transactions: 'transactions',
  approvals: 'approvals',
  audit: 'audit',
  health: 'health',
  reconciliation: 'reconciliation',
};

/**
 * The resources and methods of API v1 (ARCHITECTURE §7) and the function that serves each, as the
 * cloud's API Gateway declares them. Handlers are values so that tests can pass fakes; the real
 * modules are wired by {@link defaultApiRoutes}.
 */
export function apiRoutes(handlers: ApiHandlers): ApiRoutes {
  const route = (fn: keyof ApiHandlers, methods: readonly ApiMethod[]): ApiRoute => ({
    functionName: FUNCTION_NAMES[fn],
    methods,
    handler: handlers[fn],
  });
  return {
    '/v1/wallets': route('wallets', ['GET', 'POST']),
    '/v1/wallets/{id}': route('wallets', ['GET']),
    '/v1/wallets/{id}/policy': route('wallets', ['PUT']),
    '/v1/wallets/{id}/freeze': route('wallets', ['POST']),
    '/v1/wallets/{id}/unfreeze': route('wallets', ['POST']),
    '/v1/approval-groups': route('approvalGroups', ['POST']),
    '/v1/approval-groups/{id}': route('approvalGroups', ['GET']),
    '/v1/transactions': route('transactions', ['GET', 'POST']),
    '/v1/transactions/{id}': route('transactions', ['GET']),
    '/v1/transactions/{id}/cancel': route('transactions', ['POST']),
    '/v1/approvals/{id}': route('approvals', ['GET', 'POST']),
    '/v1/audit/{traceId}': route('audit', ['GET']),
    '/v1/health': route('health', ['GET']),
    '/v1/reconciliation/exceptions': route('reconciliation', ['GET']),
    '/v1/reconciliation/exceptions/{id}/resolve': route('reconciliation', ['POST']),
  };
}

/** API v1 served by the real Lambda handler modules, the ones the cloud deploys. */
export function defaultApiRoutes(): ApiRoutes {
  return apiRoutes({ wallets, approvalGroups, transactions, approvals, audit, health, reconciliation });
}

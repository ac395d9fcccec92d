import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  API_ROUTES,
  parseRouteKey,
  type ApiFunctionName,
  type ApiRouteKey,
} from '../../lambdas/handlers/api/api-routes';

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
  readonly governance: ApiProxyHandler;
}

/** The function of each handler, as `lambdas/handlers/api/api-routes.ts` names it. */
const FUNCTION_OF: Readonly<Record<ApiFunctionName, keyof ApiHandlers>> = {
  wallets: 'wallets',
  'approval-groups': 'approvalGroups',
  transactions: 'transactions',
  approvals: 'approvals',
  audit: 'audit',
  health: 'health',
  reconciliation: 'reconciliation',
  governance: 'governance',
};

/**
 * The resources and methods of API v1 and the function that serves each, from the one route table
 * (`API_ROUTES`) the handlers implement and the cloud's API Gateway declares. Handlers are values so
 * that tests can pass fakes; the local runtime passes the API functions it built (`LocalStack.routes`).
 */
export function apiRoutes(handlers: ApiHandlers): ApiRoutes {
  const table: Record<string, { functionName: string; methods: ApiMethod[]; handler: ApiProxyHandler }> = {};
  for (const [key, functionName] of Object.entries(API_ROUTES) as [ApiRouteKey, ApiFunctionName][]) {
    const { method, resource } = parseRouteKey(key);
    const route = (table[resource] ??= { functionName, methods: [], handler: handlers[FUNCTION_OF[functionName]] });
    if (route.functionName !== functionName)
      throw new Error(`${resource} is served by ${route.functionName} and ${functionName}: one function per resource`);
    route.methods.push(method as ApiMethod);
  }
  return table;
}

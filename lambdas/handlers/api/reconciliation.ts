import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { requireListingInScope, requireUnscoped, type Principal } from '../../domain/principal';
import { listExceptions } from '../../use-cases/reconciliation/list-exceptions';
import { resolveException } from '../../use-cases/reconciliation/resolve-exception';
import { apiHandler } from './http/api-handler';
import { pageOf, pathId, queryOf } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.reconciliation>, 'reconciliation'>('reconciliation', {
  'GET /v1/reconciliation/exceptions': async (r, deps) => {
    const principal = requireRole(r.principal, 'auditor', 'admin');
    const query = queryOf(r, ['walletId', 'status', 'limit', 'nextToken']);
    requireListingInScope(principal, query.walletId);
    return {
      status: 200,
      body: await listExceptions(deps, { walletId: query.walletId, status: query.status, page: pageOf(query) }),
    };
  },
  'POST /v1/reconciliation/exceptions/{id}/resolve': async (r, deps) => ({
    status: 200,
    body: await resolveException(deps, {
      principal: unscoped(requireRole(r.principal, 'admin')),
      exceptionId: pathId(r),
      body: r.body,
    }),
  }),
});

/** Resolving is deployment-wide work: a wallet-scoped token never does it. */
function unscoped(principal: Principal): Principal {
  requireUnscoped(principal, 'resolve reconciliation exceptions');
  return principal;
}

/** The reconciliation exception queue: list (auditor, admin) and resolve with a reason (admin). */
export const reconciliationFunction = defineFunction(FUNCTIONS.reconciliation, (ports) =>
  apiHandler({ name: 'reconciliation', auth: 'required', deps: ports }, api),
);

export const { handler } = reconciliationFunction;

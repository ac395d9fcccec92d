import { dependencies, type Dependencies } from '../../composition/dependencies';
import { getAuditTrail } from '../../use-cases/audit/get-audit-trail';
import { apiHandler } from './http/api-handler';
import { pathId } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<Dependencies, 'audit'>('audit', {
  'GET /v1/audit/{traceId}': async (r, deps) => {
    requireRole(r.principal, 'auditor', 'admin');
    return { status: 200, body: await getAuditTrail(deps, { traceId: pathId(r, 'traceId') }) };
  },
});

/** The audit trail of one trace, and whether it verifies against its signed checkpoint. */
export const handler = apiHandler({ name: 'audit', auth: 'required', deps: dependencies }, async (request, load) =>
  api(request, await load()),
);

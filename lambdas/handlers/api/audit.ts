import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { requireUnscoped } from '../../domain/principal';
import { getAuditTrail } from '../../use-cases/audit/get-audit-trail';
import { apiHandler } from './http/api-handler';
import { pathId } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.audit>, 'audit'>('audit', {
  'GET /v1/audit/{traceId}': async (r, deps) => {
    requireUnscoped(requireRole(r.principal, 'auditor', 'admin'), 'audit trails');
    return { status: 200, body: await getAuditTrail(deps, { traceId: pathId(r, 'traceId') }) };
  },
});

/** The audit trail of one trace, and whether it verifies against its signed checkpoint. */
export const auditFunction = defineFunction(FUNCTIONS.audit, (ports) =>
  apiHandler({ name: 'audit', auth: 'required', deps: ports }, api),
);

export const { handler } = auditFunction;

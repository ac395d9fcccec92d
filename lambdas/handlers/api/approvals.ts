import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { METRIC } from '../../observability/metric-names';
import { getApprovalRequest } from '../../use-cases/approvals/get-approval-request';
import { decideApproval } from '../../use-cases/transfers/decide-approval';
import { apiHandler } from './http/api-handler';
import { pathId } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.approvals>, 'approvals'>('approvals', {
  'POST /v1/approvals/{id}': async (r, deps) => {
    const decided = await decideApproval(deps, {
      principal: requireRole(r.principal, 'approver', 'admin'),
      requestId: pathId(r),
      body: r.body,
    });
    if (decided.waitedSeconds !== undefined) deps.metrics.seconds(METRIC.approvalWaitSeconds, decided.waitedSeconds);
    return { status: 200, body: decided };
  },
  'GET /v1/approvals/{id}': async (r, deps) => {
    requireRole(r.principal, 'approver', 'admin', 'auditor');
    return { status: 200, body: await getApprovalRequest(deps, { requestId: pathId(r) }) };
  },
});

/**
 * Approvals with a bearer token: decide (membership, initiator and expiry checked by the use case)
 * and read a request as JSON. The approver link (`?t=…`, an HTML page) arrives with the link flow.
 */
export const approvalsFunction = defineFunction(FUNCTIONS.approvals, (ports) =>
  apiHandler({ name: 'approvals', auth: 'required', deps: ports }, api),
);

export const { handler } = approvalsFunction;

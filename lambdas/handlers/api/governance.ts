import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { expectObject, rejectUnknownFields } from '../../domain/validation';
import { bootstrapGovernance } from '../../use-cases/governance/bootstrap-governance';
import { decideChange } from '../../use-cases/governance/decide-change';
import { getChange } from '../../use-cases/governance/get-change';
import { listChanges } from '../../use-cases/governance/list-changes';
import { proposeChange } from '../../use-cases/governance/propose-change';
import { changeDecisionDeps } from '../../use-cases/governed-changes/change-decision-deps';
import { changeChallenges } from '../../use-cases/governed-changes/change-passkeys';
import { apiHandler } from './http/api-handler';
import { governedResponse } from './http/governed-response';
import { pageOf, pathId, queryOf } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

type Ports = PortsOf<typeof FUNCTIONS.governance>;

const api = functionRoutes<Ports, 'governance'>('governance', {
  'GET /v1/governance': async (r, deps) => {
    requireRole(r.principal, 'admin', 'operator', 'approver', 'auditor');
    const group = await deps.governance.group();
    return { status: 200, body: group === undefined ? { bootstrapped: false } : { bootstrapped: true, ...group } };
  },
  'POST /v1/governance/bootstrap': async (r, deps) => ({
    status: 201,
    body: await bootstrapGovernance(deps, { principal: requireRole(r.principal, 'admin'), body: r.body }),
  }),
  'PUT /v1/governance': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin');
    const body = expectObject(r.body, 'body');
    rejectUnknownFields(body, ['members', 'quorum', 'requirePasskeys', 'reason'], '');
    // Changing who governs is always a governance change, whatever the change: the group approves its successor.
    const proposed = await proposeChange(deps, {
      principal,
      action: {
        kind: 'SET_GOVERNANCE_GROUP',
        subject: 'governance',
        payload: {
          members: body.members,
          quorum: body.quorum,
          ...(body.requirePasskeys === undefined ? {} : { requirePasskeys: body.requirePasskeys }),
        },
      },
      reason: body.reason,
      weakening: ['replaces the governance group'],
    });
    return governedResponse({ proposed });
  },
  'GET /v1/governance/changes': async (r, deps) => {
    requireRole(r.principal, 'admin', 'operator', 'approver', 'auditor');
    const query = queryOf(r, ['status', 'limit', 'nextToken']);
    return { status: 200, body: await listChanges(deps, { status: query.status, page: pageOf(query) }) };
  },
  'GET /v1/governance/changes/{id}': async (r, deps) => {
    requireRole(r.principal, 'admin', 'operator', 'approver', 'auditor');
    const change = await getChange(deps, { changeId: pathId(r) });
    // What a member's passkey signs for each decision: a client asks the passkey with these challenges.
    return { status: 200, body: { ...change, passkeyChallenges: changeChallenges(deps.deploymentId, change) } };
  },
  // Membership of the change's governance group is the authority here, whatever roles the token carries.
  'POST /v1/governance/changes/{id}': async (r, deps) => ({
    status: 200,
    body: await decideChange(changeDecisionDeps(deps), {
      principal: requireRole(r.principal, 'admin', 'operator', 'approver', 'auditor'),
      changeId: pathId(r),
      body: r.body,
    }),
  }),
});

/**
 * Governance (ARCHITECTURE.md §9): the one-time bootstrap of the governance group, its replacement
 * (itself a change request), and change requests: list, read, approve or veto. A change whose
 * time-lock is 0 (the local runtime only) applies when its quorum is reached; otherwise the
 * apply-governance-changes job applies it once its time-lock has passed.
 */
export const governanceFunction = defineFunction(FUNCTIONS.governance, (ports) =>
  apiHandler({ name: 'governance', auth: 'required', deps: ports }, api),
);

export const { handler } = governanceFunction;

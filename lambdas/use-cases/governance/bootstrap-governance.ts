import { AuthError } from '../../domain/errors';
import { parseGovernanceGroup, type GovernanceGroup } from '../../domain/governance/change-request';
import type { Principal } from '../../domain/principal';
import { recordAudit } from '../transfers/record-audit';
import { GOVERNANCE_GROUP_TRACE_ID, type GovernanceDeps } from './governance-deps';

export type BootstrapGovernanceDeps = Pick<GovernanceDeps, 'governance' | 'audit' | 'clock'>;

/**
 * Sets the governance group once (`{members: [{id, name}], quorum}`), as version 1. Only an admin
 * may, and only the first time: afterwards the group changes only through a SET_GOVERNANCE_GROUP
 * change, which the current group must approve, so whoever bootstraps cannot later replace it alone.
 * A second bootstrap, even a concurrent one, is ALREADY_BOOTSTRAPPED (409).
 */
export async function bootstrapGovernance(
  deps: BootstrapGovernanceDeps,
  request: { readonly principal: Principal; readonly body: unknown },
): Promise<GovernanceGroup> {
  if (!request.principal.roles.includes('admin'))
    throw new AuthError('AUTH.FORBIDDEN', 'only an admin may bootstrap governance', {
      details: { requiredRoles: ['admin'] },
    });
  const group = parseGovernanceGroup(request.body, 1);
  const at = deps.clock();
  await deps.governance.bootstrap(group, request.principal.id, at);
  await recordAudit(deps.audit, {
    traceId: GOVERNANCE_GROUP_TRACE_ID,
    actor: request.principal.id,
    action: 'GOVERNANCE_BOOTSTRAPPED',
    inputs: group,
    result: `version 1: ${group.quorum} of ${group.members.length} members`,
    at,
  });
  return group;
}

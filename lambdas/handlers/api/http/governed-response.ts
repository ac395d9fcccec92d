import type { GovernedOutcome } from '../../../use-cases/governed-changes/propose-or-apply';
import type { ApiResponse } from './api-response';

/**
 * A change to a control as HTTP: applied at once → 200 with what was set and why it needed no
 * governance (`TIGHTENING`, or `NOT_BOOTSTRAPPED` before governance exists); proposed → 202 with the
 * change request (status PENDING_GOVERNANCE) and where to follow it.
 */
export function governedResponse<T extends object>(outcome: GovernedOutcome<T>): ApiResponse {
  if ('proposed' in outcome)
    return {
      status: 202,
      body: outcome.proposed,
      headers: { location: `/v1/governance/changes/${outcome.proposed.id}` },
    };
  return { status: 200, body: { ...outcome.applied, governance: outcome.governance } };
}

import { changeStatusOf, governanceError, type ChangeView } from '../../domain/governance/change-request';
import { checkString, ID_RULE } from '../../domain/validation';
import type { GovernanceStore, StoredChange } from '../../ports/governance-store';
import type { GovernanceDeps } from './governance-deps';

/** The change's records, or CHANGE_NOT_FOUND (404); a malformed id is a 400 naming `changeId`. */
export async function loadChange(governance: Pick<GovernanceStore, 'get'>, changeId: string): Promise<StoredChange> {
  const id = checkString(changeId, 'changeId', ID_RULE);
  const stored = await governance.get(id);
  if (stored === undefined) throw governanceError('CHANGE_NOT_FOUND', `no change ${id}`, { changeId: id });
  return stored;
}

/** One change request with its status as of now (`GET /v1/changes/{id}`). */
export async function getChange(
  deps: Pick<GovernanceDeps, 'governance' | 'clock'>,
  request: { readonly changeId: string },
): Promise<ChangeView> {
  const stored = await loadChange(deps.governance, request.changeId);
  return changeStatusOf(stored.request, stored.decisions, stored, deps.clock());
}

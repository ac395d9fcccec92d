import { ValidationError } from '../../domain/errors';
import {
  CHANGE_STATUSES,
  changeStatusOf,
  type ChangeStatus,
  type ChangeView,
} from '../../domain/governance/change-request';
import type { Page, PageRequest } from '../../ports/page';
import type { GovernanceDeps } from './governance-deps';

/**
 * Change requests newest first, optionally of one status (`GET /v1/changes?status=…`). The status is
 * derived as of now (a pending change becomes EXPIRED with time alone, with no record written), so it
 * is filtered per page: a page may hold fewer than `limit` changes and still have a `nextToken`.
 */
export async function listChanges(
  deps: Pick<GovernanceDeps, 'governance' | 'clock'>,
  request: { readonly status?: string; readonly page?: PageRequest },
): Promise<Page<ChangeView>> {
  const status = request.status;
  if (status !== undefined && !(CHANGE_STATUSES as readonly string[]).includes(status))
    throw new ValidationError('REQUEST.INVALID_FIELD', 'status', `must be one of ${CHANGE_STATUSES.join(', ')}`);
  const page = await deps.governance.list(request.page ?? {});
  const now = deps.clock();
  const items = page.items
    .map((stored) => changeStatusOf(stored.request, stored.decisions, stored, now))
    .filter((view) => status === undefined || view.status === (status as ChangeStatus));
  return page.nextToken === undefined ? { items } : { items, nextToken: page.nextToken };
}

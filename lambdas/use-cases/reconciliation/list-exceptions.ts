import { ValidationError } from '../../domain/errors';
import { EXCEPTION_STATUSES, type ExceptionStatus } from '../../domain/reconciliation/reconciliation-exception';
import { checkString, ID_RULE } from '../../domain/validation';
import type { Page, PageRequest } from '../../ports/page';
import type { ReconciliationStore } from '../../ports/reconciliation-store';
import { exceptionView, type ExceptionView } from './exception-view';

/**
 * The reconciliation exception queue (`GET /v1/reconciliation/exceptions`): unexplained outflows and
 * balance mismatches, newest first, optionally of one wallet and of one status (`open`, `resolved`).
 */
export async function listExceptions(
  deps: { readonly reconciliation: Pick<ReconciliationStore, 'list'> },
  request: { readonly walletId?: string; readonly status?: string; readonly page: PageRequest },
): Promise<Page<ExceptionView>> {
  const walletId = request.walletId === undefined ? undefined : checkString(request.walletId, 'walletId', ID_RULE);
  if (request.status !== undefined && !(EXCEPTION_STATUSES as readonly string[]).includes(request.status))
    throw new ValidationError('REQUEST.INVALID_FIELD', 'status', `must be one of ${EXCEPTION_STATUSES.join(', ')}`);
  const page = await deps.reconciliation.list({
    ...(walletId === undefined ? {} : { walletId }),
    ...(request.status === undefined ? {} : { status: request.status as ExceptionStatus }),
    page: request.page,
  });
  const items = page.items.map(exceptionView);
  return page.nextToken === undefined ? { items } : { items, nextToken: page.nextToken };
}

import { ValidationError } from '../../domain/errors';
import { TRANSFER_STATUSES, type TransferStatus } from '../../domain/lifecycle/transfer-events';
import { checkString, ID_RULE } from '../../domain/validation';
import type { Page, PageRequest } from '../../ports/page';
import type { TransferSummary } from '../../ports/transfer-event-store';
import type { TransferDeps } from '../transfers/transfer-deps';

/**
 * Transfers of one wallet, or in one status, a page at a time (`GET /v1/transactions`): exactly one
 * of `walletId` and `status`, since each is its own index and a listing of everything has no bound.
 */
export async function listTransfers(
  deps: Pick<TransferDeps, 'events'>,
  request: { readonly walletId?: string; readonly status?: string; readonly page: PageRequest },
): Promise<Page<TransferSummary>> {
  if (request.walletId !== undefined && request.status !== undefined) {
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      'status',
      'cannot be combined with walletId: filter by one of them',
    );
  }
  if (request.walletId !== undefined)
    return deps.events.listByWallet(checkString(request.walletId, 'walletId', ID_RULE), request.page);
  if (request.status === undefined)
    throw new ValidationError('REQUEST.MISSING_FIELD', 'walletId', 'or status is required');
  if (!(TRANSFER_STATUSES as readonly string[]).includes(request.status)) {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'status', `must be one of ${TRANSFER_STATUSES.join(', ')}`);
  }
  return deps.events.listByStatus(request.status as TransferStatus, request.page);
}

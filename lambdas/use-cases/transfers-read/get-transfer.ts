import { StrongroomError } from '../../domain/errors';
import { foldTransferEvents } from '../../domain/lifecycle/transfer-lifecycle';
import type { TransferDeps } from '../transfers/transfer-deps';
import { transferView, type TransferView } from './transfer-view';

/** A transfer's status, chain facts and event history (`GET /v1/transactions/{id}`), from one read of its stream. */
export async function getTransfer(
  deps: Pick<TransferDeps, 'events'>,
  request: { readonly transferId: string },
): Promise<TransferView> {
  const events = await deps.events.read(request.transferId);
  if (events.length === 0)
    throw new StrongroomError('TRANSFER.NOT_FOUND', `no transfer ${request.transferId}`, {
      details: { transferId: request.transferId },
    });
  return transferView(foldTransferEvents(events), events);
}

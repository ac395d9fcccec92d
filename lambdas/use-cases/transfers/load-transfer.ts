import { StrongroomError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { TransferEventStore } from '../../ports/transfer-event-store';

/** The transfer, or TRANSFER.NOT_FOUND naming it. */
export async function loadTransfer(events: TransferEventStore, transferId: string): Promise<TransferState> {
  const state = await events.load(transferId);
  if (state === undefined)
    throw new StrongroomError('TRANSFER.NOT_FOUND', `no transfer ${transferId}`, { details: { transferId } });
  return state;
}

import { StrongroomError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { TransferEventStore } from '../../ports/transfer-event-store';

/** The transfer, or STORE.NOT_FOUND naming it. */
export async function loadTransfer(events: TransferEventStore, transferId: string): Promise<TransferState> {
  const state = await events.load(transferId);
  if (state === undefined) throw new StrongroomError('STORE.NOT_FOUND', `no transfer ${transferId}`, { details: { transferId } });
  return state;
}

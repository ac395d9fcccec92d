import { TransferHaltedError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';

/** Every step checks for a cancellation before it acts (ARCHITECTURE.md §4, Cancel). */
export function haltIfCancelled(state: TransferState): void {
  if (state.cancelRequested !== undefined) {
    throw new TransferHaltedError(
      'TRANSFER.CANCELLED',
      `transfer ${state.id} was cancelled by ${state.cancelRequested.by}`,
      { details: { transferId: state.id } },
    );
  }
}

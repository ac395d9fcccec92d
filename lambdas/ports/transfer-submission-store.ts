import type { TransferEventOf } from '../domain/lifecycle/transfer-events';
import type { TransferState } from '../domain/lifecycle/transfer-state';
import type { TransferPosting } from '../domain/ledger/posting';

/**
 * Accepting a transfer: its SUBMITTED event and the reservation of its funds in one transaction, so
 * a transfer exists only with its funds held and funds are held only for a transfer that exists.
 * Insufficient funds write nothing (`LEDGER.INSUFFICIENT_FUNDS`); a transfer id submitted before
 * writes nothing either (`STORE.DUPLICATE`).
 */
export interface TransferSubmissionStore {
  submit(submitted: TransferEventOf<'SUBMITTED'>, reservation: TransferPosting): Promise<TransferState>;
}

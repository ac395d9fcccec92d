import { StrongroomError } from '../../domain/errors';
import type { TransferEventOf } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { TransferPosting } from '../../domain/ledger/posting';
import type { TransferSubmissionStore } from '../../ports/transfer-submission-store';
import type { DynamoLedgerStore } from './dynamo-ledger-store';
import type { DynamoTransferEventStore } from './dynamo-transfer-event-store';

/** The submit transaction: the event store's append items ride along with the reservation posting. */
export class DynamoTransferSubmissionStore implements TransferSubmissionStore {
  constructor(
    private readonly events: DynamoTransferEventStore,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  async submit(submitted: TransferEventOf<'SUBMITTED'>, reservation: TransferPosting): Promise<TransferState> {
    if (reservation.type !== 'RESERVE' || reservation.transferId !== submitted.transferId) {
      throw new RangeError('a submission reserves funds for the transfer it submits');
    }
    const append = this.events.prepareAppend(undefined, [submitted]);
    const duplicate = () =>
      new StrongroomError('STORE.DUPLICATE', `transfer ${submitted.transferId} was submitted already`, {
        details: { transferId: submitted.transferId },
      });
    const outcome = await this.ledger.postWith(reservation, { items: append.items, onConflict: duplicate });
    if (outcome.replayed) throw duplicate();
    return append.next;
  }
}

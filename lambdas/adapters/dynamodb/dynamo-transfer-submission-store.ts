import { ConflictError, StrongroomError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { TransferSubmission, TransferSubmissionStore } from '../../ports/transfer-submission-store';
import type { TransferEvent } from '../../domain/lifecycle/transfer-events';
import { NATIVE, type Asset } from '../../domain/asset';
import { walletAccount } from '../../domain/ledger/ledger-account';
import type { DynamoLedgerStore, PlannedPosting } from './dynamo-ledger-store';
import type { DynamoTransferEventStore } from './dynamo-transfer-event-store';

/** SUBMITTED with the snapshot of the reservation planned with it (what policy reads velocity from). */
function withSnapshot(events: readonly TransferEvent[], planned: PlannedPosting | undefined): readonly TransferEvent[] {
  const [submitted, ...rest] = events;
  const snapshot = planned?.replayed === false ? planned.snapshot : undefined;
  if (submitted?.type !== 'SUBMITTED' || snapshot === undefined) return events;
  return [{ ...submitted, data: { ...submitted.data, reservationSnapshot: snapshot } }, ...rest];
}

/**
 * The submit transaction: the reservation posting (planned on the wallet's newest account entries),
 * the first events with the listing projection, and the trace's first audit record: one
 * TransactWriteItems, after one read per account the reservation touches.
 */
export class DynamoTransferSubmissionStore implements TransferSubmissionStore {
  constructor(
    private readonly events: DynamoTransferEventStore,
    private readonly ledger?: DynamoLedgerStore,
  ) {}

  /** The wallet's accounts a reservation of `asset` writes: the asset's and the native one (its fee allowance). */
  readAhead(walletId: string, asset: Asset): Promise<unknown> {
    if (this.ledger === undefined) return Promise.resolve(undefined);
    return this.ledger.readHeads([walletAccount(walletId, asset), walletAccount(walletId, NATIVE)]);
  }

  async submit({ events, reservation, audit, readAhead }: TransferSubmission): Promise<TransferState> {
    const [submitted] = events;
    if (
      submitted?.type !== 'SUBMITTED' ||
      reservation.type !== 'RESERVE' ||
      reservation.transferId !== submitted.transferId
    )
      throw new RangeError('a submission starts with SUBMITTED and reserves funds for the transfer it submits');
    try {
      return await this.events.append(
        undefined,
        events,
        { posting: reservation, audit, ...(readAhead === undefined ? {} : { prefetched: readAhead }) },
        withSnapshot,
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      throw new StrongroomError('STORE.DUPLICATE', `transfer ${submitted.transferId} was submitted already`, {
        details: { transferId: submitted.transferId },
      });
    }
  }
}

import type { TransferEvent, TransferStatus } from '../domain/lifecycle/transfer-events';
import type { TransferState } from '../domain/lifecycle/transfer-state';
import type { Page, PageRequest } from './page';

/** The listing view of a transfer: the projection written with each append. */
export interface TransferSummary {
  readonly id: string;
  readonly walletId: string;
  readonly status: TransferStatus;
  readonly seq: number;
  readonly submittedAt: Date;
  readonly updatedAt: Date;
}

/**
 * The append-only event streams of transfers. An append names the state it builds on; if another
 * writer appended first, it fails with a `ConflictError` (`STORE.CONFLICT`) and nothing is written.
 */
export interface TransferEventStore {
  /** Appends events after `current` (undefined for a new transfer); returns the new state. */
  append(current: TransferState | undefined, events: readonly TransferEvent[]): Promise<TransferState>;
  /** The whole stream, in order (strongly consistent). */
  read(transferId: string): Promise<readonly TransferEvent[]>;
  /** The fold of the stream; undefined when there is no such transfer. */
  load(transferId: string): Promise<TransferState | undefined>;
  listByWallet(walletId: string, page?: PageRequest): Promise<Page<TransferSummary>>;
  listByStatus(status: TransferStatus, page?: PageRequest): Promise<Page<TransferSummary>>;
}

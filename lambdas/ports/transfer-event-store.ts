import type { AuditEntry } from '../domain/audit/audit-chain';
import type { Posting } from '../domain/ledger/posting';
import type { PlannedNonceReservation } from './nonce-store';
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

/** What a workflow step writes besides its events, committed with them (in one transaction where it fits). */
export interface StepWrites {
  /** The step's audit record, chained to its trace. */
  readonly audit?: AuditEntry;
  /** The step's ledger posting; one recorded before (a retried step) is not posted again. */
  readonly posting?: Posting;
  /**
   * A nonce reservation planned by the nonce store: committed with the events, or the append fails
   * with `NONCE.TAKEN` (a ConflictError) when another transfer took that nonce first.
   */
  readonly nonce?: PlannedNonceReservation;
  /** What the store read ahead for the posting (a submission's account heads); opaque to the caller. */
  readonly prefetched?: unknown;
}

/**
 * The append-only event streams of transfers. An append names the state it builds on; if another
 * writer appended first, it fails with a `ConflictError` (`STORE.CONFLICT`) and nothing is written.
 */
export interface TransferEventStore {
  /** Appends events after `current` (undefined for a new transfer) with the step's other writes; returns the new state. */
  append(
    current: TransferState | undefined,
    events: readonly TransferEvent[],
    writes?: StepWrites,
  ): Promise<TransferState>;
  /**
   * The state a workflow step starts from: the one the previous step handed on (`carried`, from
   * {@link streamOf}) when it is of this transfer, else the one stored. A carried state is trusted only
   * as far as the step's append, which conditions on the stored stream being exactly it.
   */
  resume(transferId: string, carried: unknown): Promise<TransferState | undefined>;
  /** What a step hands on to the next: the state as a string, or undefined when the store cannot say. */
  streamOf(state: TransferState): string | undefined;
  /** The whole stream, in order (strongly consistent). */
  read(transferId: string): Promise<readonly TransferEvent[]>;
  /** The fold of the stream; undefined when there is no such transfer. */
  load(transferId: string): Promise<TransferState | undefined>;
  listByWallet(walletId: string, page?: PageRequest): Promise<Page<TransferSummary>>;
  listByStatus(status: TransferStatus, page?: PageRequest): Promise<Page<TransferSummary>>;
}

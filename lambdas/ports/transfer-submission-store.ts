import type { Asset } from '../domain/asset';
import type { AuditEntry } from '../domain/audit/audit-chain';
import type { TransferEvent } from '../domain/lifecycle/transfer-events';
import type { TransferState } from '../domain/lifecycle/transfer-state';
import type { TransferPosting } from '../domain/ledger/posting';

/** What a submit writes: its first events (SUBMITTED first), the reservation of its funds and its audit record. */
export interface TransferSubmission {
  readonly events: readonly TransferEvent[];
  readonly reservation: TransferPosting;
  readonly audit: AuditEntry;
  /** What {@link TransferSubmissionStore.readAhead} read, when the submit called it. */
  readonly readAhead?: unknown;
}

/**
 * Accepting a transfer: its first events, the reservation of its funds and the first record of its
 * trace in one transaction, so a transfer exists only with its funds held, funds are held only for a
 * transfer that exists, and neither without its audit record. Insufficient funds write nothing
 * (`LEDGER.INSUFFICIENT_FUNDS`); a transfer id submitted before writes nothing either (`STORE.DUPLICATE`).
 */
export interface TransferSubmissionStore {
  submit(submission: TransferSubmission): Promise<TransferState>;
  /**
   * Reads what a reservation of `asset` from the wallet will need, so a submit can do it while it reads
   * the wallet (one round trip fewer). Opaque; a store that reads nothing ahead leaves this out.
   */
  readAhead?(walletId: string, asset: Asset): Promise<unknown>;
}

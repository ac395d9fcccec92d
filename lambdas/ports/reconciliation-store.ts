import type {
  ExceptionResolution,
  ExceptionStatus,
  ReconciliationException,
} from '../domain/reconciliation/reconciliation-exception';
import type { Page, PageRequest } from './page';

/** An exception with its resolution, if an admin has resolved it. */
export interface ExceptionEntry {
  readonly exception: ReconciliationException;
  readonly resolution?: ExceptionResolution;
}

/**
 * The reconciliation exception queue: unexplained outflows and balance mismatches, each recorded once
 * under its deterministic id (a second record of the same id is a no-op that says so), and at most one
 * resolution per exception. Nothing is updated or deleted; the status is whether a resolution exists.
 */
export interface ReconciliationStore {
  /** Records the exception; `recorded` is false when an exception with its id exists already. */
  record(exception: ReconciliationException): Promise<{ readonly recorded: boolean }>;
  get(id: string): Promise<ExceptionEntry | undefined>;
  /**
   * Newest first, optionally of one wallet and one status. A page may hold fewer than `limit` entries
   * (open ones are filtered from the listing) and still have a `nextToken`.
   */
  list(filter: {
    readonly walletId?: string;
    readonly status?: ExceptionStatus;
    readonly page?: PageRequest;
  }): Promise<Page<ExceptionEntry>>;
  /** Appends the resolution; `STORE.DUPLICATE` when the exception was resolved already. */
  resolve(exception: ReconciliationException, resolution: ExceptionResolution): Promise<void>;
}

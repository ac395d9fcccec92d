import type {
  ExceptionResolution,
  ExceptionStatus,
  ReconciliationException,
} from '../../domain/reconciliation/reconciliation-exception';
import type { ExceptionEntry } from '../../ports/reconciliation-store';

/** An exception as the API shows it: its evidence, its status, and its resolution once there is one. */
export type ExceptionView = ReconciliationException & {
  readonly status: ExceptionStatus;
  readonly resolution?: ExceptionResolution;
};

export function exceptionView(entry: ExceptionEntry): ExceptionView {
  return entry.resolution === undefined
    ? { ...entry.exception, status: 'open' }
    : { ...entry.exception, status: 'resolved', resolution: entry.resolution };
}

import { StrongroomError } from '../../domain/errors';
import { parseReason } from '../../domain/parse-reason';
import type { Principal } from '../../domain/principal';
import type { AuditLog } from '../../ports/audit-log';
import type { ReconciliationStore } from '../../ports/reconciliation-store';
import { recordAudit } from '../transfers/record-audit';
import { exceptionView, type ExceptionView } from './exception-view';

/** The audit trace of an exception: its resolution is chained there, apart from any transfer's trace. */
export const exceptionTraceId = (exceptionId: string): string => `reconciliation.${exceptionId}`;

/**
 * An admin closes an exception with a reason (`POST /v1/reconciliation/exceptions/{id}/resolve`, body
 * `{reason}`): the resolution is appended once and audited; a second one is RECONCILIATION.ALREADY_RESOLVED
 * (409). Resolving records what a human concluded; it neither changes the books nor unfreezes a wallet.
 */
export async function resolveException(
  deps: {
    readonly reconciliation: Pick<ReconciliationStore, 'get' | 'resolve'>;
    readonly audit: AuditLog;
    readonly clock: () => Date;
  },
  request: { readonly principal: Principal; readonly exceptionId: string; readonly body: unknown },
): Promise<ExceptionView> {
  const reason = parseReason(request.body, { required: true });
  const entry = await deps.reconciliation.get(request.exceptionId);
  if (entry === undefined)
    throw new StrongroomError('RECONCILIATION.EXCEPTION_NOT_FOUND', `no exception ${request.exceptionId}`, {
      details: { exceptionId: request.exceptionId },
    });
  const alreadyResolved = () =>
    new StrongroomError('RECONCILIATION.ALREADY_RESOLVED', `exception ${request.exceptionId} is resolved already`, {
      details: { exceptionId: request.exceptionId },
    });
  if (entry.resolution !== undefined) throw alreadyResolved();
  const at = deps.clock();
  const resolution = { exceptionId: entry.exception.id, resolvedBy: request.principal.id, reason, at };
  try {
    await deps.reconciliation.resolve(entry.exception, resolution);
  } catch (error) {
    if (error instanceof StrongroomError && error.code === 'STORE.DUPLICATE') throw alreadyResolved();
    throw error;
  }
  await recordAudit(deps.audit, {
    traceId: exceptionTraceId(entry.exception.id),
    actor: request.principal.id,
    action: 'RECONCILIATION_EXCEPTION_RESOLVED',
    inputs: { exceptionId: entry.exception.id, reason },
    result: 'RESOLVED',
    at,
  });
  return exceptionView({ exception: entry.exception, resolution });
}

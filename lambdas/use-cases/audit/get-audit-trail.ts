import type { AuditRecord } from '../../domain/audit/audit-chain';
import { StrongroomError } from '../../domain/errors';
import type { TransferDeps } from '../transfers/transfer-deps';

export interface AuditTrailView {
  readonly traceId: string;
  readonly records: readonly AuditRecord[];
  /** The hash chain is intact and, when a signed checkpoint saw the trace, still ends where it did. */
  readonly verified: boolean;
  /** Where the chain first breaks, when it does. */
  readonly firstBroken?: { readonly seq: number; readonly reason: string };
  /** The newest signed checkpoint that covers the trace, if one does yet. */
  readonly checkpointId?: string;
}

/** The audit records of one trace and whether they verify (`GET /v1/audit/{traceId}`); 404 when there are none. */
export async function getAuditTrail(
  deps: Pick<TransferDeps, 'audit'>,
  request: { readonly traceId: string },
): Promise<AuditTrailView> {
  const trail = await deps.audit.trail(request.traceId);
  if (trail.records.length === 0 && trail.checkpointId === undefined) {
    throw new StrongroomError('AUDIT.TRACE_NOT_FOUND', `no audit record has the trace id ${request.traceId}`, {
      details: { traceId: request.traceId },
    });
  }
  const { verification } = trail;
  return {
    traceId: trail.traceId,
    records: trail.records,
    verified: verification.verified,
    ...(verification.firstBroken === undefined ? {} : { firstBroken: verification.firstBroken }),
    ...(trail.checkpointId === undefined ? {} : { checkpointId: trail.checkpointId }),
  };
}

import type { AuditRecord } from '../../domain/audit/audit-chain';
import { StrongroomError } from '../../domain/errors';
import type { HeadInclusion, SignedAuditCheckpoint } from '../../ports/audit-log';
import type { TransferDeps } from '../transfers/transfer-deps';

export interface AuditTrailView {
  readonly traceId: string;
  readonly records: readonly AuditRecord[];
  /**
   * The hash chain is intact and, when a signed checkpoint saw the trace, the checkpoint's signature
   * verifies, its Merkle root includes the trace head, and the trail still ends where it did.
   */
  readonly verified: boolean;
  /** Why it does not verify, when it does not. */
  readonly reason?: string;
  /** Where the chain first breaks, when it does. */
  readonly firstBroken?: { readonly seq: number; readonly reason: string };
  /** The newest signed checkpoint that covers the trace, if one does yet. */
  readonly checkpointId?: string;
  /**
   * That checkpoint: its EIP-712 typed data, digest and the audit key's signature, so a client can
   * check it with the key's address alone (see scripts/verify-audit-trail.ts).
   */
  readonly checkpoint?: Omit<SignedAuditCheckpoint, 'checkpoint'>;
  /** The trace head's leaf in the checkpoint's standard Merkle tree, and its inclusion proof. */
  readonly inclusion?: HeadInclusion;
}

/** The audit records of one trace and whether they verify (`GET /v1/audit/{traceId}`); 404 when there are none. */
export async function getAuditTrail(
  deps: Pick<TransferDeps, 'audit'>,
  request: { readonly traceId: string },
): Promise<AuditTrailView> {
  const trail = await deps.audit.trail(request.traceId);
  if (trail.records.length === 0 && trail.inclusion === undefined) {
    throw new StrongroomError('AUDIT.TRACE_NOT_FOUND', `no audit record has the trace id ${request.traceId}`, {
      details: { traceId: request.traceId },
    });
  }
  const { verification, checkpoint, inclusion } = trail;
  return {
    traceId: trail.traceId,
    records: trail.records,
    verified: verification.verified,
    ...(verification.firstBroken === undefined
      ? {}
      : { reason: `record ${verification.firstBroken.seq}: ${verification.firstBroken.reason}` }),
    ...(verification.firstBroken === undefined ? {} : { firstBroken: verification.firstBroken }),
    ...(checkpoint === undefined
      ? {}
      : {
          checkpointId: checkpoint.checkpointId,
          checkpoint: {
            checkpointId: checkpoint.checkpointId,
            typedData: checkpoint.typedData,
            digest: checkpoint.digest,
            signature: checkpoint.signature,
          },
        }),
    ...(inclusion === undefined ? {} : { inclusion }),
  };
}

import type { Hex } from 'viem';
import type { AuditEntry, AuditRecord, TraceVerification } from '../domain/audit/audit-chain';
import type { AuditCheckpoint } from '../domain/proof/audit-checkpoint';

/** What a checkpoint signs: how far the global sequence went, and the root over the trace heads. */
export type AuditCheckpointPayload = AuditCheckpoint;

/** Signs checkpoints with the audit key (KMS in the cloud, the local vault on one machine). */
export interface CheckpointSigner {
  sign(checkpoint: AuditCheckpointPayload): Promise<Hex>;
  /** Whether `signature` is the audit key's over `checkpoint`. */
  verify(checkpoint: AuditCheckpointPayload, signature: Hex): Promise<boolean>;
}

/** A trace's records and whether they verify against the newest signed checkpoint that saw it. */
export interface AuditTrail {
  readonly traceId: string;
  readonly records: readonly AuditRecord[];
  readonly verification: TraceVerification;
  readonly checkpointId?: string;
}

/** The append-only, hash-chained audit trail. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AuditRecord>;
  trail(traceId: string): Promise<AuditTrail>;
  /** Signs a checkpoint over everything appended since the last one; undefined when nothing was. */
  writeCheckpoint(at: Date): Promise<AuditCheckpointPayload | undefined>;
}

import type { Hex } from 'viem';
import type { AuditEntry, AuditRecord, ChainHead, TraceVerification } from '../domain/audit/audit-chain';
import type { HeadLeaf } from '../domain/audit/heads-merkle-tree';
import type { AuditCheckpoint, AuditCheckpointTypedData } from '../domain/proof/audit-checkpoint';

/** What a checkpoint signs: the Merkle root over the changed trace heads, chained to the previous checkpoint. */
export type AuditCheckpointPayload = AuditCheckpoint;

/** Signs checkpoints with the audit key (KMS in the cloud, the local vault on one machine). */
export interface CheckpointSigner {
  sign(checkpoint: AuditCheckpointPayload): Promise<Hex>;
  /** Whether `signature` is the audit key's over `checkpoint`. */
  verify(checkpoint: AuditCheckpointPayload, signature: Hex): Promise<boolean>;
  /** The EIP-712 typed data the key signs for `checkpoint`: what a client checks with the key's address alone. */
  typedData(checkpoint: AuditCheckpointPayload): AuditCheckpointTypedData;
}

/** A stored checkpoint with its signature, and the typed data and digest that signature is over. */
export interface SignedAuditCheckpoint {
  readonly checkpointId: string;
  readonly checkpoint: AuditCheckpointPayload;
  readonly typedData: AuditCheckpointTypedData;
  /** The EIP-712 digest of `typedData`: the next checkpoint's `previousDigest`. */
  readonly digest: Hex;
  readonly signature: Hex;
}

/** A trace head's leaf in a checkpoint's standard Merkle tree and the proof that the root includes it. */
export interface HeadInclusion {
  readonly leafEncoding: readonly string[];
  readonly leaf: HeadLeaf;
  readonly proof: readonly Hex[];
}

/** A trace's records and whether they verify against the newest signed checkpoint that saw it. */
export interface AuditTrail {
  readonly traceId: string;
  readonly records: readonly AuditRecord[];
  readonly verification: TraceVerification;
  readonly checkpoint?: SignedAuditCheckpoint;
  readonly inclusion?: HeadInclusion;
}

/** What a walk over every checkpoint found: a problem per broken link, root or vanished head. */
export interface CheckpointSweep {
  readonly checkpointCount: number;
  readonly headCount: number;
  readonly problems: readonly { readonly checkpointId: string; readonly traceId?: string; readonly reason: string }[];
}

/** The append-only, hash-chained audit trail. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AuditRecord>;
  trail(traceId: string): Promise<AuditTrail>;
  /** Signs a checkpoint over the trace heads that changed since the last one; undefined when none did. */
  writeCheckpoint(at: Date): Promise<AuditCheckpointPayload | undefined>;
  /**
   * Walks every checkpoint: signatures, the chain of digests, each root against its leaves, and each
   * leaf's record still in its trace, so a trace deleted whole after a checkpoint is found (its trail
   * alone would just be absent).
   */
  verifyCheckpoints(): Promise<CheckpointSweep>;
}

/**
 * Writes a trace's next record inside the caller's own atomic write (a workflow step's transfer
 * event and its audit record commit together or not at all), as one item, with no read when the
 * caller already knows the trace head. `Item` is the store's unit of an atomic write: the adapter
 * names it (a DynamoDB TransactWriteItems item), so this port imports no adapter.
 */
export interface AuditRecordWriter<Item = unknown> {
  /** The seq and hash of the trace's newest record, read strongly consistently; undefined when it has none. */
  newestHead(traceId: string): Promise<ChainHead | undefined>;
  /**
   * Builds, without any request, the record that follows `previous` (undefined: the trace's first)
   * and the one conditional write that stores it. `previous` must be the trace's newest record: a
   * stale one makes the write lose its condition (read the head again and prepare again); one that
   * names no record of the trace would write a record that breaks the chain, which verification reports.
   */
  prepareAppend(
    entry: AuditEntry,
    previous: ChainHead | undefined,
  ): { readonly record: AuditRecord; readonly item: Item };
}

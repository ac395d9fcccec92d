import type { Hex, TypedDataDefinition } from 'viem';
import type { Address } from '../address';
import { assertSignedBy } from './assert-signed-by';
import { hashProofTypedData } from './hash-proof-typed-data';
import { auditDomain, type AuditDomain } from './proof-domain';
import { toUnixSeconds } from './unix-seconds';

/**
 * What the audit key signs periodically: a Merkle root over the heads of the traces that changed
 * since the previous checkpoint, chained to that checkpoint by its EIP-712 digest, so that editing,
 * truncating or deleting records, or a whole trace, is detected without any global counter.
 * `at` is signed as unix seconds and must be a whole second.
 */
export interface AuditCheckpoint {
  /** 1, 2, 3…: the checkpoints form one signed chain. */
  readonly number: bigint;
  /** The EIP-712 digest of checkpoint `number - 1`; all zero for the first. */
  readonly previousDigest: Hex;
  /** bytes32: the root of the standard Merkle tree over [traceId, seq, hash] leaves (heads-merkle-tree.ts). */
  readonly headsRoot: Hex;
  readonly headCount: bigint;
  /** The checkpoint covers the heads that changed before this instant (unix milliseconds) and after the previous one's. */
  readonly changedBeforeMs: bigint;
  readonly at: Date;
}

/** The EIP-712 types of an audit checkpoint. */
export const AUDIT_CHECKPOINT_TYPES = {
  AuditCheckpoint: [
    { name: 'number', type: 'uint256' },
    { name: 'previousDigest', type: 'bytes32' },
    { name: 'headsRoot', type: 'bytes32' },
    { name: 'headCount', type: 'uint256' },
    { name: 'changedBeforeMs', type: 'uint256' },
    { name: 'at', type: 'uint256' },
  ],
} as const;

/** The id the API shows for checkpoint `number`. */
export const checkpointIdOf = (number: bigint | number): string => `checkpoint-${number}`;

/** The typed data of an audit checkpoint, as a signer port signs it. */
export type AuditCheckpointTypedData = TypedDataDefinition<typeof AUDIT_CHECKPOINT_TYPES, 'AuditCheckpoint'>;

/** The typed data the audit key signs for a checkpoint. */
export function buildAuditCheckpointTypedData(
  domain: AuditDomain,
  checkpoint: AuditCheckpoint,
): AuditCheckpointTypedData {
  return {
    domain: auditDomain(domain),
    types: AUDIT_CHECKPOINT_TYPES,
    primaryType: 'AuditCheckpoint',
    message: {
      number: checkpoint.number,
      previousDigest: checkpoint.previousDigest,
      headsRoot: checkpoint.headsRoot,
      headCount: checkpoint.headCount,
      changedBeforeMs: checkpoint.changedBeforeMs,
      at: toUnixSeconds(checkpoint.at, 'at'),
    },
  };
}

/** The EIP-712 digest of an audit checkpoint. */
export function hashAuditCheckpoint(domain: AuditDomain, checkpoint: AuditCheckpoint): Hex {
  return hashProofTypedData(buildAuditCheckpointTypedData(domain, checkpoint));
}

/** Requires `signature` to be the audit key's over `checkpoint`, or throws `PROOF.INVALID`. */
export async function verifyAuditCheckpoint(params: {
  readonly domain: AuditDomain;
  readonly checkpoint: AuditCheckpoint;
  readonly signature: unknown;
  readonly expectedSigner: Address;
}): Promise<AuditCheckpoint> {
  await assertSignedBy({
    digest: hashAuditCheckpoint(params.domain, params.checkpoint),
    signature: params.signature,
    expectedSigner: params.expectedSigner,
  });
  return params.checkpoint;
}

import type { Hex, TypedDataDefinition } from 'viem';
import type { Address } from '../address';
import { assertSignedBy } from './assert-signed-by';
import { hashProofTypedData } from './hash-proof-typed-data';
import { auditDomain, type AuditDomain } from './proof-domain';
import { toUnixSeconds } from './unix-seconds';

/**
 * What the audit key signs periodically: the heads of every trace's hash chain folded into one root,
 * and how far the global sequence had got, so that deleting or truncating records is detected.
 * `at` is signed as unix seconds and must be a whole second.
 */
export interface AuditCheckpoint {
  readonly checkpointId: string;
  readonly globalSequence: bigint;
  readonly recordCount: bigint;
  /** bytes32: see `headsRoot` in audit/audit-chain.ts. */
  readonly headsRoot: Hex;
  readonly at: Date;
}

/** The EIP-712 types of an audit checkpoint. */
export const AUDIT_CHECKPOINT_TYPES = {
  AuditCheckpoint: [
    { name: 'checkpointId', type: 'string' },
    { name: 'globalSequence', type: 'uint256' },
    { name: 'recordCount', type: 'uint256' },
    { name: 'headsRoot', type: 'bytes32' },
    { name: 'at', type: 'uint256' },
  ],
} as const;

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
      checkpointId: checkpoint.checkpointId,
      globalSequence: checkpoint.globalSequence,
      recordCount: checkpoint.recordCount,
      headsRoot: checkpoint.headsRoot,
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

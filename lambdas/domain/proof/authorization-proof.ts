import type { Hex, TypedDataDefinition } from 'viem';
import { ProofError } from '../errors';
import type { PreparedTransaction } from '../lifecycle/transfer-events';
import { hashProofTypedData } from './hash-proof-typed-data';
import { authorizationDomain, type ProofDomain } from './proof-domain';
import { toUnixSeconds } from './unix-seconds';

/**
 * What the approval key signs before any custody key may sign: the complete unsigned EIP-1559
 * transaction, the transfer and wallet it belongs to, the policy decision and approvals that allowed
 * it, and an expiry.
 *
 * `validUntil` is signed as a uint256 of unix seconds, so it must be a whole second; the proof is
 * valid strictly before that instant.
 */
export interface AuthorizationProof {
  readonly transferId: string;
  readonly walletId: string;
  readonly transaction: PreparedTransaction;
  readonly policyDecisionId: string;
  readonly approvalIds: readonly string[];
  /** The digests the counted approvers' passkeys signed (empty when no passkey signed): each is checkable against its assertion. */
  readonly approvalDigests: readonly Hex[];
  readonly validUntil: Date;
}

/** The EIP-712 types of an authorization. `from` sits beside the transaction: it is not an RLP field. */
export const AUTHORIZATION_TYPES = {
  Authorization: [
    { name: 'transferId', type: 'string' },
    { name: 'walletId', type: 'string' },
    { name: 'from', type: 'address' },
    { name: 'transaction', type: 'Eip1559Transaction' },
    { name: 'policyDecisionId', type: 'string' },
    { name: 'approvalIds', type: 'string[]' },
    { name: 'approvalDigests', type: 'bytes32[]' },
    { name: 'validUntil', type: 'uint256' },
  ],
  Eip1559Transaction: [
    { name: 'chainId', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'data', type: 'bytes' },
    { name: 'gasLimit', type: 'uint256' },
    { name: 'maxFeePerGas', type: 'uint256' },
    { name: 'maxPriorityFeePerGas', type: 'uint256' },
  ],
} as const;

/** The typed data of an authorization, as a signer port signs it. */
export type AuthorizationTypedData = TypedDataDefinition<typeof AUTHORIZATION_TYPES, 'Authorization'>;

/**
 * The typed data a signer port signs with the approval key.
 *
 * The domain's chain must be the transaction's chain: the domain is how a wallet or an auditor sees
 * which chain a signature is for, so the two never disagree.
 */
export function buildAuthorizationTypedData(domain: ProofDomain, proof: AuthorizationProof): AuthorizationTypedData {
  const tx = proof.transaction;
  if (tx.chainId !== domain.chainId) {
    throw new ProofError('PROOF.MISMATCH', `the proof is for chain ${tx.chainId}, not chain ${domain.chainId}`, {
      details: { field: 'chainId' },
    });
  }
  return {
    domain: authorizationDomain(domain),
    types: AUTHORIZATION_TYPES,
    primaryType: 'Authorization',
    message: {
      transferId: proof.transferId,
      walletId: proof.walletId,
      from: tx.from,
      transaction: {
        chainId: BigInt(tx.chainId),
        nonce: BigInt(tx.nonce),
        to: tx.to,
        value: tx.value,
        data: tx.data,
        gasLimit: tx.gasLimit,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      },
      policyDecisionId: proof.policyDecisionId,
      approvalIds: proof.approvalIds,
      approvalDigests: proof.approvalDigests,
      validUntil: toUnixSeconds(proof.validUntil, 'validUntil'),
    },
  };
}

/** The EIP-712 digest of an authorization (what the approval key's ECDSA signature is over). */
export function hashAuthorization(domain: ProofDomain, proof: AuthorizationProof): Hex {
  return hashProofTypedData(buildAuthorizationTypedData(domain, proof));
}

import { hexToBytes, keccak256, stringToBytes, zeroAddress, type Address, type Hex } from 'viem';
import type { Asset } from '../asset';
import { ValidationError } from '../errors';
import { hashProofTypedData } from '../proof/hash-proof-typed-data';
import { auditDomain, authorizationDomain } from '../proof/proof-domain';
import { bytesToBase64url } from './base64url';
import { canonicalJson } from './canonical-json';

/**
 * What a passkey signs a decision on. An approval and a rejection of the same thing have different
 * digests, so a stored rejection's assertion can never be counted as an approval. For a change request,
 * `reject` is the veto.
 */
export type PasskeyDecision = 'approve' | 'reject';

/**
 * The EIP-712 types of a decision on a transfer. The domain is the authorization proof's
 * (`authorizationDomain`: name "strongroom", version "1", the transfer's chainId, and salt =
 * keccak256(deploymentId)), so the deployment and the chain are bound by the domain and not repeated
 * in the message; the primary type differs from the proof's, so the two digests never collide.
 *
 * - `decision`: "approve" or "reject".
 * - `approvalRequestId`: the request decided (one per transfer today; named so a second request differs).
 * - `transferId`, `walletId`: the transfer and the wallet it leaves.
 * - `from`: the wallet's address.
 * - `to`: the destination (for a contract call, the contract).
 * - `asset`: the ERC-20 contract, or the zero address for the native coin.
 * - `amount`: base units (for a contract call, the native value sent).
 * - `data`: the calldata as submitted (`0x` for none). EIP-712 hashes `bytes` to keccak256 itself, so
 *   the typed data keeps the whole call for a wallet or an auditor to show at no cost to the digest.
 * - `expiresAtMs`: the approval request's expiry in unix **milliseconds**: RequestApproval stores an
 *   expiry with milliseconds, and rounding it to seconds would sign an instant other than the one enforced.
 */
export const TRANSFER_APPROVAL_TYPES = {
  TransferApproval: [
    { name: 'decision', type: 'string' },
    { name: 'approvalRequestId', type: 'string' },
    { name: 'transferId', type: 'string' },
    { name: 'walletId', type: 'string' },
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'asset', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'data', type: 'bytes' },
    { name: 'expiresAtMs', type: 'uint256' },
  ],
} as const;

/**
 * The EIP-712 types of a decision on a governance change request. The domain is the audit domain
 * (name "strongroom", version "1", salt = keccak256(deploymentId), no chainId: a change such as a policy
 * or a group spans chains).
 *
 * - `decision`: "approve", or "reject" (a veto).
 * - `changeId`: the change request.
 * - `kind`: what the change does (e.g. "policy.set"); it names the schema of the payload.
 * - `payloadHash`: keccak256 of the payload's canonical JSON (`canonicalJson`).
 */
export const CHANGE_APPROVAL_TYPES = {
  ChangeApproval: [
    { name: 'decision', type: 'string' },
    { name: 'changeId', type: 'string' },
    { name: 'kind', type: 'string' },
    { name: 'payloadHash', type: 'bytes32' },
  ],
} as const;

/** A transfer's intent as RequestApproval recorded it, and the request it is decided under. */
export interface TransferApprovalInput {
  readonly deploymentId: string;
  readonly chainId: number;
  readonly decision: PasskeyDecision;
  readonly approvalRequestId: string;
  readonly transferId: string;
  readonly walletId: string;
  readonly from: Address;
  readonly to: Address;
  readonly asset: Asset;
  readonly amount: bigint;
  readonly data: Hex;
  readonly expiresAt: Date;
}

export interface ChangeApprovalInput {
  readonly deploymentId: string;
  readonly decision: PasskeyDecision;
  readonly changeId: string;
  readonly kind: string;
  readonly payload: unknown;
}

/** The digest an approver's passkey signs to decide on a transfer (its challenge is `challengeOfDigest` of it). */
export function transferApprovalDigest(input: TransferApprovalInput): Hex {
  assertDecision(input.decision);
  const expiresAtMs = input.expiresAt instanceof Date ? input.expiresAt.getTime() : Number.NaN;
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs < 0)
    throw new ValidationError('PROOF.MALFORMED', 'expiresAt', 'must be a valid date after 1970');
  return hashProofTypedData({
    domain: authorizationDomain({ deploymentId: input.deploymentId, chainId: input.chainId }),
    types: TRANSFER_APPROVAL_TYPES,
    primaryType: 'TransferApproval',
    message: {
      decision: input.decision,
      approvalRequestId: input.approvalRequestId,
      transferId: input.transferId,
      walletId: input.walletId,
      from: input.from,
      to: input.to,
      asset: input.asset === 'native' ? zeroAddress : input.asset,
      amount: input.amount,
      data: input.data,
      expiresAtMs: BigInt(expiresAtMs),
    },
  });
}

/** The digest a governance member's passkey signs to decide on a change request. */
export function changeApprovalDigest(input: ChangeApprovalInput): Hex {
  assertDecision(input.decision);
  return hashProofTypedData({
    domain: auditDomain({ deploymentId: input.deploymentId }),
    types: CHANGE_APPROVAL_TYPES,
    primaryType: 'ChangeApproval',
    message: {
      decision: input.decision,
      changeId: input.changeId,
      kind: input.kind,
      payloadHash: changePayloadHash(input.payload),
    },
  });
}

/** keccak256 of the payload's canonical JSON (UTF-8). */
export function changePayloadHash(payload: unknown): Hex {
  return keccak256(stringToBytes(canonicalJson(payload)));
}

/**
 * The WebAuthn challenge of a digest: its 32 bytes in base64url (43 characters), which is what the
 * browser's clientDataJSON carries back, so a verifier compares strings.
 */
export function challengeOfDigest(digest: Hex): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest))
    throw new ValidationError('PROOF.MALFORMED', 'digest', 'must be 32 bytes of 0x-hex');
  return bytesToBase64url(hexToBytes(digest));
}

function assertDecision(decision: unknown): void {
  if (decision !== 'approve' && decision !== 'reject')
    throw new ValidationError('PROOF.MALFORMED', 'decision', 'must be "approve" or "reject"');
}

import { keccak256, toHex, type Hex, type TypedDataDomain } from 'viem';
import { ValidationError } from '../errors';

/**
 * Which deployment and chain an authorization proof belongs to.
 *
 * `deploymentId` names one installation (e.g. its AWS account and stack). It becomes the EIP-712
 * domain's `salt` (keccak256 of its UTF-8 bytes), so a proof signed for another deployment never
 * verifies here, even if both happen to share an approval key address. There is no
 * `verifyingContract`: nothing is verified on chain, and inventing one would suggest otherwise.
 */
export interface ProofDomain {
  readonly deploymentId: string;
  readonly chainId: number;
}

/** The domain of audit checkpoints: the deployment only, since the audit trail spans chains. */
export type AuditDomain = Pick<ProofDomain, 'deploymentId'>;

const NAME = 'strongroom';
const VERSION = '1';

/** The EIP-712 domain of authorization proofs: bound to the deployment and to the transaction's chain. */
export function authorizationDomain(domain: ProofDomain): TypedDataDomain {
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId <= 0) {
    throw new ValidationError('PROOF.MALFORMED', 'domain.chainId', 'must be a positive integer');
  }
  return { name: NAME, version: VERSION, chainId: domain.chainId, salt: deploymentSalt(domain.deploymentId) };
}

/** The EIP-712 domain of audit checkpoints. */
export function auditDomain(domain: AuditDomain): TypedDataDomain {
  return { name: NAME, version: VERSION, salt: deploymentSalt(domain.deploymentId) };
}

function deploymentSalt(deploymentId: string): Hex {
  if (typeof deploymentId !== 'string' || deploymentId.length === 0) {
    throw new ValidationError('PROOF.MALFORMED', 'domain.deploymentId', 'must be a non-empty string');
  }
  return keccak256(toHex(deploymentId));
}

import { ProofError } from '../errors';
import type { Address } from '../address';
import type { PreparedTransaction } from '../lifecycle/transfer-events';
import { assertSignedBy } from './assert-signed-by';
import { hashAuthorization, type AuthorizationProof } from './authorization-proof';
import { firstDifferingField } from './first-differing-field';
import type { ProofDomain } from './proof-domain';

/** What a signer knows independently of the proof, and checks the proof against. */
export interface VerifyAuthorizationProofParams {
  readonly domain: ProofDomain;
  readonly proof: AuthorizationProof;
  /** 65 bytes r ‖ s ‖ v, low-s; anything else is refused (see {@link assertSignedBy}). */
  readonly signature: unknown;
  /** The approval key's address, from the signer's own configuration, never from its caller. */
  readonly expectedSigner: Address;
  /** The unsigned transaction the caller asks to sign. */
  readonly transaction: PreparedTransaction;
  readonly transferId: string;
  readonly walletId: string;
  readonly now: Date;
}

/**
 * Verifies an authorization proof or throws a ProofError: `PROOF.INVALID` (bad or foreign
 * signature, including a proof altered after signing), `PROOF.EXPIRED` (now ≥ validUntil), or
 * `PROOF.MISMATCH` with `details.field` naming the first thing that differs from what the signer
 * was asked to sign. The signature is checked first, so nothing unauthenticated is compared; the
 * one exception is a proof for another chain than the domain's, refused up front as a mismatch of
 * `chainId` because its typed data cannot even be built (as is one whose values do not encode:
 * `PROOF.MALFORMED`).
 */
export async function verifyAuthorizationProof(params: VerifyAuthorizationProofParams): Promise<AuthorizationProof> {
  const { proof } = params;
  await assertSignedBy({
    digest: hashAuthorization(params.domain, proof),
    signature: params.signature,
    expectedSigner: params.expectedSigner,
  });
  if (params.now.getTime() >= proof.validUntil.getTime()) {
    throw new ProofError('PROOF.EXPIRED', `the proof was valid until ${proof.validUntil.toISOString()}`, {
      details: { validUntil: proof.validUntil.toISOString() },
    });
  }
  if (proof.transferId !== params.transferId) throw mismatch('transferId');
  if (proof.walletId !== params.walletId) throw mismatch('walletId');
  const field = firstDifferingField(proof.transaction, params.transaction);
  if (field !== undefined) throw mismatch(field);
  return proof;
}

function mismatch(field: string): ProofError {
  return new ProofError('PROOF.MISMATCH', `the proof's ${field} is not the one to be signed`, { details: { field } });
}

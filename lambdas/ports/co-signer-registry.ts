import type { CoSignerInvocation, CoSignerRegistrationAnswer, CoSignerRetireAnswer } from '../../enclave-host/contract';

/** What the wallets function hands the co-signer when an mpc wallet is created (enclave-host/contract.ts). */
export type CoSignerRegistration = Omit<Extract<CoSignerInvocation, { op: 'register' }>, 'op'>;

/**
 * The co-signer (issue 16) as the functions that create and revoke mpc wallets see it: a separate
 * function with its own KMS key, role and table (`lambdas/co-signer/`). In the cloud a Lambda Invoke
 * of that function; locally the same use cases in process. Throws DependencyUnavailableError
 * (COSIGNER.UNAVAILABLE) when the co-signer cannot be reached or fails; a refusal is an answer.
 */
export interface CoSignerRegistry {
  /** Stores share 2 of a new mpc key, only if the enclave's attestation vouches for it. */
  register(registration: CoSignerRegistration): Promise<CoSignerRegistrationAnswer>;
  /** After KEY_REVOKED: the wallet's share of `epoch` is never released again. */
  retire(walletId: string, epoch: string, reason: string): Promise<CoSignerRetireAnswer>;
}

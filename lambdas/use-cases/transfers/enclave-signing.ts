import type { Hex } from 'viem';
import { SigningError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import type { SealedAgentKey } from '../../domain/wallets/sealed-agent-key';
import { verifySignedTransaction } from '../../signing/verify-signed-transaction';
import type { Wallet } from '../../domain/wallets/wallet';
import { loadWallet } from './load-wallet';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import { authorizedSigning, recordSigned, recordSigningRequested, type SignTransferDeps } from './sign-transfer';

export type EnclaveSigningDeps = Pick<
  SignTransferDeps,
  'events' | 'wallets' | 'approvalKeyAddress' | 'deploymentId' | 'audit' | 'clock'
>;

/**
 * The body of the signing job (enclave-host/contract.ts `SigningJob`, without the task token the
 * state machine adds): everything the enclave needs and nothing it trusts without checking. The
 * enclave verifies the proof against the approval key built into its image and rebuilds the
 * transaction from it; the sealed key opens only inside it, for this wallet.
 */
export interface EnclaveSigningJob {
  /** `${transferId}:${attempt}:${proofId}`: the host answers a redelivered job with its stored result. */
  readonly jobId: string;
  readonly transferId: string;
  readonly walletId: string;
  readonly proof: unknown;
  readonly proofSignature: unknown;
  readonly sealedKey: SealedAgentKey;
}

const REQUEST_ACTOR = 'workflow:prepare-enclave-sign';
const RECORD_ACTOR = 'workflow:record-enclave-signature';

/**
 * PrepareEnclaveSign (ARCHITECTURE.md §4.6, enclave wallets): the checks every signer makes before a
 * signature may exist (the proof verified against what this transfer recorded), SIGNING_REQUESTED
 * recorded, then the job the Sign state puts on the signing queue. A refusal here happens before any
 * signature can exist, so compensation may release the funds.
 */
export function prepareEnclaveSigning(
  deps: EnclaveSigningDeps,
  input: StepInput & { readonly proof: unknown; readonly signature: unknown },
): Promise<StepOutput<{ job: EnclaveSigningJob }>> {
  return runTransferStep(deps.events, input, async (loaded) => {
    const authorized = await authorizedSigning(deps, input, loaded);
    if ('done' in authorized) {
      // Signed already (a retried step): the same job again; the host answers it from its stored result.
      const done = loaded.attempts.find((a) => a.attempt === authorized.done.attempt);
      const wallet = await loadWallet(deps.wallets, loaded.walletId);
      if (done === undefined) throw new SigningError('SIGNER.SIGNATURE_MISMATCH', 'the signed attempt has no record');
      return { result: { job: jobOf(loaded, enclaveKeyOf(wallet), done.attempt, done.proofId, input) }, state: loaded };
    }
    const { wallet, proofId } = authorized;
    const sealedKey = enclaveKeyOf(wallet);
    const requested = await recordSigningRequested(deps, loaded, {
      proofId,
      keyScheme: wallet.keyScheme,
      actor: REQUEST_ACTOR,
    });
    return { result: { job: jobOf(loaded, sealedKey, requested.attempt, proofId, input) }, state: requested.state };
  });
}

function enclaveKeyOf(wallet: Wallet): SealedAgentKey {
  if (wallet.keyScheme !== 'enclave' || wallet.sealedKey === undefined)
    throw new SigningError(
      'SIGNER.FORBIDDEN_PAYLOAD',
      `wallet ${wallet.id} is a ${wallet.keyScheme} wallet: the enclave never signs for it`,
    );
  return wallet.sealedKey;
}

function jobOf(
  state: TransferState,
  sealedKey: SealedAgentKey,
  attempt: number,
  proofId: string,
  input: { readonly proof: unknown; readonly signature: unknown },
): EnclaveSigningJob {
  return {
    jobId: `${state.id}:${attempt}:${proofId}`,
    transferId: state.id,
    walletId: state.walletId,
    proof: input.proof,
    proofSignature: input.signature,
    sealedKey,
  };
}

/**
 * RecordEnclaveSignature: what the enclave returned through the host and the queue is checked here
 * before anything is recorded: exactly the proof's transaction, signed canonically by the wallet's
 * key, and its hash. Then SIGNED, as the KMS signer records it. A retried step whose attempt is
 * signed already answers with it.
 */
export function recordEnclaveSignature(
  deps: EnclaveSigningDeps,
  input: StepInput & { readonly proof: unknown; readonly signature: unknown; readonly signed: unknown },
): Promise<StepOutput<{ attempt: number; txHash: Hex }>> {
  return runTransferStep(deps.events, input, async (loaded: TransferState) => {
    const authorized = await authorizedSigning(deps, input, loaded);
    if ('done' in authorized) return { result: authorized.done, state: loaded };
    const { wallet, proof, proofId, transaction } = authorized;
    const attempt = loaded.attempts.find((a) => a.proofId === proofId)?.attempt;
    if (attempt === undefined)
      throw new SigningError('SIGNER.SIGNATURE_MISMATCH', 'no signing was requested for this proof');
    const answer = (typeof input.signed === 'object' && input.signed !== null ? input.signed : {}) as Record<
      string,
      unknown
    >;
    const signed = await verifySignedTransaction({
      proof,
      from: wallet.address,
      serializedTransaction: answer.serializedTransaction,
      txHash: answer.txHash,
    });
    const state = await recordSigned(deps, loaded, {
      actor: RECORD_ACTOR,
      attempt,
      proofId,
      keyId: wallet.keyId,
      transaction,
      signed,
    });
    return { result: { attempt, txHash: signed.txHash }, state };
  });
}

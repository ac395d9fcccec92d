import type { Hex } from 'viem';
import { EnclaveJobInFlightError, SigningError, ValidationError } from '../../domain/errors';
import { FENCED_KEY_SCHEMES, SIGNING_SCHEMES } from '../../domain/lifecycle/signing-scheme';
import type { SigningAttempt, TransferState } from '../../domain/lifecycle/transfer-state';
import { verifySignedTransaction } from '../../signing/verify-signed-transaction';
import type { Wallet } from '../../domain/wallets/wallet';
import { loadWallet } from './load-wallet';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import {
  authorizedSigning,
  recordSigned,
  recordSigningRequested,
  refuseRevokedKey,
  type SignTransferDeps,
} from './sign-transfer';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

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
  /** An enclave wallet's sealed key; an mpc wallet's sealed share 1 (purpose 'key-share'). */
  readonly sealedKey: WalletSealedKey;
  /** Which enclave host backend signs it (enclave-host/contract.ts `SigningJob.scheme`). */
  readonly scheme: 'enclave' | 'mpc';
}

const REQUEST_ACTOR = 'workflow:prepare-enclave-sign';
const RECORD_ACTOR = 'workflow:record-enclave-signature';
const VOID_ACTOR = 'workflow:void-enclave-job';

/**
 * PrepareEnclaveSign (ARCHITECTURE.md §4.6, enclave and mpc wallets): the checks every signer makes before a
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
      return { result: { job: jobOf(loaded, queueKeyOf(wallet), done.attempt, done.proofId, input) }, state: loaded };
    }
    const { wallet, proofId } = authorized;
    refuseRevokedKey(wallet);
    const key = queueKeyOf(wallet);
    const requested = await recordSigningRequested(deps, loaded, {
      proofId,
      keyScheme: wallet.keyScheme,
      actor: REQUEST_ACTOR,
    });
    return { result: { job: jobOf(loaded, key, requested.attempt, proofId, input) }, state: requested.state };
  });
}

/** What a wallet signs with on the signing queue: its sealed key or share 1, and the job's scheme. */
interface QueueKey {
  readonly sealedKey: WalletSealedKey;
  readonly scheme: 'enclave' | 'mpc';
}

type WalletSealedKey = NonNullable<Wallet['sealedKey']>;

/** The wallet's key for a queue job; a wallet whose scheme does not sign on the queue never gets one. */
function queueKeyOf(wallet: Wallet): QueueKey {
  const scheme = SIGNING_SCHEMES[wallet.keyScheme].queueScheme;
  if (scheme === undefined || wallet.sealedKey === undefined)
    throw new SigningError(
      'SIGNER.FORBIDDEN_PAYLOAD',
      `wallet ${wallet.id} is a ${wallet.keyScheme} wallet: the enclave never signs for it`,
    );
  return { sealedKey: wallet.sealedKey, scheme };
}

function jobOf(
  state: TransferState,
  key: QueueKey,
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
    sealedKey: key.sealedKey,
    scheme: key.scheme,
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
  return runTransferStep(deps.events, input, (loaded) => recordChecked(deps, input, loaded, input.signed));
}

async function recordChecked(
  deps: EnclaveSigningDeps,
  input: { readonly proof: unknown; readonly signature: unknown },
  loaded: TransferState,
  signedByEnclave: unknown,
): Promise<{ result: { attempt: number; txHash: Hex }; state: TransferState }> {
  const authorized = await authorizedSigning(deps, input, loaded);
  if ('done' in authorized) return { result: authorized.done, state: loaded };
  const { wallet, proof, proofId, transaction } = authorized;
  const attempt = loaded.attempts.find((a) => a.proofId === proofId)?.attempt;
  if (attempt === undefined)
    throw new SigningError('SIGNER.SIGNATURE_MISMATCH', 'no signing was requested for this proof');
  const answer = (typeof signedByEnclave === 'object' && signedByEnclave !== null ? signedByEnclave : {}) as Record<
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
}

export type VoidEnclaveJobDeps = EnclaveSigningDeps & Pick<TransferDeps, 'enclaveJobs'>;

/** SIGNED: the job had been signed after all (recorded now; Broadcast next). VOIDED: provably no signature (Compensate next). */
export type EnclaveJobOutcome = 'SIGNED' | 'VOIDED';

/**
 * VoidEnclaveJob (ARCHITECTURE.md §6, "Enclave down"): the signing task failed or timed out, so the
 * workflow settles what became of its job in the shared job ledger before deciding anything:
 * - no host had claimed it: voided, so no host that follows the ledger ever signs it → SIGNING_VOIDED,
 *   and compensation may treat the attempt as never made (fill the nonce, release the funds);
 * - the enclave refused it: nothing was signed, and the refusal is the job's answer for good → the same;
 * - it was signed (the callback was lost, or came after the task timed out): the signature is checked
 *   and recorded exactly as RecordEnclaveSignature would → SIGNED, and the transfer goes on;
 * - a host claimed it and has not answered: a signature may exist. EnclaveJobInFlightError, which the
 *   state machine retries for a while; if it stays so, compensation finds the attempt in doubt and the
 *   chain decides (tracking, then reconciliation), never a guess.
 */
export function voidEnclaveJob(
  deps: VoidEnclaveJobDeps,
  input: StepInput & {
    readonly proof: unknown;
    readonly signature: unknown;
    readonly jobId: string;
    readonly error?: unknown;
  },
): Promise<StepOutput<{ outcome: EnclaveJobOutcome }>> {
  return runTransferStep<{ outcome: EnclaveJobOutcome }>(deps.events, input, async (loaded) => {
    const attempt = attemptOfJob(loaded, input.jobId);
    if (attempt.voided === true) return { result: { outcome: 'VOIDED' }, state: loaded };
    if (attempt.txHash !== undefined) return { result: { outcome: 'SIGNED' }, state: loaded };
    const failure = typeof input.error === 'string' ? input.error.slice(0, 200) : 'an unnamed failure';
    const settled = await deps.enclaveJobs.void(input.jobId, VOID_ACTOR, `the signing task ended with ${failure}`);
    if (settled.kind === 'in-flight')
      throw new EnclaveJobInFlightError(
        'ENCLAVE.JOB_IN_FLIGHT',
        `job ${input.jobId} was claimed by ${settled.claimedBy} at ${settled.claimedAt} and has no answer`,
      );
    let reason: string;
    if (settled.kind === 'voided') {
      reason = `no enclave host had claimed the job when the signing task ended with ${failure}: voided, never to be signed`;
    } else if (settled.answer.kind === 'refused') {
      reason = `the enclave refused the job (${settled.answer.code}): nothing was signed`;
    } else if (settled.answer.kind === 'signed') {
      // Signed after all (its callback was lost, or came after the task had timed out): checked, recorded.
      const recorded = await recordChecked(deps, input, loaded, settled.answer.result);
      return { result: { outcome: 'SIGNED' }, state: recorded.state };
    } else {
      throw new SigningError('SIGNER.SIGNATURE_MISMATCH', `job ${input.jobId} was answered with something else`);
    }
    const state = await deps.events.append(
      loaded,
      eventsAfter(loaded, VOID_ACTOR, deps.clock(), [
        { type: 'SIGNING_VOIDED', data: { attempt: attempt.attempt, jobId: input.jobId, reason } },
      ]),
    );
    return { result: { outcome: 'VOIDED' }, state };
  });
}

/** The attempt a job id names (`${transferId}:${attempt}:${proofId}`), which must be this transfer's. */
function attemptOfJob(state: TransferState, jobId: string): SigningAttempt {
  const [transferId, attemptText, proofId, ...rest] = jobId.split(':');
  const attempt = state.attempts.find((a) => String(a.attempt) === attemptText && a.proofId === proofId);
  if (transferId !== state.id || rest.length > 0 || attempt === undefined)
    throw new ValidationError('REQUEST.INVALID_FIELD', 'jobId', `names no signing attempt of transfer ${state.id}`);
  if (!FENCED_KEY_SCHEMES.has(attempt.keyScheme))
    throw new SigningError('SIGNER.FORBIDDEN_PAYLOAD', `attempt ${attempt.attempt} was not an enclave job`);
  return attempt;
}

import { sha256, type Hex } from 'viem';
import type {
  AttestationVerifier,
  CoSignerReleaseAnswer,
  CoSignerReleaseRequest,
  CoSignerRefusalCode,
  HpkeSealed,
} from '../../enclave-host/contract';
import { isAttestationError } from '../../enclave-host/attestation/attestation-error';
import { sameAddress } from '../domain/address';
import type { Asset } from '../domain/asset';
import { ProofError, StrongroomError } from '../domain/errors';
import type { PreparedTransaction } from '../domain/lifecycle/transfer-events';
import { hashAuthorization } from '../domain/proof/authorization-proof';
import type { ProofDomain } from '../domain/proof/proof-domain';
import { verifyAuthorizationProof } from '../domain/proof/verify-authorization-proof';
import { DEFAULT_ATTESTATION_MAX_AGE_SECONDS, type CoSignerConfig } from './co-signer-config';
import { CoSignerRefusal, refuse } from './domain/co-signer-refusal';
import { CAP_WINDOW_MS, capFor, withinCap } from './domain/daily-cap';
import { mpcSessionUserData } from '../../enclave-host/enclave/mpc-session-user-data';
import { parseReleaseRequest, type ParsedReleaseRequest } from './domain/parse-release-request';
import { exposureOf } from './domain/transfer-exposure';
import type { CoSignerShareRecord, CoSignerShareStore } from './ports/co-signer-share-store';
import type { ReleaseLog } from './ports/release-log';
import type { ShareDecrypter } from './ports/share-decrypter';
import type { ShareSealer } from './ports/share-sealer';

export interface ReleaseShareDeps {
  readonly config: CoSignerConfig;
  readonly shares: CoSignerShareStore;
  readonly releases: ReleaseLog;
  readonly decrypter: ShareDecrypter;
  readonly sealShare: ShareSealer;
  readonly verifier: AttestationVerifier;
  readonly clock: () => Date;
}

/** An X25519 public key (RFC 7748): the only key share 2 is ever encrypted to. */
const X25519_PUBLIC_KEY_BYTES = 32;

/**
 * Releases share 2 of an mpc wallet for one signing job, after the co-signer's own checks, in this
 * order (each refusal final for the job, its message naming the rule):
 * 1. the request parses (BAD_REQUEST);
 * 2. the proof is signed by the configured approval key, for this wallet, unexpired (PROOF_INVALID),
 *    and the job is this proof's: its transfer and proof id (TRANSACTION_MISMATCH);
 * 3. the wallet has a share (UNKNOWN_WALLET); the proof's transaction is from its address
 *    (TRANSACTION_MISMATCH); its epoch is not retired (EPOCH_RETIRED);
 * 4. the cap: this transaction's exposure plus the last 24 h's releases stay within the wallet's cap
 *    for the asset; a proof released before is not counted again (CAP_EXCEEDED); checked again when
 *    the release is recorded, in the same step as the append, so concurrent releases cannot overshoot it;
 * 5. the session's attestation verifies for this deployment, wallet and job and carries an X25519
 *    public key (ATTESTATION_INVALID).
 * Then share 2 is decrypted, HPKE-encrypted to that key and zeroised, and the release is recorded
 * before the answer leaves: an answer without its record never exists. A refusal records nothing.
 * Failures of a dependency (store, KMS) throw: the caller retries or fails the job, nothing is released.
 */
export async function releaseShare(
  deps: ReleaseShareDeps,
  request: CoSignerReleaseRequest,
): Promise<CoSignerReleaseAnswer> {
  try {
    return { ok: true, share: await release(deps, request) };
  } catch (cause) {
    if (cause instanceof CoSignerRefusal)
      return { ok: false, code: cause.code as CoSignerRefusalCode, message: cause.message };
    throw cause;
  }
}

async function release(deps: ReleaseShareDeps, input: CoSignerReleaseRequest): Promise<HpkeSealed> {
  const now = deps.clock();
  const request = parseReleaseRequest(input);
  const { proof } = request;
  const proofId = await verifiedProofId(deps.config, request, now);

  const record = await deps.shares.current(request.walletId);
  if (record === undefined)
    return refuse('COSIGNER.UNKNOWN_WALLET', `no share is registered for wallet ${request.walletId}`);
  const { context } = record.share;
  if (!sameAddress(proof.transaction.from, context.address))
    refuse(
      'COSIGNER.TRANSACTION_MISMATCH',
      `the proof's transaction is from ${proof.transaction.from}, not the wallet's ${context.address}`,
    );
  if (record.retired !== undefined)
    refuse('COSIGNER.EPOCH_RETIRED', `epoch ${context.epoch} of wallet ${request.walletId} is retired`);

  const capped = await checkCap(deps, request.walletId, proofId, now, proof.transaction);
  const recipientKey = await attestedSessionKey(deps, request, now);

  const sealed = await sealedShare(deps, record, recipientKey);
  // The cap again, with the append, as one step: the check above read the log before the attestation
  // and KMS, and another release of the wallet may have committed since. Losing here drops the sealed
  // share unreturned.
  const recorded = await deps.releases.recordWithinCap(
    {
      walletId: request.walletId,
      proofId,
      jobId: request.jobId,
      transferId: proof.transferId,
      epoch: context.epoch,
      asset: capped.asset,
      amount: capped.amount,
      recipientKeyDigest: sha256(recipientKey),
      at: now,
    },
    capped.cap,
    windowStart(now),
  );
  if (typeof recorded === 'object')
    refuse('COSIGNER.CAP_EXCEEDED', overCap(request.walletId, capped, recorded.releasedInWindow));
  return sealed;
}

/** Step 2: the proof verifies against the co-signer's own approval key and covers exactly this job. */
async function verifiedProofId(config: CoSignerConfig, request: ParsedReleaseRequest, now: Date): Promise<Hex> {
  const { proof } = request;
  const domain: ProofDomain = { deploymentId: config.deploymentId, chainId: proof.transaction.chainId };
  try {
    await verifyAuthorizationProof({
      domain,
      proof,
      signature: request.proofSignature,
      expectedSigner: config.approvalKeyAddress,
      // The proof's own transaction and transfer: the co-signer has no other to compare; the wallet is the request's.
      transaction: proof.transaction,
      transferId: proof.transferId,
      walletId: request.walletId,
      now,
    });
  } catch (cause) {
    if (cause instanceof ProofError && cause.code === 'PROOF.MISMATCH')
      refuse('COSIGNER.PROOF_INVALID', `the proof is for wallet ${proof.walletId}, not ${request.walletId}`);
    if (cause instanceof StrongroomError) refuse('COSIGNER.PROOF_INVALID', cause.message);
    throw cause;
  }
  // Compared only once authenticated: a job names the transfer and proof it signs for.
  const proofId = hashAuthorization(domain, proof);
  if (request.job.transferId !== proof.transferId)
    refuse(
      'COSIGNER.TRANSACTION_MISMATCH',
      `the job is for transfer ${request.job.transferId}, the proof for ${proof.transferId}`,
    );
  if (request.job.proofId !== proofId)
    refuse('COSIGNER.TRANSACTION_MISMATCH', 'the job names another proof than the one given');
  return proofId;
}

/** What the cap counts for this release: the asset and amount the transaction exposes, and the wallet's cap for it. */
interface CappedExposure {
  readonly asset: Asset;
  readonly amount: bigint;
  readonly cap: bigint;
}

const windowStart = (now: Date): Date => new Date(now.getTime() - CAP_WINDOW_MS);

const overCap = (walletId: string, { asset, amount, cap }: CappedExposure, released: bigint): string =>
  `${amount} more of ${asset} after ${released} released in 24 h exceeds wallet ${walletId}'s cap of ${cap}`;

/**
 * Step 4: the wallet's own daily cap for the asset the transaction exposes, before anything is
 * decrypted. Not the last word: `recordWithinCap` checks it again atomically with the append.
 */
async function checkCap(
  deps: ReleaseShareDeps,
  walletId: string,
  proofId: Hex,
  now: Date,
  transaction: PreparedTransaction,
): Promise<CappedExposure> {
  const exposure = exposureOf(transaction);
  if (exposure.kind === 'unvalued')
    return refuse('COSIGNER.CAP_EXCEEDED', `the co-signer's cap cannot value this transaction: ${exposure.reason}`);
  const cap = capFor(deps.config.caps, walletId, exposure.asset);
  if (cap === undefined)
    return refuse('COSIGNER.CAP_EXCEEDED', `no daily cap is configured for ${exposure.asset} on wallet ${walletId}`);
  const capped = { asset: exposure.asset, amount: exposure.amount, cap };
  // A redelivered job's proof was counted when first released: counting it again would refuse its retry.
  if ((await deps.releases.find(walletId, proofId)) !== undefined) return capped;
  const released = await deps.releases.releasedSince(walletId, exposure.asset, windowStart(now));
  if (!withinCap(cap, released, exposure.amount)) refuse('COSIGNER.CAP_EXCEEDED', overCap(walletId, capped, released));
  return capped;
}

/** Step 5: the enclave session asking for the share, attested for this job, and its public key. */
async function attestedSessionKey(
  deps: ReleaseShareDeps,
  request: ParsedReleaseRequest,
  now: Date,
): Promise<Uint8Array> {
  let publicKey: Uint8Array | undefined;
  try {
    ({ publicKey } = await deps.verifier.verify(request.attestation, {
      pcrs: deps.config.pcrs,
      now,
      maxAgeSeconds: deps.config.attestationMaxAgeSeconds ?? DEFAULT_ATTESTATION_MAX_AGE_SECONDS,
      userData: mpcSessionUserData(deps.config.deploymentId, request.walletId, request.jobId),
    }));
  } catch (cause) {
    if (isAttestationError(cause))
      refuse('COSIGNER.ATTESTATION_INVALID', `the session's attestation: ${cause.message}`);
    throw cause;
  }
  if (publicKey?.length !== X25519_PUBLIC_KEY_BYTES)
    refuse('COSIGNER.ATTESTATION_INVALID', "the session's attestation carries no 32-byte X25519 public key");
  return publicKey;
}

/** Share 2 in plaintext only between Decrypt and sealing, then zeroised, whatever happens. */
async function sealedShare(
  deps: ReleaseShareDeps,
  record: CoSignerShareRecord,
  recipientKey: Uint8Array,
): Promise<HpkeSealed> {
  const plaintext = await deps.decrypter.decrypt(record.share);
  try {
    return await deps.sealShare(recipientKey, plaintext, record.share.context);
  } finally {
    plaintext.fill(0);
  }
}

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { sameAddress } from '../../lambdas/domain/address';
import { ProofError, SigningError, StrongroomError } from '../../lambdas/domain/errors';
import type { AuthorizationProof } from '../../lambdas/domain/proof/authorization-proof';
import { proofFromJson } from '../../lambdas/domain/proof/proof-json';
import type { ProofDomain } from '../../lambdas/domain/proof/proof-domain';
import { verifyAuthorizationProof } from '../../lambdas/domain/proof/verify-authorization-proof';
import { signCustodyTransaction } from '../../lambdas/signing/custody-transaction-signer';
import {
  PROTOCOL_VERSION,
  type CoSignerShare,
  type CreatedAgentKey,
  type CreatedMpcKey,
  type EnclaveImageConfig,
  type EnclaveRequest,
  type EnclaveResult,
  type KmsCredentials,
  type Nsm,
  type SealContext,
  type SealedKey,
  type SealPurpose,
  type ShareContext,
  type SignedByEnclave,
} from '../contract';
import { EnclaveError } from '../protocol/enclave-error';
import { parseEnclaveRequest } from '../protocol/enclave-request';
import type { EnclaveHandler } from '../protocol/serve-frames';
import { combineShares, decodeBase64url, isShareError, openShare, sealShare, splitKey, zeroise } from '../shares';
import { agentKeyUserData } from './agent-key-user-data';
import type { EnclaveKms } from './enclave-kms';
import { mpcKeyUserData } from './mpc-key-user-data';
import { mpcSessionUserData } from './mpc-session-user-data';
import { mpcSessions } from './mpc-sessions';
import { ONE_SHOT_KEY_ID, oneShotKeyVault } from './one-shot-key-vault';
import { kmsCall, sealSecret, unsealSecret, type SealDeps } from './seal-secret';

export interface EnclaveDeps {
  /** Compiled into the image: the only source of the deployment, approval key and sealing key. */
  readonly config: EnclaveImageConfig;
  readonly nsm: Nsm;
  readonly kms: EnclaveKms;
  /** Key and IV bytes. Default: the module's own random source (NSM GetRandom in production). */
  readonly random?: (length: number) => Promise<Uint8Array>;
  /** For proof expiry and mpc sessions' lifetime. Default: the enclave's clock. */
  readonly clock?: () => Date;
}

/** An mpc key's first epoch (issue 16): rotation makes a new key, at epoch + 1. */
const FIRST_EPOCH = '1';

const SECRET_KEY_BYTES = 32;
/** A random 32 bytes fall outside [1, n − 1] with probability about 2⁻¹²⁸: a few tries are plenty. */
const KEY_ATTEMPTS = 8;

/**
 * The enclave's logic, without a socket: one handler per request (ARCHITECTURE.md §6, issue 15).
 *
 * Everything it trusts comes from `config`, compiled into the measured image: which deployment it
 * serves, whose proofs it accepts, which KMS key seals. Everything in a request is checked against
 * that: the request parses strictly (no digest, no transaction, no key to trust), a sealed key must
 * carry this deployment's context for the request's wallet, a proof must be signed by the
 * compiled-in approval key, and the transaction signed is rebuilt from the proof alone.
 *
 * Plaintext keys exist only between unsealing (or generating) and the end of the request, in buffers
 * zeroised in `finally`; no error message carries one (messages name rules and fields only).
 */
export function createEnclave(deps: EnclaveDeps): EnclaveHandler {
  const { config, nsm } = deps;
  const random = deps.random ?? ((length: number) => nsm.random(length));
  const clock = deps.clock ?? (() => new Date());
  const seal: SealDeps = { config, nsm, kms: deps.kms, random };
  const sessions = mpcSessions({ random, clock });

  const handle = async (input: EnclaveRequest): Promise<EnclaveResult> => {
    // Parsed again here: the handler is the trust boundary, whatever transport called it.
    const request = parseEnclaveRequest(input);
    switch (request.op) {
      case 'health':
        return { op: 'health', protocol: PROTOCOL_VERSION, mode: config.mode };
      case 'createAgentKey':
        return {
          op: 'createAgentKey',
          ...(await createKey(request.walletId, '1', request.credentials)),
        };
      case 'rotateAgentKey': {
        checkContext(request.current.context, request.walletId, 'agent-key');
        const version = String(Number(request.current.context.version) + 1);
        return { op: 'rotateAgentKey', ...(await createKey(request.walletId, version, request.credentials)) };
      }
      case 'sign':
        return { op: 'sign', ...(await sign(request)) };
      case 'createMpcKey':
        return { op: 'createMpcKey', ...(await createMpcKey(request)) };
      case 'openMpcSession':
        return { op: 'openMpcSession', ...(await openMpcSession(request.walletId, request.jobId)) };
      case 'signMpc':
        return { op: 'signMpc', ...(await signMpc(request)) };
    }
  };

  /** A new key made inside, sealed at once, and vouched for by an attestation of (deployment, wallet, address). */
  const createKey = async (
    walletId: string,
    version: string,
    credentials: KmsCredentials,
  ): Promise<CreatedAgentKey> => {
    const context: SealContext = { deployment: config.deploymentId, walletId, purpose: 'agent-key', version };
    const secret = await newSecretKey(random);
    try {
      const address = publicKeyToAddress(bytesToHex(secp256k1.getPublicKey(secret, false)));
      const sealedKey = await sealSecret(seal, secret, context, address, credentials);
      const document = await nsm.attest({ userData: agentKeyUserData(config.deploymentId, walletId, address) });
      return { address, sealedKey, attestation: Buffer.from(document).toString('base64') };
    } finally {
      secret.fill(0);
    }
  };

  /**
   * Everything checked before a key is unsealed, for `sign` and `signMpc` alike: the proof parses, is
   * for the request's wallet and transfer, is signed by the compiled-in approval key and unexpired, and
   * its transaction's from is the sealed record's address. An unauthorized request never reaches KMS.
   */
  const authorize = async (
    request: Pick<Extract<EnclaveRequest, { op: 'sign' }>, 'transferId' | 'walletId' | 'proof' | 'proofSignature'>,
    sealed: SealedKey,
    purpose: SealPurpose,
  ): Promise<{ readonly proof: AuthorizationProof; readonly proofDomain: ProofDomain }> => {
    const proof = parseProof(request.proof);
    if (proof.walletId !== request.walletId) {
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the proof is for another wallet than the request');
    }
    checkContext(sealed.context, request.walletId, purpose);
    const proofDomain: ProofDomain = { deploymentId: config.deploymentId, chainId: proof.transaction.chainId };
    await refusals(() =>
      verifyAuthorizationProof({
        domain: proofDomain,
        proof,
        signature: request.proofSignature,
        expectedSigner: config.approvalKeyAddress,
        transaction: proof.transaction,
        transferId: request.transferId,
        walletId: request.walletId,
        now: clock(),
      }),
    );
    if (!sameAddress(sealed.address, proof.transaction.from)) {
      throw new EnclaveError('ENCLAVE.ADDRESS_MISMATCH', "the sealed key's address is not the proof's from");
    }
    return { proof, proofDomain };
  };

  /** Signs the proof's own transaction (the request has no other, and no digest) with a key the caller zeroises. */
  const signProofTransaction = async (
    secret: Uint8Array,
    expectedAddress: SealedKey['address'],
    authorized: { readonly proof: AuthorizationProof; readonly proofDomain: ProofDomain },
    request: Pick<Extract<EnclaveRequest, { op: 'sign' }>, 'transferId' | 'walletId' | 'proofSignature'>,
  ): Promise<SignedByEnclave> => {
    const { proof, proofDomain } = authorized;
    const vault = oneShotKeyVault(secret);
    // A ciphertext swapped in under this wallet's context would open to another key: refused here.
    if (!sameAddress(vault.address, expectedAddress)) {
      throw new EnclaveError('ENCLAVE.ADDRESS_MISMATCH', 'the unsealed key is not the sealed key’s address');
    }
    const signed = await refusals(() =>
      signCustodyTransaction(
        { keyVault: vault, proofDomain, approvalKeyAddress: config.approvalKeyAddress, clock },
        {
          transferId: request.transferId,
          walletId: request.walletId,
          keyId: ONE_SHOT_KEY_ID,
          transaction: proof.transaction,
          proof,
          proofSignature: request.proofSignature,
        },
      ),
    );
    return { serializedTransaction: signed.serializedTransaction, txHash: signed.txHash };
  };

  const sign = async (request: Extract<EnclaveRequest, { op: 'sign' }>): Promise<SignedByEnclave> => {
    const authorized = await authorize(request, request.sealedKey, 'agent-key');
    const secret = await unsealSecret(seal, request.sealedKey, request.credentials);
    try {
      return await signProofTransaction(secret, request.sealedKey.address, authorized, request);
    } finally {
      secret.fill(0);
    }
  };

  /**
   * A key made inside and split 2-of-3 at once (every pair checked by splitKey): share 1 sealed to the
   * enclave, share 2 encrypted by KMS under the co-signer's compiled-in key, share 3 HPKE-encrypted to
   * the customer's recovery key; an attestation commits to the wallet, address, epoch and both
   * ciphertexts. The whole key exists only in this call.
   */
  const createMpcKey = async (request: Extract<EnclaveRequest, { op: 'createMpcKey' }>): Promise<CreatedMpcKey> => {
    const coSignerKeyArn = config.coSignerKeyArn;
    if (coSignerKeyArn === undefined) {
      throw new EnclaveError('ENCLAVE.BAD_REQUEST', 'this enclave image has no co-signer key: it makes no mpc keys');
    }
    const { walletId, credentials } = request;
    const epoch = FIRST_EPOCH;
    const secret = await newSecretKey(random);
    let shares: readonly Uint8Array[] = [];
    try {
      const split = await shareErrors('ENCLAVE.INTERNAL', () => splitKey(secret));
      shares = split.shares;
      const [share1, share2, share3] = split.shares;
      const { address } = split;
      const shareContext = (share: ShareContext['share']): ShareContext => ({
        deployment: config.deploymentId,
        walletId,
        address,
        epoch,
        share,
      });
      const sealContext: SealContext = {
        deployment: config.deploymentId,
        walletId,
        purpose: 'key-share',
        version: epoch,
      };
      const sealedShare = await sealSecret(seal, share1, sealContext, address, credentials);
      const coSignerContext = shareContext('2');
      const { ciphertextBlob } = await kmsCall('Encrypt', () =>
        deps.kms.encrypt({
          keyId: coSignerKeyArn,
          plaintext: share2,
          encryptionContext: { ...coSignerContext },
          credentials,
        }),
      );
      const coSignerShare: CoSignerShare = {
        format: 'strongroom.cosigner-share.v1',
        context: coSignerContext,
        ciphertextBlob: Buffer.from(ciphertextBlob).toString('base64'),
      };
      // The recovery key was parsed with the request; a refusal here is a low-order point or the like.
      const recoveryShare = await shareErrors('ENCLAVE.BAD_REQUEST', () =>
        sealShare(request.recoveryPublicKey, share3, shareContext('3')),
      );
      const recoveryCiphertext = decodeBase64url(recoveryShare.ciphertext);
      if (recoveryCiphertext === undefined) throw new EnclaveError('ENCLAVE.INTERNAL', 'share 3 is not base64url');
      const document = await nsm.attest({
        userData: mpcKeyUserData({
          deployment: config.deploymentId,
          walletId,
          address,
          epoch,
          coSignerCiphertext: ciphertextBlob,
          recoveryCiphertext,
        }),
      });
      return {
        address,
        epoch,
        sealedShare,
        coSignerShare,
        recoveryShare,
        attestation: Buffer.from(document).toString('base64'),
      };
    } finally {
      zeroise(secret, ...shares);
    }
  };

  /** A session key pair for one job, attested: its public key is what the co-signer encrypts share 2 to. */
  const openMpcSession = async (
    walletId: string,
    jobId: string,
  ): Promise<{ readonly sessionId: string; readonly attestation: string }> => {
    const { sessionId, publicKey } = await sessions.open(walletId, jobId);
    const document = await nsm.attest({
      publicKey,
      userData: mpcSessionUserData(config.deploymentId, walletId, jobId),
    });
    return { sessionId, attestation: Buffer.from(document).toString('base64') };
  };

  /**
   * Signs for an mpc wallet: the session is taken first (single use: gone whatever follows), the proof
   * checked as for `sign`, share 1 unsealed, share 2 opened with the session's key, the two combined
   * and checked against the wallet's address, then the proof's transaction signed. Every secret is
   * zeroised in `finally`.
   */
  const signMpc = async (request: Extract<EnclaveRequest, { op: 'signMpc' }>): Promise<SignedByEnclave> => {
    const session = sessions.take(request.sessionId);
    let share1: Uint8Array | undefined;
    let share2: Uint8Array | undefined;
    let key: Uint8Array | undefined;
    try {
      if (session === undefined) {
        throw new EnclaveError('ENCLAVE.SESSION_UNKNOWN', 'no open session with that id (expired, used, or unknown)');
      }
      if (session.walletId !== request.walletId || session.jobId !== request.jobId) {
        throw new EnclaveError('ENCLAVE.SESSION_UNKNOWN', 'the session was opened for another wallet or job');
      }
      const { sealedShare } = request;
      const authorized = await authorize(request, sealedShare, 'key-share');
      share1 = await unsealSecret(seal, sealedShare, request.credentials);
      const expected: ShareContext = {
        deployment: config.deploymentId,
        walletId: request.walletId,
        address: sealedShare.address,
        epoch: sealedShare.context.version,
        share: releasedShareIndex(request.releasedShare),
      };
      const privateKey = session.privateKey;
      share2 = await shareErrors('ENCLAVE.SHARE_INVALID', () => openShare(privateKey, request.releasedShare, expected));
      const [a, b] = [share1, share2];
      key = await shareErrors('ENCLAVE.SHARE_INVALID', () => combineShares(a, b, sealedShare.address));
      return await signProofTransaction(key, sealedShare.address, authorized, request);
    } finally {
      zeroise(key, share1, share2, session?.privateKey);
    }
  };

  /** A sealed record must be this deployment's, of the request's wallet, and of the purpose the op uses. */
  const checkContext = (context: SealContext, walletId: string, purpose: SealPurpose): void => {
    if (context.deployment !== config.deploymentId) {
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the sealed key belongs to another deployment');
    }
    if (context.walletId !== walletId)
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the sealed key belongs to another wallet');
    if (context.purpose !== purpose)
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', `the sealed record is not a ${purpose}`);
  };

  return handle;
}

async function newSecretKey(random: (length: number) => Promise<Uint8Array>): Promise<Uint8Array> {
  for (let attempt = 0; attempt < KEY_ATTEMPTS; attempt++) {
    const candidate = await random(SECRET_KEY_BYTES);
    if (candidate.length === SECRET_KEY_BYTES && secp256k1.utils.isValidSecretKey(candidate)) return candidate;
    candidate.fill(0);
  }
  throw new EnclaveError('ENCLAVE.INTERNAL', 'the random source gave no valid secp256k1 key');
}

function parseProof(input: unknown): AuthorizationProof {
  try {
    return proofFromJson(input);
  } catch (cause) {
    if (cause instanceof StrongroomError) throw new EnclaveError('ENCLAVE.PROOF_INVALID', cause.message);
    throw cause;
  }
}

/**
 * The domain's refusals as the protocol's codes: a proof that does not verify or has expired is
 * PROOF_INVALID; one that verifies but covers something else (transfer, wallet, a field of the
 * transaction) is TRANSACTION_MISMATCH; a key that is not the transaction's from is ADDRESS_MISMATCH.
 */
async function refusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof ProofError && cause.code === 'PROOF.MISMATCH') {
      throw new EnclaveError('ENCLAVE.TRANSACTION_MISMATCH', cause.message);
    }
    if (cause instanceof ProofError) throw new EnclaveError('ENCLAVE.PROOF_INVALID', cause.message);
    if (cause instanceof SigningError && cause.code === 'SIGNER.ADDRESS_MISMATCH') {
      throw new EnclaveError('ENCLAVE.ADDRESS_MISMATCH', "the key's address is not the transaction's from");
    }
    if (cause instanceof StrongroomError && cause.code === 'PROOF.MALFORMED') {
      throw new EnclaveError('ENCLAVE.PROOF_INVALID', cause.message);
    }
    throw cause;
  }
}

/** A share primitive's refusal as the protocol's code (its message names the rule, never a share). */
async function shareErrors<T>(
  code: 'ENCLAVE.SHARE_INVALID' | 'ENCLAVE.BAD_REQUEST' | 'ENCLAVE.INTERNAL',
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (isShareError(cause)) throw new EnclaveError(code, cause.message);
    throw cause;
  }
}

/**
 * Which share a signMpc request brings with share 1: share 2, released by the co-signer; or share 3,
 * released by the customer to the same attested session when the co-signer is lost (recovery: the key
 * is still combined only in here, and only for a proof the approval key signed). The share's own
 * context says which; `openShare` then holds it to that context (its AEAD aad), so a relabelled share
 * does not open. Anything else is taken as share 2 and refused there.
 */
function releasedShareIndex(released: unknown): '2' | '3' {
  const context = (released as { context?: { share?: unknown } } | undefined)?.context;
  return context?.share === '3' ? '3' : '2';
}

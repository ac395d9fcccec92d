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
  type CreatedAgentKey,
  type EnclaveImageConfig,
  type EnclaveRequest,
  type EnclaveResult,
  type KmsCredentials,
  type Nsm,
  type SealContext,
  type SignedByEnclave,
} from '../contract';
import { EnclaveError } from '../protocol/enclave-error';
import { parseEnclaveRequest } from '../protocol/enclave-request';
import type { EnclaveHandler } from '../protocol/serve-frames';
import { agentKeyUserData } from './agent-key-user-data';
import type { EnclaveKms } from './enclave-kms';
import { ONE_SHOT_KEY_ID, oneShotKeyVault } from './one-shot-key-vault';
import { sealAgentKey, unsealAgentKey, type SealDeps } from './seal-agent-key';

export interface EnclaveDeps {
  /** Compiled into the image: the only source of the deployment, approval key and sealing key. */
  readonly config: EnclaveImageConfig;
  readonly nsm: Nsm;
  readonly kms: EnclaveKms;
  /** Key and IV bytes. Default: the module's own random source (NSM GetRandom in production). */
  readonly random?: (length: number) => Promise<Uint8Array>;
  /** For proof expiry. Default: the enclave's clock. */
  readonly clock?: () => Date;
}

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
        checkContext(request.current.context, request.walletId);
        const version = String(Number(request.current.context.version) + 1);
        return { op: 'rotateAgentKey', ...(await createKey(request.walletId, version, request.credentials)) };
      }
      case 'sign':
        return { op: 'sign', ...(await sign(request)) };
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
      const sealedKey = await sealAgentKey(seal, secret, context, address, credentials);
      const document = await nsm.attest({ userData: agentKeyUserData(config.deploymentId, walletId, address) });
      return { address, sealedKey, attestation: Buffer.from(document).toString('base64') };
    } finally {
      secret.fill(0);
    }
  };

  const sign = async (request: Extract<EnclaveRequest, { op: 'sign' }>): Promise<SignedByEnclave> => {
    const proof = parseProof(request.proof);
    const { sealedKey } = request;
    if (proof.walletId !== request.walletId) {
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the proof is for another wallet than the request');
    }
    checkContext(sealedKey.context, request.walletId);
    const proofDomain: ProofDomain = { deploymentId: config.deploymentId, chainId: proof.transaction.chainId };
    // Verified before anything is unsealed: an unauthorized request never reaches KMS.
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
    if (!sameAddress(sealedKey.address, proof.transaction.from)) {
      throw new EnclaveError('ENCLAVE.ADDRESS_MISMATCH', "the sealed key's address is not the proof's from");
    }

    const secret = await unsealAgentKey(seal, sealedKey, request.credentials);
    try {
      const vault = oneShotKeyVault(secret);
      // A ciphertext swapped in under this wallet's context would open to another key: refused here.
      if (!sameAddress(vault.address, sealedKey.address)) {
        throw new EnclaveError('ENCLAVE.ADDRESS_MISMATCH', 'the unsealed key is not the sealed key’s address');
      }
      const signed = await refusals(() =>
        signCustodyTransaction(
          { keyVault: vault, proofDomain, approvalKeyAddress: config.approvalKeyAddress, clock },
          {
            transferId: request.transferId,
            walletId: request.walletId,
            keyId: ONE_SHOT_KEY_ID,
            // The proof's own transaction: the request has no other, and no digest.
            transaction: proof.transaction,
            proof,
            proofSignature: request.proofSignature,
          },
        ),
      );
      return { serializedTransaction: signed.serializedTransaction, txHash: signed.txHash };
    } finally {
      secret.fill(0);
    }
  };

  /** A sealed key must be this deployment's agent key of the request's wallet. */
  const checkContext = (context: SealContext, walletId: string): void => {
    if (context.deployment !== config.deploymentId) {
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the sealed key belongs to another deployment');
    }
    if (context.walletId !== walletId)
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the sealed key belongs to another wallet');
    if (context.purpose !== 'agent-key')
      throw new EnclaveError('ENCLAVE.WRONG_WALLET', 'the sealed record is not an agent key');
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

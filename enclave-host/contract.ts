/**
 * The contract between the parts of the enclave host (issue 15; ARCHITECTURE.md §6). Written first so
 * the parts can be built side by side: `attestation/` (the Nsm and AttestationVerifier ports, the
 * synthetic NSM, CMS envelopes for KMS Recipient), `enclave/` (the program inside the enclave),
 * `protocol/` (frames over a stream socket), `host/` (the loop on the EC2 parent). Change it only by
 * agreement: every part depends on it.
 *
 * Nothing here is a secret; no field of these types ever carries a plaintext key or share.
 */
import type { Hex } from 'viem';

// ---------------------------------------------------------------------------------------------
// Attestation (enclave-host/attestation/)
// ---------------------------------------------------------------------------------------------

/**
 * The Nitro Secure Module, as the enclave sees it: `/dev/nsm` in production, a synthetic module
 * (a P-384 test root → intermediate → leaf made at start, PCRs from configuration) locally.
 */
export interface Nsm {
  /**
   * An attestation document (COSE_Sign1 over a CBOR map, as AWS Nitro Enclaves make it): module_id,
   * digest "SHA384", timestamp (ms), pcrs {index: 48 bytes}, certificate (leaf DER), cabundle
   * (root first), and the optional public_key, user_data, nonce (each at most 1024 bytes).
   */
  attest(request: {
    readonly publicKey?: Uint8Array;
    readonly userData?: Uint8Array;
    readonly nonce?: Uint8Array;
  }): Promise<Uint8Array>;
  /** Bytes from the module's random source (production: NSM GetRandom). */
  random(length: number): Promise<Uint8Array>;
}

/** PCR index → 48-byte SHA-384 value as lowercase hex without 0x (how KMS condition keys spell them). */
export type PcrValues = Readonly<Record<number, string>>;

export interface VerifiedAttestation {
  readonly moduleId: string;
  readonly timestamp: Date;
  readonly pcrs: PcrValues;
  readonly publicKey?: Uint8Array;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
}

export interface AttestationExpectation {
  /** Each listed PCR must equal this value. An all-zero PCR (debug mode) is refused in production mode. */
  readonly pcrs: PcrValues;
  readonly now: Date;
  /** The document's timestamp must be within this many seconds before `now` (and not in its future beyond a small skew). */
  readonly maxAgeSeconds: number;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
}

/**
 * Verifies a document: the COSE_Sign1 ES384 signature by the leaf certificate, the chain leaf →
 * cabundle → the pinned root (the AWS Nitro root in production mode; the test root locally, which
 * production mode refuses), validity of each certificate at `now`, freshness and PCR values. Throws
 * an `AttestationError` (code ATTESTATION.*) naming what failed.
 */
export interface AttestationVerifier {
  verify(document: Uint8Array, expect: AttestationExpectation): Promise<VerifiedAttestation>;
}

// ---------------------------------------------------------------------------------------------
// Sealing (enclave-host/enclave/, with the KMS stand-in in local/aws/kms-stand-in.ts)
// ---------------------------------------------------------------------------------------------

/** What a sealed record is for: its own purpose in the encryption context (issue 16 adds 'key-share'). */
export type SealPurpose = 'agent-key' | 'key-share';

/**
 * Bound to every sealed record, as KMS EncryptionContext and (canonical JSON, keys sorted) as the
 * AES-256-GCM additional data: a sealed key moved to another wallet, purpose or version fails to open.
 */
export interface SealContext {
  readonly deployment: string;
  readonly walletId: string;
  readonly purpose: SealPurpose;
  /** The key's version: 1 at creation, +1 at each rotation. As a string, as KMS contexts are. */
  readonly version: string;
}

/**
 * A key sealed by the enclave: the data key as KMS encrypted it (opened only by Decrypt with a
 * Recipient attestation, inside the enclave) and the secret under AES-256-GCM. Stored by the host and
 * the wallet store; useless without the enclave's measured image.
 */
export interface SealedKey {
  readonly format: 'strongroom.sealed.v1';
  readonly context: SealContext;
  /** The EVM address of the key inside: checked after unsealing (defeats ciphertext substitution). */
  readonly address: Hex;
  /** KMS CiphertextBlob of the data key, base64. */
  readonly encryptedDataKey: string;
  /** 12-byte GCM IV, base64. */
  readonly iv: string;
  /** Ciphertext ‖ 16-byte tag, base64. */
  readonly ciphertext: string;
}

/** AWS credentials the host passes in with each request that reaches KMS (the instance role's, short-lived). */
export interface KmsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Built into the enclave image (esbuild `define`, so covered by the image measurement): never taken
 * from the host, a request or an environment variable. Locally, the local runtime builds the bundle
 * with its own values at start.
 */
export interface EnclaveImageConfig {
  readonly deploymentId: string;
  /** The approval key's address: the only signer of authorization proofs the enclave accepts. */
  readonly approvalKeyAddress: Hex;
  /** The sealing key (ARN): a host that chose the key could seal a new key under one it controls. */
  readonly sealingKeyArn: string;
  readonly region: string;
  /** Where KMS is reached: the vsock-proxy's local end in production (TLS ends in the enclave), the stand-in locally. */
  readonly kmsEndpoint: string;
  /** 'production' refuses the synthetic NSM and debug PCRs; 'local' uses the synthetic NSM. */
  readonly mode: 'production' | 'local';
  /**
   * The co-signer's KMS key (ARN), to which the enclave encrypts share 2 of a new mpc key (KMS Encrypt,
   * the share's context as encryption context): built in, since a host that chose it could route share 2
   * to a key it controls. Absent: the image makes no mpc keys (ENCLAVE.BAD_REQUEST).
   */
  readonly coSignerKeyArn?: string;
}

// ---------------------------------------------------------------------------------------------
// Protocol (enclave-host/protocol/): host ↔ enclave over a stream socket
// ---------------------------------------------------------------------------------------------

/**
 * A frame: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. At most
 * MAX_FRAME_BYTES; a longer length closes the connection without reading it.
 */
export const PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 1024 * 1024;

/** User data of a new key's attestation: keccak256(abi.encode("strongroom.agent-key.v1", deployment, walletId, address)). */
export const AGENT_KEY_ATTESTATION_TAG = 'strongroom.agent-key.v1';

export type EnclaveRequest =
  | { readonly op: 'health' }
  | {
      /** Issue 16: a key made inside, split 2-of-3 (see "Key shares" below); epoch 1. */
      readonly op: 'createMpcKey';
      readonly walletId: string;
      readonly recoveryPublicKey: RecoveryPublicKey;
      readonly credentials: KmsCredentials;
    }
  | {
      /**
       * Issue 16: a signing session for one job of an mpc wallet: an X25519 key pair made inside and kept
       * in memory (single use, at most MPC_SESSION_TTL_SECONDS), and an attestation whose public_key is
       * the session's public key and whose user data is the session tag over (deployment, walletId, jobId).
       * The host takes the attestation to the co-signer, which encrypts share 2 to that key.
       */
      readonly op: 'openMpcSession';
      readonly walletId: string;
      readonly jobId: string;
    }
  | {
      /**
       * Issue 16: sign for an mpc wallet: the proof checked as for `sign`; share 1 unsealed (purpose
       * 'key-share', version = the epoch); share 2 opened with the session's private key (context share
       * '2', same wallet, address and epoch); the two combined, the address checked against the wallet's,
       * the transaction rebuilt from the proof and signed; the key, both shares and the session key
       * zeroised and the session closed, whatever the outcome. Recovery when the co-signer is lost:
       * `releasedShare` may be share 3 (context share '3'), sealed to the session by the customer; the
       * proof is checked all the same.
       */
      readonly op: 'signMpc';
      readonly transferId: string;
      readonly walletId: string;
      readonly jobId: string;
      readonly sessionId: string;
      readonly proof: unknown;
      readonly proofSignature: Hex;
      readonly sealedShare: SealedKey;
      readonly releasedShare: HpkeSealed;
      readonly credentials: KmsCredentials;
    }
  | {
      readonly op: 'createAgentKey';
      readonly walletId: string;
      readonly credentials: KmsCredentials;
    }
  | {
      readonly op: 'sign';
      readonly transferId: string;
      readonly walletId: string;
      /** The proof as the workflow carries it (lambdas/domain/proof/proof-json.ts). */
      readonly proof: unknown;
      readonly proofSignature: Hex;
      readonly sealedKey: SealedKey;
      readonly credentials: KmsCredentials;
    }
  | {
      /** A new key (version + 1, new address) for the wallet; the old one is not touched. Funds move by a governed sweep. */
      readonly op: 'rotateAgentKey';
      readonly walletId: string;
      readonly current: SealedKey;
      readonly credentials: KmsCredentials;
    };

export interface EnclaveRequestFrame {
  readonly v: typeof PROTOCOL_VERSION;
  /** Chosen by the host, echoed in the response. */
  readonly id: string;
  readonly request: EnclaveRequest;
}

export interface CreatedAgentKey {
  readonly address: Hex;
  readonly sealedKey: SealedKey;
  /** Base64 attestation document; user data commits to (deployment, walletId, address). Verify before registering. */
  readonly attestation: string;
}

export interface SignedByEnclave {
  readonly serializedTransaction: Hex;
  readonly txHash: Hex;
}

export type EnclaveResult =
  | { readonly op: 'health'; readonly protocol: number; readonly mode: 'production' | 'local' }
  | ({ readonly op: 'createAgentKey' } & CreatedAgentKey)
  | ({ readonly op: 'rotateAgentKey' } & CreatedAgentKey)
  | ({ readonly op: 'sign' } & SignedByEnclave)
  | ({ readonly op: 'createMpcKey' } & CreatedMpcKey)
  | { readonly op: 'openMpcSession'; readonly sessionId: string; readonly attestation: string }
  | ({ readonly op: 'signMpc' } & SignedByEnclave);

/** Typed refusals: the enclave says which rule refused, never anything secret. */
export type EnclaveErrorCode =
  | 'ENCLAVE.BAD_FRAME'
  | 'ENCLAVE.UNSUPPORTED_VERSION'
  | 'ENCLAVE.BAD_REQUEST'
  | 'ENCLAVE.PROOF_INVALID'
  | 'ENCLAVE.TRANSACTION_MISMATCH'
  | 'ENCLAVE.WRONG_WALLET'
  | 'ENCLAVE.UNSEAL_FAILED'
  | 'ENCLAVE.ADDRESS_MISMATCH'
  | 'ENCLAVE.KMS_UNAVAILABLE'
  | 'ENCLAVE.INTERNAL'
  /** The host's, never the enclave's: the job was voided in the job ledger before any host claimed it. */
  | 'ENCLAVE.JOB_VOIDED'
  /** Issue 16: no open session with that id (expired, used, or opened in another enclave). */
  | 'ENCLAVE.SESSION_UNKNOWN'
  /** Issue 16: a share that does not open, is of another wallet, address or epoch, or does not combine to the wallet's address. */
  | 'ENCLAVE.SHARE_INVALID';

export type EnclaveResponseFrame =
  | { readonly v: typeof PROTOCOL_VERSION; readonly id: string; readonly ok: true; readonly result: EnclaveResult }
  | {
      readonly v: typeof PROTOCOL_VERSION;
      readonly id: string;
      readonly ok: false;
      readonly error: { readonly code: EnclaveErrorCode; readonly message: string };
    };

/** The host's view of the enclave: one request, one response, over a fresh or pooled connection. */
export interface EnclaveClient {
  call(request: EnclaveRequest, options?: { readonly timeoutMs?: number }): Promise<EnclaveResult>;
}

// ---------------------------------------------------------------------------------------------
// Signing jobs (enclave-host/host/): the Sign state's message on the SQS signing queue
// ---------------------------------------------------------------------------------------------

/**
 * The body of one message on the signing queue, sent by the workflow with
 * `sqs:sendMessage.waitForTaskToken`. The host answers SendTaskSuccess with a `SignedByEnclave`
 * (output of the task) or SendTaskFailure with a `JobRefusalCode` as `error`.
 */
export interface SigningJob {
  /** `${transferId}:${attempt}:${proofId}`: the host stores each job's result under it, so a redelivery returns it again. */
  readonly jobId: string;
  readonly taskToken: string;
  readonly transferId: string;
  readonly walletId: string;
  readonly proof: unknown;
  readonly proofSignature: Hex;
  /** An enclave wallet's sealed key; an mpc wallet's sealed share 1 (purpose 'key-share'). */
  readonly sealedKey: SealedKey;
  /**
   * Issue 16: 'mpc' for an mpc wallet's job: the host opens an enclave session (`openMpcSession`), asks
   * the co-signer to release share 2 to it (`CoSignerClient`), then asks the enclave to `signMpc`.
   * 'enclave' or absent (messages sent before it existed): an enclave wallet's job (`sign`). The
   * workflow always sets it (its Sign state copies it into the message).
   */
  readonly scheme?: 'enclave' | 'mpc';
}

// ---------------------------------------------------------------------------------------------
// Key jobs (session 2026-12-06): the enclave makes agent keys for the cloud through the same queue
// ---------------------------------------------------------------------------------------------

/**
 * A key job on the signing queue: the provisioning state machine asks the enclave for a wallet's key
 * with `sqs:sendMessage.waitForTaskToken`, as Sign does. The host answers SendTaskSuccess with the
 * enclave's `CreatedAgentKey` (nothing in it is secret), or SendTaskFailure with an EnclaveErrorCode.
 * The API function verifies the attestation before any wallet is registered, exactly as locally.
 *
 * A signing job's body carries `kind: 'sign'`; a body without `kind` is a signing job (the messages
 * sent before `kind` existed).
 */
export interface AgentKeyJob {
  readonly kind: 'createAgentKey';
  /** `wallet:${walletId}`: one key per wallet; a redelivery is answered with the stored key. */
  readonly jobId: string;
  readonly taskToken: string;
  readonly walletId: string;
}

/**
 * Issue 16: a key job for an mpc wallet, as `AgentKeyJob` (the same provisioning state machine, the
 * same ledger name `wallet:<id>`): the host asks the enclave `createMpcKey` with the customer's
 * recovery key and answers SendTaskSuccess with the enclave's `CreatedMpcKey` (nothing in it is
 * secret: share 1 sealed, share 2 under the co-signer's key, share 3 encrypted to the recovery key).
 */
export interface MpcKeyJob {
  readonly kind: 'createMpcKey';
  readonly jobId: string;
  readonly taskToken: string;
  readonly walletId: string;
  readonly recoveryPublicKey: RecoveryPublicKey;
}

export type QueueJob = (SigningJob & { readonly kind?: 'sign' }) | AgentKeyJob | MpcKeyJob;

// ---------------------------------------------------------------------------------------------
// The job ledger (DynamoDB table `signingJobs`, shared by every host and the workflow)
// ---------------------------------------------------------------------------------------------

/** What the enclave answered for a job, stored once (the first answer wins) and sent again on redelivery. */
export type JobAnswer =
  | { readonly kind: 'signed'; readonly result: SignedByEnclave }
  | { readonly kind: 'created'; readonly result: CreatedAgentKey }
  /** Issue 16: an mpc key job's answer (share 3 in it is encrypted to the customer's recovery key only). */
  | { readonly kind: 'created-mpc'; readonly result: CreatedMpcKey }
  | { readonly kind: 'refused'; readonly code: JobRefusalCode; readonly message: string };

/**
 * Why a job was not signed, for good: the enclave's refusal, the co-signer's (issue 16), or
 * COSIGNER.UNAVAILABLE (the host could not get an answer from the co-signer: the enclave never had
 * share 2 from this host, so nothing was signed, and the transfer fails safe before signing).
 */
export type JobRefusalCode = EnclaveErrorCode | CoSignerRefusalCode | 'COSIGNER.UNAVAILABLE';

/** What a host may do with a job it received. */
export type ClaimOutcome =
  /**
   * Ask the enclave: this host's claim is recorded (or another host claimed it and never answered:
   * asking again is safe, since the enclave's ECDSA is deterministic (RFC 6979, no extra entropy) and the
   * same proof gives the same signed bytes).
   */
  | { readonly kind: 'claimed' }
  /** The job has an answer: send it again, never ask the enclave a second time. */
  | { readonly kind: 'answered'; readonly answer: JobAnswer }
  /** The workflow gave up on the job before any host claimed it: never sign it; fail the task (ENCLAVE.JOB_VOIDED). */
  | { readonly kind: 'voided'; readonly reason: string };

/** What the workflow learns when it voids a job after its task failed or timed out. */
export type VoidOutcome =
  /** No host had claimed it, and none ever will: no signature for it exists or can exist. */
  | { readonly kind: 'voided' }
  /** It has an answer: signed (the workflow records the signature and goes on) or refused (definite: nothing signed). */
  | { readonly kind: 'answered'; readonly answer: JobAnswer }
  /** A host claimed it and has not answered: a signature may exist. The workflow asks again later, then treats it as in doubt. */
  | { readonly kind: 'in-flight'; readonly claimedBy: string; readonly claimedAt: string };

/**
 * The fence between hosts and the workflow. An append-only table: items pk `JOB#<jobId>`, sk `CLAIM`
 * (the first claim: host, time), `RESULT` (the first answer), `VOID` (the workflow's: actor, reason,
 * time); conditional puts only, in transactions:
 * - claim: ConditionCheck VOID absent + Put CLAIM if absent (an existing CLAIM with no RESULT is
 *   claimed again, see above; an existing RESULT is answered);
 * - void: ConditionCheck CLAIM absent + Put VOID if absent.
 * DynamoDB serializes both on the item collection, so a job is either claimed (and maybe signed) or
 * voided (and never signed by a host that follows the protocol), never both. A host that ignores the
 * protocol can still ask the enclave while the proof is valid; that is the nonce's job to settle (see
 * ARCHITECTURE.md §6, "Enclave down").
 *
 * Ask the enclave for `health` before claiming, so an enclave that is down leaves no claim behind and
 * the workflow can void the job.
 */
export interface JobLedger {
  claim(jobId: string, hostId: string): Promise<ClaimOutcome>;
  /** Stores the first answer for a claimed job and returns the stored one (which may be another host's). */
  answer(jobId: string, hostId: string, answer: JobAnswer): Promise<JobAnswer>;
  void(jobId: string, actor: string, reason: string): Promise<VoidOutcome>;
}

// ---------------------------------------------------------------------------------------------
// Key shares (issue 16): 2-of-3 shares of one key, combined only inside the enclave, for one signature
// ---------------------------------------------------------------------------------------------
//
// Not threshold signing: the key exists, whole, inside the enclave for the moment of one signature.
// What no single place can do is move funds alone: the enclave holds share 1 (sealed), the co-signer
// share 2 (under its own KMS key, released for one signature only after its own checks), the customer
// share 3 (encrypted to their recovery key, returned once).
//
// Shares are made with `shamir-secret-sharing` (audited, Apache-2.0): split(key32, 3, 2) gives three
// 33-byte shares (32 bytes of the polynomial's values, then the share's x coordinate). The library
// verifies nothing about what a combination gives: every combination is checked by deriving the
// secp256k1 address and comparing it with the wallet's, and at creation every pair of shares is.

/** Which share: 1 the enclave's, 2 the co-signer's, 3 the customer's recovery share. */
export type ShareIndex = 1 | 2 | 3;

/**
 * The customer's recovery public key: X25519, 32 bytes, base64url without padding (RFC 7748). Given at
 * wallet creation (`recoveryPublicKey`); share 3 is encrypted to it and to nothing else.
 */
export type RecoveryPublicKey = string;

/**
 * What binds an encrypted share to its wallet: HPKE's `aad` (canonical JSON, keys sorted) and the KMS
 * encryption context. `epoch` is the key's generation (1 at creation); a share of another epoch is
 * refused by the enclave and the co-signer.
 */
export interface ShareContext {
  readonly deployment: string;
  readonly walletId: string;
  /** EIP-55 checksummed: the context is authenticated as spelled (HPKE aad, KMS encryption context). */
  readonly address: Hex;
  readonly epoch: string;
  readonly share: '1' | '2' | '3';
}

/**
 * An HPKE (RFC 9180) base-mode ciphertext: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
 * (`@hpke/core` with `@hpke/dhkem-x25519`). `info` is the format string; `aad` is the context above.
 */
export interface HpkeSealed {
  readonly format: 'strongroom.hpke.v1';
  readonly context: ShareContext;
  /** The encapsulated key, base64url. */
  readonly enc: string;
  /** Ciphertext ‖ tag, base64url. */
  readonly ciphertext: string;
}

/** Share 2 as the enclave hands it over: KMS Encrypt under the co-signer's key (ARN built into the image), context as encryption context. */
export interface CoSignerShare {
  readonly format: 'strongroom.cosigner-share.v1';
  readonly context: ShareContext;
  /** KMS CiphertextBlob, base64. Only the co-signer's role may Decrypt it. */
  readonly ciphertextBlob: string;
}

/**
 * What the enclave answers to `createMpcKey`: the address; share 1 sealed to the enclave (`SealedKey`,
 * purpose 'key-share', version = epoch); share 2 for the co-signer; share 3 for the customer; and an
 * attestation whose user data is keccak256(abi.encode("strongroom.mpc-key.v1", deployment, walletId,
 * address, epoch (a string), sha256(share2.ciphertextBlob), sha256(share3.ciphertext))), each sha256
 * over the decoded bytes (base64 and base64url respectively), so whoever stores or returns a share knows
 * the enclave made it for this wallet (enclave-host/enclave/mpc-key-user-data.ts computes it).
 */
export interface CreatedMpcKey {
  readonly address: Hex;
  readonly epoch: string;
  readonly sealedShare: SealedKey;
  readonly coSignerShare: CoSignerShare;
  readonly recoveryShare: HpkeSealed;
  readonly attestation: string;
}

export const MPC_KEY_ATTESTATION_TAG = 'strongroom.mpc-key.v1';
/** How long an mpc signing session's key lives in the enclave, unused. */
export const MPC_SESSION_TTL_SECONDS = 120;
/** User data of a signing session's attestation: keccak256(abi.encode(tag, deployment, walletId, jobId)); its public_key is the session's X25519 key. */
export const MPC_SESSION_ATTESTATION_TAG = 'strongroom.mpc-session.v1';

/**
 * The co-signer as the signing host calls it (a Lambda function of its own, its own KMS key and role),
 * for one signing job of an mpc wallet. It releases share 2 only after, on its own: the proof verifies
 * against the approval key address it is configured with; the job's transaction is the proof's; the
 * wallet's share is of the current epoch and not retired; its own per-wallet daily cap (configured apart
 * from the policy) holds with this transfer counted once per proof; the attestation verifies (PCRs,
 * freshness, user data = the session tag over (deployment, walletId, jobId)) and carries an X25519
 * public key, to which share 2 is then HPKE-encrypted. Every release is recorded, append-only, before it
 * is returned. A refusal names a code and is final for the job.
 */
export interface CoSignerReleaseRequest {
  readonly jobId: string;
  readonly walletId: string;
  readonly proof: unknown;
  readonly proofSignature: Hex;
  /** The enclave session's attestation document, base64. */
  readonly attestation: string;
}

export type CoSignerReleaseAnswer =
  | { readonly ok: true; readonly share: HpkeSealed }
  | { readonly ok: false; readonly code: CoSignerRefusalCode; readonly message: string };

export type CoSignerRefusalCode =
  | 'COSIGNER.PROOF_INVALID'
  | 'COSIGNER.TRANSACTION_MISMATCH'
  | 'COSIGNER.ATTESTATION_INVALID'
  | 'COSIGNER.CAP_EXCEEDED'
  | 'COSIGNER.UNKNOWN_WALLET'
  | 'COSIGNER.EPOCH_RETIRED'
  | 'COSIGNER.BAD_REQUEST'
  /** Its stored share 2 does not decrypt under its key and context (corrupt, or moved): final, nothing released. */
  | 'COSIGNER.SHARE_UNREADABLE';

/**
 * The co-signer as the signing host reaches it (Lambda Invoke through the VPC's interface endpoint in
 * production; the co-signer in process locally). Throws when it cannot be reached or fails (the host
 * then answers the job COSIGNER.UNAVAILABLE); a refusal is an answer.
 */
export interface CoSignerClient {
  release(request: CoSignerReleaseRequest): Promise<CoSignerReleaseAnswer>;
}

/**
 * The co-signer function's event (Lambda Invoke, RequestResponse; `lambdas/co-signer/handler.ts`). One
 * function, its own role, KMS key and table; invoked by the enclave host's role (`release`) and by the
 * functions that register wallets and record revocations (`register`, `retire`). Each operation is
 * safe whoever calls it: `register` stores nothing the enclave's attestation does not vouch for,
 * `release` makes every check above itself, and `retire` only ever refuses more.
 *
 * The function answers JSON; a refusal is an answer (`ok: false`, a code), and a failure of its own
 * dependencies (its table, KMS) is a Lambda function error, which callers treat as "unavailable".
 */
export type CoSignerInvocation =
  | { readonly op: 'release'; readonly request: CoSignerReleaseRequest }
  | {
      readonly op: 'register';
      /** `CreatedMpcKey.coSignerShare`, as the enclave made it. */
      readonly coSignerShare: CoSignerShare;
      /** `CreatedMpcKey.attestation`, base64. */
      readonly attestation: string;
      /** `CreatedMpcKey.recoveryShare.ciphertext`: only its digest is checked against the attestation. */
      readonly recoveryShareCiphertext: string;
    }
  | { readonly op: 'retire'; readonly walletId: string; readonly epoch: string; readonly reason: string };

export type CoSignerRegistrationAnswer =
  | {
      readonly ok: true;
      readonly outcome: 'registered' | 'already-registered';
      readonly walletId: string;
      readonly epoch: string;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

export type CoSignerRetireAnswer = { readonly ok: true; readonly outcome: 'retired' | 'already-retired' | 'unknown' };

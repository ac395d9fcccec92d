/**
 * What the signing-host tests share: a clock moved by hand, an enclave and a co-signer that answer as
 * told, a logger that keeps every line, and a signing job, an mpc job, a key job and an mpc key job
 * whose secrets are recognisable strings (so a test can look for them in the logs).
 */
import { getAddress } from 'viem';
import type {
  AgentKeyJob,
  CoSignerClient,
  CoSignerReleaseAnswer,
  CoSignerReleaseRequest,
  CreatedAgentKey,
  CreatedMpcKey,
  EnclaveClient,
  EnclaveRequest,
  EnclaveResult,
  HpkeSealed,
  KmsCredentials,
  MpcKeyJob,
  SigningJob,
} from '../../../../enclave-host/contract';
import type { HostClock } from '../../../../enclave-host/host/host-clock';
import type { HostLogger } from '../../../../enclave-host/host/host-logger';

export const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf7-secret-task-token-2f1c9a';
export const CREDENTIALS: KmsCredentials = {
  accessKeyId: 'ASIAEXAMPLEHOSTROLE01',
  secretAccessKey: 'secret-access-key-do-not-log-7d3e',
  sessionToken: 'session-token-do-not-log-91ab',
};
export const SEALED_CIPHERTEXT = Buffer.from('sealed-agent-key-ciphertext-never-logged').toString('base64');
export const ENCRYPTED_DATA_KEY = Buffer.from('kms-encrypted-data-key-never-logged').toString('base64');
export const PROOF_SIGNATURE = `0x${'ab'.repeat(64)}1b` as const;
export const SIGNED = {
  serializedTransaction: `0x02f8${'11'.repeat(60)}` as const,
  txHash: `0x${'cd'.repeat(32)}` as const,
};
/** A key the enclave made (its sealed key's ciphertext and attestation recognisable, as they must not be logged). */
export function createdKey(n = 1): CreatedAgentKey {
  const address = `0x${String(n).padStart(2, '0').repeat(20)}` as const;
  return {
    address,
    sealedKey: {
      format: 'strongroom.sealed.v1',
      context: { deployment: 'test', walletId: 'wallet-new-1', purpose: 'agent-key', version: '1' },
      address,
      encryptedDataKey: ENCRYPTED_DATA_KEY,
      iv: Buffer.alloc(12, n).toString('base64'),
      ciphertext: Buffer.from(`sealed-new-agent-key-${n}-never-logged`).toString('base64'),
    },
    attestation: Buffer.from(`attestation-document-${n}`).toString('base64'),
  };
}

/** An mpc wallet's sealed share 1 (the job's sealed key), its session's attestation, and share 2 as released. */
export const SEALED_SHARE_CIPHERTEXT = Buffer.from('sealed-share-1-ciphertext-never-logged').toString('base64');
export const SESSION_ATTESTATION = Buffer.from('session-attestation-document-never-logged').toString('base64');
export const MPC_ADDRESS = '0x2222222222222222222222222222222222222222' as const;
export const RELEASED_SHARE: HpkeSealed = {
  format: 'strongroom.hpke.v1',
  context: { deployment: 'test', walletId: 'wallet-mpc-1', address: MPC_ADDRESS, epoch: '1', share: '2' },
  enc: 'released-share-2-encapsulated-key-never-logged',
  ciphertext: 'released-share-2-ciphertext-never-logged',
};

/** A customer's recovery public key (X25519, 32 bytes, base64url): public, but never needed in a log line. */
export const RECOVERY_PUBLIC_KEY = Buffer.alloc(32, 9).toString('base64url');

/** Recognisable bytes of `length`: `label` then zeros. */
const labelled = (label: string, length: number): Buffer =>
  Buffer.concat([Buffer.from(label), Buffer.alloc(length)]).subarray(0, length);

/**
 * An mpc key the enclave made for `walletId` (shape only): share 1 sealed, share 2 under the co-signer's
 * key, share 3 to the recovery key, all of one address and epoch 1; each ciphertext and the
 * attestation recognisable, as none may be logged.
 */
export function createdMpcKey(n = 1, walletId = 'wallet-mpc-new-1'): CreatedMpcKey {
  const address = getAddress(`0x${(0xa0 + n).toString(16).repeat(20)}`);
  const context = (share: '2' | '3') => ({ deployment: 'test', walletId, address, epoch: '1', share }) as const;
  return {
    address,
    epoch: '1',
    sealedShare: {
      format: 'strongroom.sealed.v1',
      context: { deployment: 'test', walletId, purpose: 'key-share', version: '1' },
      address,
      encryptedDataKey: ENCRYPTED_DATA_KEY,
      iv: Buffer.alloc(12, n).toString('base64'),
      ciphertext: Buffer.from(`sealed-new-share-1-${n}-never-logged`).toString('base64'),
    },
    coSignerShare: {
      format: 'strongroom.cosigner-share.v1',
      context: context('2'),
      ciphertextBlob: Buffer.from(`co-signer-share-2-${n}-never-logged`).toString('base64'),
    },
    recoveryShare: {
      format: 'strongroom.hpke.v1',
      context: context('3'),
      enc: labelled(`share-3-enc-${n}-never-logged`, 32).toString('base64url'),
      ciphertext: labelled(`share-3-ciphertext-${n}-never-logged`, 49).toString('base64url'),
    },
    attestation: Buffer.from(`mpc-key-attestation-document-${n}-never-logged`).toString('base64'),
  };
}

/** Everything that must never reach a log line. */
export const SECRETS = [
  TASK_TOKEN,
  CREDENTIALS.secretAccessKey,
  CREDENTIALS.sessionToken!,
  SEALED_CIPHERTEXT,
  ENCRYPTED_DATA_KEY,
  PROOF_SIGNATURE,
  createdKey(1).sealedKey.ciphertext,
  createdKey(2).sealedKey.ciphertext,
  SEALED_SHARE_CIPHERTEXT,
  SESSION_ATTESTATION,
  RELEASED_SHARE.enc,
  RELEASED_SHARE.ciphertext,
  ...[createdMpcKey(1), createdMpcKey(2)].flatMap((key) => [
    key.sealedShare.ciphertext,
    key.coSignerShare.ciphertextBlob,
    key.recoveryShare.enc,
    key.recoveryShare.ciphertext,
    key.attestation,
  ]),
];

export function signingJob(overrides: Partial<SigningJob> = {}): SigningJob {
  const transferId = overrides.transferId ?? 'tx-0001';
  return {
    jobId: `${transferId}:1:proof-0001`,
    taskToken: TASK_TOKEN,
    transferId,
    walletId: 'wallet-agent-1',
    proof: { transferId, walletId: 'wallet-agent-1', chainId: 31337, nonce: 0 },
    proofSignature: PROOF_SIGNATURE,
    sealedKey: {
      format: 'strongroom.sealed.v1',
      context: { deployment: 'test', walletId: 'wallet-agent-1', purpose: 'agent-key', version: '1' },
      address: '0x1111111111111111111111111111111111111111',
      encryptedDataKey: ENCRYPTED_DATA_KEY,
      iv: Buffer.alloc(12, 7).toString('base64'),
      ciphertext: SEALED_CIPHERTEXT,
    },
    ...overrides,
  };
}

/** An mpc wallet's signing job: `scheme: 'mpc'`, its sealed key the wallet's sealed share 1 (purpose 'key-share'). */
export function mpcJob(overrides: Partial<SigningJob> = {}): SigningJob {
  const transferId = overrides.transferId ?? 'tx-0002';
  return {
    jobId: `${transferId}:1:proof-0002`,
    taskToken: TASK_TOKEN,
    transferId,
    walletId: 'wallet-mpc-1',
    proof: { transferId, walletId: 'wallet-mpc-1', chainId: 31337, nonce: 0 },
    proofSignature: PROOF_SIGNATURE,
    sealedKey: {
      format: 'strongroom.sealed.v1',
      context: { deployment: 'test', walletId: 'wallet-mpc-1', purpose: 'key-share', version: '1' },
      address: MPC_ADDRESS,
      encryptedDataKey: ENCRYPTED_DATA_KEY,
      iv: Buffer.alloc(12, 9).toString('base64'),
      ciphertext: SEALED_SHARE_CIPHERTEXT,
    },
    scheme: 'mpc',
    ...overrides,
  };
}

export function keyJob(overrides: Partial<AgentKeyJob> = {}): AgentKeyJob {
  const walletId = overrides.walletId ?? 'wallet-new-1';
  return { kind: 'createAgentKey', jobId: `wallet:${walletId}`, taskToken: TASK_TOKEN, walletId, ...overrides };
}

/** An mpc wallet's key job: `createMpcKey`, the job id `wallet:<walletId>`, the customer's recovery key. */
export function mpcKeyJob(overrides: Partial<MpcKeyJob> = {}): MpcKeyJob {
  const walletId = overrides.walletId ?? 'wallet-mpc-new-1';
  return {
    kind: 'createMpcKey',
    jobId: `wallet:${walletId}`,
    taskToken: TASK_TOKEN,
    walletId,
    recoveryPublicKey: RECOVERY_PUBLIC_KEY,
    ...overrides,
  };
}

/** A clock whose timers fire only when the test advances it; `advance` awaits the ticks it fires. */
export class ManualClock implements HostClock {
  private at = Date.parse('2026-12-01T10:00:00Z');
  private readonly timers = new Set<{ readonly interval: number; next: number; tick: () => Promise<void> | void }>();

  now(): Date {
    return new Date(this.at);
  }

  every(intervalMs: number, tick: () => Promise<void> | void): () => void {
    const timer = { interval: intervalMs, next: this.at + intervalMs, tick };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  sleep(): Promise<void> {
    return Promise.resolve();
  }

  get activeTimers(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    this.at += ms;
    for (const timer of [...this.timers])
      while (this.timers.has(timer) && timer.next <= this.at) {
        timer.next += timer.interval;
        await timer.tick();
      }
  }
}

type Behaviour = (request: EnclaveRequest) => Promise<EnclaveResult>;

/**
 * An EnclaveClient that records each request. It answers `health` while it is up, and every other
 * request with `behaviour` (default: signs SIGNED, creates `createdKey(n)` or `createdMpcKey(n)` for
 * the request's wallet with n counting keys made, opens `session-<n>` attested by SESSION_ATTESTATION).
 */
export class FakeEnclave implements EnclaveClient {
  readonly requests: EnclaveRequest[] = [];
  /** When set, every request fails with it, `health` included: an enclave that is down. */
  down: Error | undefined;
  private keysMade = 0;
  private sessionsOpened = 0;
  behaviour: Behaviour = async (request) => {
    switch (request.op) {
      case 'createAgentKey':
        return { op: 'createAgentKey', ...createdKey((this.keysMade += 1)) };
      case 'createMpcKey':
        return { op: 'createMpcKey', ...createdMpcKey((this.keysMade += 1), request.walletId) };
      case 'openMpcSession':
        return {
          op: 'openMpcSession',
          sessionId: `session-${(this.sessionsOpened += 1)}`,
          attestation: SESSION_ATTESTATION,
        };
      case 'signMpc':
        return { op: 'signMpc', ...SIGNED };
      default:
        return { op: 'sign', ...SIGNED };
    }
  };

  async call(request: EnclaveRequest): Promise<EnclaveResult> {
    this.requests.push(request);
    if (this.down !== undefined) throw this.down;
    if (request.op === 'health') return { op: 'health', protocol: 1, mode: 'local' };
    return this.behaviour(request);
  }

  get signRequests(): EnclaveRequest[] {
    return this.requests.filter((r) => r.op === 'sign');
  }

  get signMpcRequests(): EnclaveRequest[] {
    return this.requests.filter((r) => r.op === 'signMpc');
  }

  /** Every request but `health`: what the enclave was asked to do. */
  get workRequests(): EnclaveRequest[] {
    return this.requests.filter((r) => r.op !== 'health');
  }
}

/** A CoSignerClient that records each request and answers with `behaviour` (default: releases RELEASED_SHARE). */
export class FakeCoSigner implements CoSignerClient {
  readonly requests: CoSignerReleaseRequest[] = [];
  behaviour: (request: CoSignerReleaseRequest) => Promise<CoSignerReleaseAnswer> = async () => ({
    ok: true,
    share: RELEASED_SHARE,
  });

  async release(request: CoSignerReleaseRequest): Promise<CoSignerReleaseAnswer> {
    this.requests.push(request);
    return this.behaviour(request);
  }
}

/** A promise the test opens by hand. */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Keeps every line as JSON, as the Powertools Logger would print it. */
export class RecordingLogger implements HostLogger {
  readonly lines: { readonly level: string; readonly message: string; readonly attributes: Record<string, unknown> }[] =
    [];
  readonly debug = (message: string, attributes: Record<string, unknown>) => this.push('DEBUG', message, attributes);
  readonly info = (message: string, attributes: Record<string, unknown>) => this.push('INFO', message, attributes);
  readonly warn = (message: string, attributes: Record<string, unknown>) => this.push('WARN', message, attributes);
  readonly error = (message: string, attributes: Record<string, unknown>) => this.push('ERROR', message, attributes);

  get text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }

  private push(level: string, message: string, attributes: Record<string, unknown>): void {
    this.lines.push({ level, message, attributes });
  }
}

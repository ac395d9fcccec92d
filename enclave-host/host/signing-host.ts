import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type {
  ClaimOutcome,
  CoSignerClient,
  EnclaveClient,
  EnclaveRequest,
  EnclaveResult,
  HpkeSealed,
  JobAnswer,
  JobLedger,
  KmsCredentials,
} from '../contract';
import { causeOf, enclaveRefusalOf, JOB_VOIDED_CODE } from './enclave-refusal-of';
import type { HostClock } from './host-clock';
import type { HostLogger } from './host-logger';
import { createdAgentKeyOf, createdMpcKeyOf, sameAnswer, signedByEnclaveOf } from './job-answer';
import { COSIGNER_UNAVAILABLE_CODE, isCoSignerRefusalCode } from './job-refusal-code';
import { parseSigningJob, type ParsedQueueJob } from './parse-signing-job';

export interface SigningHostOptions {
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  /** The signing queue the workflow's Sign state and the provisioning state machine send to (`sqs:sendMessage.waitForTaskToken`). */
  readonly queueUrl: string;
  readonly enclave: EnclaveClient;
  /** The job ledger shared by every host and the workflow (the `signingJobs` table in production). */
  readonly ledger: JobLedger;
  /** This host's name in the claims it records: the EC2 instance id in production, a fixed name locally. */
  readonly hostId: string;
  /** The instance role's credentials, passed to the enclave with each sign and key creation (it calls KMS itself). */
  readonly credentials: () => Promise<KmsCredentials>;
  readonly clock: HostClock;
  readonly logger: HostLogger;
  /**
   * How often a job being handled sends SendTaskHeartbeat and extends its message's visibility. Must
   * be below the Sign state's HeartbeatSeconds and below `visibilityTimeoutSeconds`.
   */
  readonly heartbeatSeconds: number;
  /** How long a received message stays invisible, set at receive and again at each heartbeat. */
  readonly visibilityTimeoutSeconds: number;
  /** Messages per receive, 1 to 10 (default 1: the enclave signs one job at a time anyway). */
  readonly maxMessages?: number;
  /** The long poll, 0 to 20 s (default 20). */
  readonly waitTimeSeconds?: number;
  /** How long the enclave may take to sign or create a key (default 30 s); past it the enclave counts as unavailable. */
  readonly signTimeoutMs?: number;
  /** How long the enclave may take to answer `health` (default 2 s). */
  readonly healthTimeoutMs?: number;
  /** The pause after a failed receive before the next (default 5 s). */
  readonly retryDelayMs?: number;
  /**
   * Issue 16: the co-signer that releases share 2 of an mpc wallet's key for one job. Absent: every mpc
   * job is refused COSIGNER.UNAVAILABLE (a host that cannot reach a co-signer never signs for mpc wallets).
   */
  readonly coSigner?: CoSignerClient;
  /**
   * How long the co-signer may take to answer a release (default 20 s, well within the enclave session's
   * MPC_SESSION_TTL_SECONDS); past it the job is refused COSIGNER.UNAVAILABLE.
   */
  readonly coSignerTimeoutMs?: number;
}

/**
 * What became of a job:
 * - `signed` / `created`: the enclave signed the transaction / made the key (an agent key, or an mpc
 *   key's shares) now, and this answer is the job's stored one; `answered-again`: the job's answer was
 *   in the ledger already (a redelivery, another host's answer, or a concurrent delivery of the same
 *   job) and was sent again without asking the enclave, or the enclave was asked again and the ledger
 *   kept another answer;
 * - `refused`: the enclave refused it with a code, sent as SendTaskFailure's error (for an mpc job also
 *   the co-signer's refusal, or COSIGNER.UNAVAILABLE when the co-signer could not be asked);
 * - `voided`: the workflow voided the job before any host claimed it: never sent to the enclave, the
 *   task failed with ENCLAVE.JOB_VOIDED;
 * - `malformed`: the body is not a job;
 * - `enclave-unavailable`: the enclave did not answer (down, timed out, no credentials): no callback;
 * - `store-failed`: the job ledger could not be read or written: no callback (see `createSigningHost`);
 * - `error`: anything else the host did not expect (logged by error name).
 */
export type JobOutcome =
  | 'signed'
  | 'created'
  | 'answered-again'
  | 'refused'
  | 'voided'
  | 'malformed'
  | 'enclave-unavailable'
  | 'store-failed'
  | 'error';

/**
 * The task callback: `sent`; `task-gone` (Step Functions answered TaskTimedOut, TaskDoesNotExist or
 * InvalidToken: the workflow has moved on, nothing will ever accept an answer); `failed` (anything
 * else: throttled, network); `none` (no callback was made).
 */
export type CallbackOutcome = 'sent' | 'task-gone' | 'failed' | 'none';

export interface JobReport {
  readonly messageId: string;
  readonly jobId?: string;
  readonly outcome: JobOutcome;
  readonly callback: CallbackOutcome;
  /** Deleted only after a callback was sent or the task was gone; otherwise SQS delivers it again. */
  readonly deleted: boolean;
}

export interface HostHealth {
  readonly enclave: 'up' | 'down';
  /** When the last receive returned (ISO 8601), or null before the first. */
  readonly lastPollAt: string | null;
  /** Jobs handled since start, by outcome. */
  readonly jobs: Readonly<Record<JobOutcome, number>>;
}

export interface SigningHost {
  /** One long-poll receive, then every message received handled; resolves with what became of each. */
  runOnce(): Promise<readonly JobReport[]>;
  /** Polls until `stop`; a failed receive is logged and retried after a pause. */
  start(): void;
  /** Ends the current long poll, lets jobs in flight finish (sign, callback, delete), then resolves. */
  stop(): Promise<void>;
  /** Asks the enclave's `health` op; with the host's own counters. */
  health(): Promise<HostHealth>;
}

type Handling =
  | { readonly kind: 'signed' | 'created' | 'refused' | 'answered-again'; readonly answer: JobAnswer }
  | { readonly kind: 'voided'; readonly reason: string }
  | { readonly kind: 'enclave-unavailable' | 'store-failed' };

type Ids = Readonly<Record<string, string>>;

/** What the enclave made of one request: its result, its refusal (a job's answer), or no answer (logged). */
type EnclaveCall =
  | { readonly kind: 'result'; readonly result: EnclaveResult }
  | { readonly kind: 'refused'; readonly answer: JobAnswer }
  | { readonly kind: 'unavailable' };

/** What the co-signer made of a release: share 2 sealed to the session, or a refusal (a job's answer). */
type Release =
  { readonly kind: 'released'; readonly share: HpkeSealed } | { readonly kind: 'refused'; readonly answer: JobAnswer };

/** A job of an mpc wallet: its sealed key is its sealed share 1. */
type MpcSigningJob = Extract<ParsedQueueJob, { kind: 'sign' }> & { readonly scheme: 'mpc' };

const isMpcJob = (job: ParsedQueueJob): job is MpcSigningJob => job.kind === 'sign' && job.scheme === 'mpc';

/** Step Functions' answers to a callback on a task that no longer waits (the workflow has moved on). */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
const MALFORMED_JOB_ERROR = 'ENCLAVE.BAD_REQUEST';
/** SendTaskFailure's `cause` is at most 32 768 characters; the workflow's reason is short, but never trusted to be. */
const MAX_VOID_REASON_LENGTH = 1024;

/** An error's name (and Node's `code`, such as ECONNREFUSED) for a log line: never its message, which may quote a token. */
function errorFields(error: unknown): Record<string, string> {
  if (typeof error !== 'object' || error === null) return { error: typeof error };
  const { name, code } = error as { name?: unknown; code?: unknown };
  return {
    error: typeof name === 'string' ? name : 'Error',
    ...(typeof code === 'string' && /^[A-Z][A-Z0-9_.]{0,63}$/.test(code) ? { errorCode: code } : {}),
  };
}

function requireRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
}

/** The answer each kind of job is answered with when it succeeds. */
const SUCCESS_OF: Readonly<Record<ParsedQueueJob['kind'], JobAnswer['kind']>> = {
  sign: 'signed',
  createAgentKey: 'created',
  createMpcKey: 'created-mpc',
};

/**
 * Whether an answer is one this kind of job can be answered with: a sign task never gets a key, nor
 * the reverse, and a wallet's key job never gets a key of the other scheme (both are `wallet:<id>`).
 */
const fits = (job: ParsedQueueJob, answer: JobAnswer): boolean =>
  answer.kind === 'refused' || answer.kind === SUCCESS_OF[job.kind];

/** SendTaskSuccess's output for an answer: the contract's result, copied field by field. */
function taskOutputOf(answer: Exclude<JobAnswer, { kind: 'refused' }>): string {
  switch (answer.kind) {
    case 'signed': {
      const { serializedTransaction, txHash } = answer.result;
      return JSON.stringify({ serializedTransaction, txHash });
    }
    case 'created': {
      const { address, sealedKey, attestation } = answer.result;
      return JSON.stringify({ address, sealedKey, attestation });
    }
    case 'created-mpc': {
      const { address, epoch, sealedShare, coSignerShare, recoveryShare, attestation } = answer.result;
      return JSON.stringify({ address, epoch, sealedShare, coSignerShare, recoveryShare, attestation });
    }
  }
}

/** A job's identifiers for log lines: never its token, proof, sealed key or recovery key. */
function idsOf(job: ParsedQueueJob, messageId: string): Ids {
  if (job.kind !== 'sign') return { messageId, job: job.kind, jobId: job.jobId, walletId: job.walletId };
  return {
    messageId,
    job: 'sign',
    ...(job.scheme === undefined ? {} : { scheme: job.scheme }),
    jobId: job.jobId,
    transferId: job.transferId,
    walletId: job.walletId,
  };
}

/** An enclave session as `openMpcSession` answers it, checked and copied (only these two fields go on). */
function mpcSessionOf(result: EnclaveResult): { readonly sessionId: string; readonly attestation: string } | undefined {
  if (result.op !== 'openMpcSession') return undefined;
  const { sessionId, attestation } = result as { sessionId?: unknown; attestation?: unknown };
  if (typeof sessionId !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(sessionId)) return undefined;
  if (typeof attestation !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(attestation)) return undefined;
  return { sessionId, attestation };
}

/** The request an enclave wallet's signing job or a key job makes of the enclave. */
function requestOf(job: ParsedQueueJob, credentials: KmsCredentials): EnclaveRequest {
  switch (job.kind) {
    case 'createAgentKey':
      return { op: 'createAgentKey', walletId: job.walletId, credentials };
    case 'createMpcKey':
      return { op: 'createMpcKey', walletId: job.walletId, recoveryPublicKey: job.recoveryPublicKey, credentials };
    case 'sign':
      return {
        op: 'sign',
        transferId: job.transferId,
        walletId: job.walletId,
        proof: job.proof,
        proofSignature: job.proofSignature,
        sealedKey: job.sealedKey,
        credentials,
      };
  }
}

/**
 * The loop on the EC2 parent between the signing queue and the enclave (ARCHITECTURE.md §4 step 6, §6).
 * It handles two kinds of job: a transfer's signing job (the Sign state) and a wallet's key job (the
 * provisioning state machine: `createAgentKey` for an enclave wallet, `createMpcKey` for an mpc
 * wallet, whose answer carries its three shares, none in plaintext), with the same rules.
 *
 * For each message: parse it; ask the enclave for `health`, then read the instance credentials (so a
 * host that cannot ask the enclave leaves no claim behind and the workflow can void the job); claim the
 * job in the shared ledger. A job with an answer already is answered with it again, never sent to the
 * enclave a second time; a voided job is failed with ENCLAVE.JOB_VOIDED and never sent to the enclave;
 * a claimed job (this host's claim, or another host's that never answered) is sent to the enclave,
 * heartbeating the task and the message meanwhile. Its answer (or refusal) is stored as the job's
 * answer unless another is stored first, and the stored one is sent: SendTaskSuccess or
 * SendTaskFailure, then DeleteMessage, in that order, so a crash at any point leaves either a message
 * that comes back and is answered from the ledger, or nothing to do. Asking the enclave again for a
 * claim without an answer is safe: its ECDSA is deterministic (the same proof gives the same bytes),
 * and of two keys made for one wallet only the stored one is ever sent.
 *
 * An mpc wallet's signing job (`scheme: 'mpc'`, issue 16) asks three things where an enclave wallet's
 * asks one `sign`: the enclave opens a session (`openMpcSession`: a single-use key and an attestation
 * of it), the co-signer releases share 2 sealed to that key (`CoSignerClient.release`, after its own
 * checks), and the enclave combines it with share 1 (the job's sealed key) and signs (`signMpc`). The
 * heartbeats run across all three. Neither the released share nor the attestation is logged or stored.
 *
 * Failure rules, and why:
 * - The enclave refuses (an error with a contract code): stored as the job's answer, SendTaskFailure
 *   with the code as `error`, then delete. The refusal is the enclave's decision, and stored it tells
 *   the workflow that nothing was signed for the job. A transient code such as ENCLAVE.KMS_UNAVAILABLE
 *   ends the job too: a redelivery gets the same refusal, and trying again is a new job (a new id).
 * - The enclave does not answer (health or the request refused, timeout, credentials unavailable): no
 *   callback, no delete. The message comes back after its visibility timeout and is tried again; if the
 *   enclave stays down, the task times out and the workflow voids the job (no claim was recorded when
 *   health failed first) and fails safe. The host never fails a task it could not ask the enclave
 *   about, since a restarted enclave may sign it a moment later.
 * - A malformed body with a readable task token: SendTaskFailure(ENCLAVE.BAD_REQUEST), then delete: the
 *   same body will never parse, and failing fast fails the transfer before signing. Without a readable
 *   token: logged by MessageId only and left in the queue, which moves it to its dead-letter queue after
 *   maxReceiveCount receives (the workflow's timeout fails the task).
 * - A callback answered TaskTimedOut / TaskDoesNotExist / InvalidToken: delete and log; the workflow has
 *   moved on. Any other callback failure: no delete; the redelivery answers from the ledger.
 * - The ledger cannot be read or written: no callback, no delete (a host that cannot record what it
 *   claimed or answered must not go on answering); the redelivery tries again.
 * - The co-signer refuses an mpc job: stored and sent like an enclave refusal, with its COSIGNER.* code.
 *   The co-signer cannot be asked (it throws, times out, answers nonsense, or none is configured):
 *   stored and sent as COSIGNER.UNAVAILABLE, since the enclave never got share 2 (see `releaseShare`).
 */
export function createSigningHost(options: SigningHostOptions): SigningHost {
  const { sqs, sfn, queueUrl, enclave, ledger, hostId, clock, logger, heartbeatSeconds, visibilityTimeoutSeconds } =
    options;
  const maxMessages = options.maxMessages ?? 1;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const signTimeoutMs = options.signTimeoutMs ?? 30_000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  const coSignerTimeoutMs = options.coSignerTimeoutMs ?? 20_000;
  requireRange('visibilityTimeoutSeconds', visibilityTimeoutSeconds, 1, 43_200);
  requireRange('maxMessages', maxMessages, 1, 10);
  requireRange('waitTimeSeconds', waitTimeSeconds, 0, 20);
  if (!(heartbeatSeconds > 0 && heartbeatSeconds < visibilityTimeoutSeconds))
    throw new RangeError('heartbeatSeconds must be positive and below visibilityTimeoutSeconds');
  if (!/^[\x21-\x7e]{1,128}$/.test(hostId)) throw new RangeError('hostId must be 1 to 128 printable characters');

  const counts: Record<JobOutcome, number> = {
    signed: 0,
    created: 0,
    'answered-again': 0,
    refused: 0,
    voided: 0,
    malformed: 0,
    'enclave-unavailable': 0,
    'store-failed': 0,
    error: 0,
  };
  /** Jobs being handled now, by jobId: a second delivery of the same job waits for the first's outcome. */
  const handling = new Map<string, Promise<Handling>>();
  let lastPollAt: Date | undefined;
  let polling: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  const enclaveUp = (): Promise<boolean> =>
    enclave.call({ op: 'health' }, { timeoutMs: healthTimeoutMs }).then(
      (answer) => answer.op === 'health',
      () => false,
    );

  /** One request to the enclave: a refusal becomes the job's answer; no answer is logged. */
  const callEnclave = async (request: EnclaveRequest, ids: Ids): Promise<EnclaveCall> => {
    try {
      return { kind: 'result', result: await enclave.call(request, { timeoutMs: signTimeoutMs }) };
    } catch (error) {
      const refusal = enclaveRefusalOf(error);
      if (refusal !== undefined) return { kind: 'refused', answer: { kind: 'refused', ...refusal } };
      logger.warn('the enclave is unavailable: the job is left for redelivery', {
        ...ids,
        op: request.op,
        ...errorFields(error),
      });
      return { kind: 'unavailable' };
    }
  };

  const unexpectedResult = (result: EnclaveResult, ids: Ids): undefined => {
    logger.error('the enclave answered with something else than the job asked', { ...ids, op: result.op });
    return undefined;
  };

  /** The co-signer's answer, or a rejection after `coSignerTimeoutMs` (a late answer is dropped unread). */
  const releaseInTime = (coSigner: CoSignerClient, job: MpcSigningJob, attestation: string) =>
    new Promise<unknown>((resolve, reject) => {
      const cancel = clock.every(coSignerTimeoutMs, () => {
        cancel();
        reject(Object.assign(new Error('the co-signer did not answer in time'), { name: 'CoSignerTimeout' }));
      });
      const request = {
        jobId: job.jobId,
        walletId: job.walletId,
        proof: job.proof,
        proofSignature: job.proofSignature,
        attestation,
      };
      Promise.resolve()
        .then(() => coSigner.release(request))
        .then(
          (answer) => {
            cancel();
            resolve(answer);
          },
          (error: unknown) => {
            cancel();
            reject(error);
          },
        );
    });

  /**
   * Asks the co-signer to release share 2 to the enclave session. Every way of not getting the share is
   * a refusal, stored as the job's answer, and a definite one, unlike an enclave that does not answer:
   * the co-signer seals share 2 to the session's key, which lives only in this enclave, and the share
   * reaches the enclave only through this host's `signMpc`, which is then never sent; the session is
   * single use and expires. So nothing was or can be signed for this job's session, and a redelivery
   * is answered with the stored refusal, which the workflow's VoidEnclaveJob reads as "nothing signed":
   * the transfer fails safe before signing.
   */
  const releaseShare = async (job: MpcSigningJob, attestation: string, ids: Ids): Promise<Release> => {
    const unavailable = (message: string): Release => ({
      kind: 'refused',
      answer: { kind: 'refused', code: COSIGNER_UNAVAILABLE_CODE, message },
    });
    const { coSigner } = options;
    if (coSigner === undefined) {
      logger.error('no co-signer is configured: the mpc job is refused', ids);
      return unavailable('no co-signer is configured on this host');
    }
    let answer: unknown;
    try {
      answer = await releaseInTime(coSigner, job, attestation);
    } catch (error) {
      logger.warn('the co-signer did not answer: the mpc job is refused', { ...ids, ...errorFields(error) });
      return unavailable('the co-signer did not answer');
    }
    const { ok, share, code, message } = (typeof answer === 'object' && answer !== null ? answer : {}) as {
      ok?: unknown;
      share?: unknown;
      code?: unknown;
      message?: unknown;
    };
    if (ok === true && typeof share === 'object' && share !== null) {
      logger.info('the co-signer released share 2 to the enclave session', ids);
      // Passed on as the co-signer sealed it: only the enclave can open or check it.
      return { kind: 'released', share: share as HpkeSealed };
    }
    if (ok === false && isCoSignerRefusalCode(code)) {
      logger.warn('the co-signer refused to release share 2', { ...ids, code });
      return {
        kind: 'refused',
        answer: { kind: 'refused', code, message: causeOf(typeof message === 'string' ? message : '') },
      };
    }
    logger.error('the co-signer answered with something that is not an answer: the mpc job is refused', ids);
    return unavailable('the co-signer answered with something that is not an answer');
  };

  /** An mpc job: an enclave session, share 2 released to it by the co-signer, then the enclave signs. */
  const signWithShares = async (
    job: MpcSigningJob,
    credentials: KmsCredentials,
    ids: Ids,
  ): Promise<JobAnswer | undefined> => {
    const opened = await callEnclave({ op: 'openMpcSession', walletId: job.walletId, jobId: job.jobId }, ids);
    if (opened.kind !== 'result') return opened.kind === 'refused' ? opened.answer : undefined;
    const session = mpcSessionOf(opened.result);
    if (session === undefined) return unexpectedResult(opened.result, ids);
    const sessionIds = { ...ids, sessionId: session.sessionId };
    const release = await releaseShare(job, session.attestation, sessionIds);
    if (release.kind === 'refused') return release.answer;
    const signed = await callEnclave(
      {
        op: 'signMpc',
        transferId: job.transferId,
        walletId: job.walletId,
        jobId: job.jobId,
        sessionId: session.sessionId,
        proof: job.proof,
        proofSignature: job.proofSignature,
        sealedShare: job.sealedKey,
        releasedShare: release.share,
        credentials,
      },
      sessionIds,
    );
    if (signed.kind !== 'result') return signed.kind === 'refused' ? signed.answer : undefined;
    const result = signed.result.op === 'signMpc' ? signedByEnclaveOf(signed.result) : undefined;
    return result === undefined ? unexpectedResult(signed.result, sessionIds) : { kind: 'signed', result };
  };

  /** The enclave's answer to the job (or the co-signer's refusal), or undefined when it did not answer (logged). */
  const askEnclave = async (
    job: ParsedQueueJob,
    credentials: KmsCredentials,
    ids: Ids,
  ): Promise<JobAnswer | undefined> => {
    if (isMpcJob(job)) return signWithShares(job, credentials, ids);
    const call = await callEnclave(requestOf(job, credentials), ids);
    if (call.kind !== 'result') return call.kind === 'refused' ? call.answer : undefined;
    const answer = call.result;
    if (job.kind === 'sign' && answer.op === 'sign') {
      const result = signedByEnclaveOf(answer);
      if (result !== undefined) return { kind: 'signed', result };
    }
    if (job.kind === 'createAgentKey' && answer.op === 'createAgentKey') {
      const result = createdAgentKeyOf(answer);
      if (result !== undefined) return { kind: 'created', result };
    }
    if (job.kind === 'createMpcKey' && answer.op === 'createMpcKey') {
      // Shares of another wallet's key would be stored under this wallet's job: never answered.
      const result = createdMpcKeyOf(answer);
      if (result !== undefined && result.sealedShare.context.walletId === job.walletId)
        return { kind: 'created-mpc', result };
    }
    return unexpectedResult(answer, ids);
  };

  const handleInLedger = async (job: ParsedQueueJob, ids: Ids): Promise<Handling> => {
    // Health and credentials before the claim: a host that cannot ask the enclave must leave no claim,
    // or the workflow could never void the job and would have to treat it as in doubt.
    if (!(await enclaveUp())) {
      logger.warn('the enclave does not answer health: the job is left unclaimed for redelivery', ids);
      return { kind: 'enclave-unavailable' };
    }
    let credentials: KmsCredentials;
    try {
      credentials = await options.credentials();
    } catch (error) {
      logger.warn('the instance credentials are unavailable: the job is left unclaimed', {
        ...ids,
        ...errorFields(error),
      });
      return { kind: 'enclave-unavailable' };
    }
    let claim: ClaimOutcome;
    try {
      claim = await ledger.claim(job.jobId, hostId);
    } catch (error) {
      logger.error('the job ledger could not be read or written: not answered', { ...ids, ...errorFields(error) });
      return { kind: 'store-failed' };
    }
    if (claim.kind === 'voided') return { kind: 'voided', reason: claim.reason };
    if (claim.kind === 'answered') return { kind: 'answered-again', answer: claim.answer };

    const answer = await askEnclave(job, credentials, ids);
    if (answer === undefined) return { kind: 'enclave-unavailable' };
    let stored: JobAnswer;
    try {
      stored = await ledger.answer(job.jobId, hostId, answer);
    } catch (error) {
      logger.error("the enclave's answer could not be stored: not answered", { ...ids, ...errorFields(error) });
      return { kind: 'store-failed' };
    }
    if (!sameAnswer(stored, answer)) return { kind: 'answered-again', answer: stored };
    return { kind: stored.kind === 'created-mpc' ? 'created' : stored.kind, answer: stored };
  };

  const outcomeOf = async (job: ParsedQueueJob, ids: Ids): Promise<Handling> => {
    const running = handling.get(job.jobId);
    if (running !== undefined) {
      const first = await running;
      return first.kind === 'signed' || first.kind === 'created'
        ? { kind: 'answered-again', answer: first.answer }
        : first;
    }
    const started = handleInLedger(job, ids).finally(() => handling.delete(job.jobId));
    handling.set(job.jobId, started);
    return started;
  };

  const callback = async (send: () => Promise<unknown>, ids: Ids): Promise<CallbackOutcome> => {
    try {
      await send();
      return 'sent';
    } catch (error) {
      const described = errorFields(error);
      if (TASK_GONE.has(described.error ?? '')) {
        logger.warn('the task no longer waits (the workflow has moved on): the message is deleted', {
          ...ids,
          ...described,
        });
        return 'task-gone';
      }
      logger.error('the task callback failed: the message is left for redelivery', { ...ids, ...described });
      return 'failed';
    }
  };

  const heartbeat = (taskToken: string, receiptHandle: string | undefined, ids: Ids): (() => void) =>
    clock.every(heartbeatSeconds * 1000, async () => {
      const [beat, visibility] = await Promise.allSettled([
        sfn.send(new SendTaskHeartbeatCommand({ taskToken })),
        receiptHandle === undefined
          ? Promise.resolve()
          : sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: queueUrl,
                ReceiptHandle: receiptHandle,
                VisibilityTimeout: visibilityTimeoutSeconds,
              }),
            ),
      ]);
      if (beat.status === 'rejected') logger.warn('a task heartbeat failed', { ...ids, ...errorFields(beat.reason) });
      if (visibility.status === 'rejected')
        logger.warn("the message's visibility could not be extended", { ...ids, ...errorFields(visibility.reason) });
    });

  const remove = async (receiptHandle: string | undefined, ids: Ids): Promise<boolean> => {
    if (receiptHandle === undefined) return false;
    try {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
      return true;
    } catch (error) {
      // The message comes back; its job is answered from the ledger or its task is gone by then.
      logger.warn('the message could not be deleted', { ...ids, ...errorFields(error) });
      return false;
    }
  };

  const handleJob = async (job: ParsedQueueJob, message: Message, messageId: string): Promise<JobReport> => {
    const ids = idsOf(job, messageId);
    const stopHeartbeat = heartbeat(job.taskToken, message.ReceiptHandle, ids);
    let outcome: Handling;
    try {
      outcome = await outcomeOf(job, ids);
    } finally {
      stopHeartbeat();
    }
    const { taskToken } = job;
    let sent: CallbackOutcome = 'none';
    let reported: JobOutcome = outcome.kind;
    if (outcome.kind === 'voided') {
      const cause = `the job was voided before any host claimed it: ${outcome.reason}`.slice(0, MAX_VOID_REASON_LENGTH);
      sent = await callback(
        () => sfn.send(new SendTaskFailureCommand({ taskToken, error: JOB_VOIDED_CODE, cause })),
        ids,
      );
    } else if ('answer' in outcome && !fits(job, outcome.answer)) {
      // A job id shared by a signing job and a key job: sending either's answer to the other would be wrong.
      logger.error("the job's stored answer is of another kind of job: not answered", {
        ...ids,
        answer: outcome.answer.kind,
      });
      reported = 'error';
    } else if ('answer' in outcome) {
      const { answer } = outcome;
      sent = await callback(
        () =>
          answer.kind === 'refused'
            ? sfn.send(new SendTaskFailureCommand({ taskToken, error: answer.code, cause: answer.message }))
            : sfn.send(new SendTaskSuccessCommand({ taskToken, output: taskOutputOf(answer) })),
        ids,
      );
    }
    const deleted = sent === 'sent' || sent === 'task-gone' ? await remove(message.ReceiptHandle, ids) : false;
    const report: JobReport = { messageId, jobId: job.jobId, outcome: reported, callback: sent, deleted };
    logger.info('signing job handled', {
      ...ids,
      outcome: report.outcome,
      callback: sent,
      deleted,
      ...('answer' in outcome ? { answer: outcome.answer.kind } : {}),
      ...('answer' in outcome && outcome.answer.kind === 'refused' ? { code: outcome.answer.code } : {}),
    });
    return report;
  };

  const handle = async (message: Message): Promise<JobReport> => {
    const messageId = message.MessageId ?? '(no MessageId)';
    try {
      const parsed = parseSigningJob(message.Body);
      if (parsed.ok) return await handleJob(parsed.job, message, messageId);
      const ids = { messageId };
      logger.error('a signing job is malformed', { ...ids, reason: parsed.reason, tokenReadable: !!parsed.taskToken });
      const taskToken = parsed.taskToken;
      const sent: CallbackOutcome =
        taskToken === undefined
          ? 'none'
          : await callback(
              () =>
                sfn.send(
                  new SendTaskFailureCommand({
                    taskToken,
                    error: MALFORMED_JOB_ERROR,
                    cause: `the signing job is malformed: ${parsed.reason}`,
                  }),
                ),
              ids,
            );
      const deleted = sent === 'sent' || sent === 'task-gone' ? await remove(message.ReceiptHandle, ids) : false;
      return { messageId, outcome: 'malformed', callback: sent, deleted };
    } catch (error) {
      logger.error('a signing job failed unexpectedly: left for redelivery', { messageId, ...errorFields(error) });
      return { messageId, outcome: 'error', callback: 'none', deleted: false };
    }
  };

  const runOnce = async (): Promise<readonly JobReport[]> => {
    const controller = new AbortController();
    polling = controller;
    let messages: Message[];
    try {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitTimeSeconds,
          VisibilityTimeout: visibilityTimeoutSeconds,
        }),
        { abortSignal: controller.signal },
      );
      messages = received.Messages ?? [];
    } catch (error) {
      if (controller.signal.aborted) return [];
      throw error;
    } finally {
      if (polling === controller) polling = undefined;
    }
    lastPollAt = clock.now();
    const reports = await Promise.all(messages.map(handle));
    for (const report of reports) counts[report.outcome] += 1;
    return reports;
  };

  return {
    runOnce,

    start() {
      if (loop !== undefined) return;
      stopping = false;
      loop = (async () => {
        while (!stopping) {
          try {
            await runOnce();
          } catch (error) {
            if (stopping) break;
            logger.error('receiving from the signing queue failed', errorFields(error));
            await Promise.race([clock.sleep(retryDelayMs), new Promise<void>((resolve) => (wake = resolve))]);
          }
        }
      })();
    },

    async stop() {
      stopping = true;
      polling?.abort();
      wake?.();
      await loop;
      loop = undefined;
    },

    async health() {
      const up = await enclaveUp();
      return { enclave: up ? 'up' : 'down', lastPollAt: lastPollAt?.toISOString() ?? null, jobs: { ...counts } };
    },
  };
}

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
import type { EnclaveClient, KmsCredentials, SignedByEnclave, SigningJob } from '../contract';
import { enclaveRefusalOf } from './enclave-refusal-of';
import type { HostClock } from './host-clock';
import type { HostLogger } from './host-logger';
import { signedByEnclaveOf, type JobResultStore } from './job-result-store';
import { parseSigningJob } from './parse-signing-job';

export interface SigningHostOptions {
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  /** The signing queue the workflow's Sign state sends to (`sqs:sendMessage.waitForTaskToken`). */
  readonly queueUrl: string;
  readonly enclave: EnclaveClient;
  readonly results: JobResultStore;
  /** The instance role's credentials, passed to the enclave with each sign (it calls KMS itself). */
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
  /** How long the enclave may take to sign (default 30 s); past it the enclave counts as unavailable. */
  readonly signTimeoutMs?: number;
  /** How long the enclave may take to answer `health` (default 2 s). */
  readonly healthTimeoutMs?: number;
  /** The pause after a failed receive before the next (default 5 s). */
  readonly retryDelayMs?: number;
}

/**
 * What became of a job:
 * - `signed`: the enclave signed it now; `answered-again`: its result was stored already (a redelivery)
 *   or came from a concurrent delivery of the same job, and was sent again without a second signature;
 * - `refused`: the enclave refused it with a code, sent as SendTaskFailure's error;
 * - `malformed`: the body is not a SigningJob;
 * - `enclave-unavailable`: the enclave did not answer (down, timed out, no credentials): no callback;
 * - `store-failed`: the result store could not be read or written: no callback (see `handle`);
 * - `error`: anything else the host did not expect (logged by error name).
 */
export type JobOutcome =
  'signed' | 'answered-again' | 'refused' | 'malformed' | 'enclave-unavailable' | 'store-failed' | 'error';

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

type Signing =
  | { readonly kind: 'signed' | 'answered-again'; readonly result: SignedByEnclave }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'enclave-unavailable' | 'store-failed' };

type Ids = Readonly<Record<string, string>>;

/** Step Functions' answers to a callback on a task that no longer waits (the workflow has moved on). */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
const MALFORMED_JOB_ERROR = 'ENCLAVE.BAD_REQUEST';

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

/**
 * The loop on the EC2 parent between the signing queue and the enclave (ARCHITECTURE.md §4 step 6, §6).
 *
 * For each message: parse it; answer from the result store if the job was signed before; otherwise ask
 * the enclave to sign, heartbeating the task and the message meanwhile; store the result, then
 * SendTaskSuccess, then DeleteMessage, in that order, so a crash at any point leaves either a message
 * that comes back and is answered from the store, or nothing to do.
 *
 * Failure rules, and why:
 * - The enclave refuses (an error with a contract code): SendTaskFailure with the code as `error`, then
 *   delete. The refusal is the enclave's decision; asking again changes nothing. (A transient code such
 *   as ENCLAVE.KMS_UNAVAILABLE is for the workflow's Retry to match.)
 * - The enclave does not answer (socket refused, timeout, credentials unavailable): no callback, no
 *   delete. The message comes back after its visibility timeout and is tried again; if the enclave stays
 *   down, the Sign state's own HeartbeatSeconds/TimeoutSeconds fails the task and the transfer fails
 *   safe before anything was signed. The host never fails a task it could not ask the enclave about,
 *   since a restarted enclave may sign it a moment later.
 * - A malformed body with a readable task token: SendTaskFailure(ENCLAVE.BAD_REQUEST), then delete: the
 *   same body will never parse, and failing fast fails the transfer before signing. Without a readable
 *   token: logged by MessageId only and left in the queue, which moves it to its dead-letter queue after
 *   maxReceiveCount receives (the workflow's timeout fails the task).
 * - A callback answered TaskTimedOut / TaskDoesNotExist / InvalidToken: delete and log; the workflow has
 *   moved on. Any other callback failure: no delete; the redelivery answers from the store.
 * - The store cannot be written after signing: no callback, no delete (a host that cannot remember
 *   what it signed must not go on answering); the redelivery asks the enclave again.
 */
export function createSigningHost(options: SigningHostOptions): SigningHost {
  const { sqs, sfn, queueUrl, enclave, results, clock, logger, heartbeatSeconds, visibilityTimeoutSeconds } = options;
  const maxMessages = options.maxMessages ?? 1;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const signTimeoutMs = options.signTimeoutMs ?? 30_000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  requireRange('visibilityTimeoutSeconds', visibilityTimeoutSeconds, 1, 43_200);
  requireRange('maxMessages', maxMessages, 1, 10);
  requireRange('waitTimeSeconds', waitTimeSeconds, 0, 20);
  if (!(heartbeatSeconds > 0 && heartbeatSeconds < visibilityTimeoutSeconds))
    throw new RangeError('heartbeatSeconds must be positive and below visibilityTimeoutSeconds');

  const counts: Record<JobOutcome, number> = {
    signed: 0,
    'answered-again': 0,
    refused: 0,
    malformed: 0,
    'enclave-unavailable': 0,
    'store-failed': 0,
    error: 0,
  };
  /** Jobs being signed now, by jobId: a second delivery of the same job waits for the first's result. */
  const signing = new Map<string, Promise<Signing>>();
  let lastPollAt: Date | undefined;
  let polling: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  const ask = async (job: SigningJob, ids: Ids): Promise<Signing> => {
    let stored: SignedByEnclave | undefined;
    try {
      stored = await results.get(job.jobId);
    } catch (error) {
      logger.error('the job result store could not be read', { ...ids, ...errorFields(error) });
      return { kind: 'store-failed' };
    }
    if (stored !== undefined) return { kind: 'answered-again', result: stored };

    let result: SignedByEnclave | undefined;
    try {
      const credentials = await options.credentials();
      const answer = await enclave.call(
        {
          op: 'sign',
          transferId: job.transferId,
          walletId: job.walletId,
          proof: job.proof,
          proofSignature: job.proofSignature,
          sealedKey: job.sealedKey,
          credentials,
        },
        { timeoutMs: signTimeoutMs },
      );
      result = answer.op === 'sign' ? signedByEnclaveOf(answer) : undefined;
      if (result === undefined) {
        logger.error('the enclave answered a sign request with something else', { ...ids, op: answer.op });
        return { kind: 'enclave-unavailable' };
      }
    } catch (error) {
      const refusal = enclaveRefusalOf(error);
      if (refusal !== undefined) return { kind: 'refused', ...refusal };
      logger.warn('the enclave is unavailable: the job is left for redelivery', { ...ids, ...errorFields(error) });
      return { kind: 'enclave-unavailable' };
    }
    try {
      await results.put(job.jobId, result);
    } catch (error) {
      logger.error('the signed result could not be stored: not answered', { ...ids, ...errorFields(error) });
      return { kind: 'store-failed' };
    }
    return { kind: 'signed', result };
  };

  const resultOf = async (job: SigningJob, ids: Ids): Promise<Signing> => {
    const running = signing.get(job.jobId);
    if (running !== undefined) {
      const first = await running;
      return first.kind === 'signed' ? { kind: 'answered-again', result: first.result } : first;
    }
    const started = ask(job, ids).finally(() => signing.delete(job.jobId));
    signing.set(job.jobId, started);
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
      // The message comes back; its job is answered from the store or its task is gone by then.
      logger.warn('the message could not be deleted', { ...ids, ...errorFields(error) });
      return false;
    }
  };

  const handleJob = async (job: SigningJob, message: Message, messageId: string): Promise<JobReport> => {
    const ids: Ids = { messageId, jobId: job.jobId, transferId: job.transferId, walletId: job.walletId };
    const stopHeartbeat = heartbeat(job.taskToken, message.ReceiptHandle, ids);
    let outcome: Signing;
    try {
      outcome = await resultOf(job, ids);
    } finally {
      stopHeartbeat();
    }
    let sent: CallbackOutcome = 'none';
    if (outcome.kind === 'signed' || outcome.kind === 'answered-again') {
      const output = JSON.stringify({
        serializedTransaction: outcome.result.serializedTransaction,
        txHash: outcome.result.txHash,
      });
      sent = await callback(() => sfn.send(new SendTaskSuccessCommand({ taskToken: job.taskToken, output })), ids);
    } else if (outcome.kind === 'refused') {
      const { code, message: cause } = outcome;
      sent = await callback(
        () => sfn.send(new SendTaskFailureCommand({ taskToken: job.taskToken, error: code, cause })),
        ids,
      );
    }
    const deleted = sent === 'sent' || sent === 'task-gone' ? await remove(message.ReceiptHandle, ids) : false;
    const report: JobReport = { messageId, jobId: job.jobId, outcome: outcome.kind, callback: sent, deleted };
    logger.info('signing job handled', {
      ...ids,
      outcome: report.outcome,
      callback: sent,
      deleted,
      ...(outcome.kind === 'refused' ? { code: outcome.code } : {}),
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
      const up = await enclave.call({ op: 'health' }, { timeoutMs: healthTimeoutMs }).then(
        (answer) => answer.op === 'health',
        () => false,
      );
      return { enclave: up ? 'up' : 'down', lastPollAt: lastPollAt?.toISOString() ?? null, jobs: { ...counts } };
    },
  };
}

import {
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ConflictError } from '../../../lambdas/domain/errors';
import { systemClock } from '../../../enclave-host/host/host-clock';
import { MemoryJobLedger } from '../../../enclave-host/host/memory-job-ledger';
import { createSigningHost, type SigningHost } from '../../../enclave-host/host/signing-host';
import { EnclaveError } from '../../../enclave-host/protocol/enclave-error';
import { startSqsStandIn, type RunningSqsStandIn } from '../../../local/aws/start-sqs-stand-in';
import type { SqsStandIn } from '../../../local/aws/sqs-stand-in';
import { localSfnClient, type TaskCallbackTarget } from '../../../local/workflow/local-sfn-client';
import { LocalWorkflowEngine } from '../../../local/workflow/local-workflow-engine';
import {
  CREDENTIALS,
  FakeEnclave,
  RecordingLogger,
  SECRETS,
  SIGNED,
  signingJob,
} from '../enclave-host/host/host-test-kit';

const REGION = 'us-east-1';

/** Sign: the job from the input, the task token in place, to the signing queue; what the host answers is the result. */
const SIGN = {
  StartAt: 'Sign',
  States: {
    Sign: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: {
        QueueUrl: '${SigningQueueUrl}',
        MessageBody: {
          'jobId.$': '$.jobId',
          'transferId.$': '$.transferId',
          'walletId.$': '$.walletId',
          'proof.$': '$.proof',
          'proofSignature.$': '$.proofSignature',
          'sealedKey.$': '$.sealedKey',
          'taskToken.$': '$$.Task.Token',
        },
      },
      TimeoutSeconds: 30,
      HeartbeatSeconds: 1,
      ResultPath: '$.signed',
      End: true,
    },
  },
};

/** The job as the workflow carries it: everything but the token, which the Task adds. */
const jobInput = (transferId: string) => {
  const { taskToken: _token, ...job } = signingJob({ transferId });
  return job;
};

describe('localSfnClient: the real signing host against the in-process workflow engine', () => {
  let running: RunningSqsStandIn;
  let standIn: SqsStandIn;
  let sqs: SQSClient;
  let queues = 0;
  const hosts: SigningHost[] = [];

  beforeAll(async () => {
    running = await startSqsStandIn(REGION);
    ({ standIn, sqs } = running);
  });

  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  afterAll(async () => {
    await running.close();
  });

  /** A queue, an engine sending to it through the SQS stand-in, and a host answering through the adapter. */
  function setup() {
    queues += 1;
    const queueUrl = standIn.createQueue(`signing-${queues}`);
    const tokens: string[] = [];
    const engine = new LocalWorkflowEngine(
      SIGN,
      {},
      {
        substitutions: { SigningQueueUrl: queueUrl },
        sendMessage: async (url, body, message) => {
          tokens.push(message.taskToken);
          await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
        },
      },
    );
    const enclave = new FakeEnclave();
    const logger = new RecordingLogger();
    const host = createSigningHost({
      sqs,
      sfn: localSfnClient(engine),
      queueUrl,
      enclave,
      ledger: new MemoryJobLedger(),
      hostId: 'test-host',
      credentials: async () => CREDENTIALS,
      clock: systemClock,
      logger,
      // Below the Sign state's HeartbeatSeconds (1), as the host's configuration requires.
      heartbeatSeconds: 0.25,
      visibilityTimeoutSeconds: 30,
      waitTimeSeconds: 1,
      retryDelayMs: 50,
    });
    hosts.push(host);
    const inQueue = () => standIn.messages(queueUrl).length;
    return { queueUrl, engine, enclave, logger, host, inQueue, tokens };
  }

  it('the host signs the job it receives and the execution succeeds with the enclave output; no token is logged', async () => {
    const t = setup();
    t.host.start();
    await t.engine.start('tx-signed', jobInput('tx-signed'));
    const done = await t.engine.waitForCompletion('tx-signed', 10_000);

    expect(done).toMatchObject({ status: 'SUCCEEDED', output: { signed: SIGNED } });
    expect(t.enclave.signRequests).toHaveLength(1);
    expect(t.enclave.signRequests[0]).toMatchObject({ op: 'sign', transferId: 'tx-signed', credentials: CREDENTIALS });
    await t.host.stop();
    expect(t.inQueue()).toBe(0);
    expect((await t.host.health()).jobs.signed).toBe(1);
    expect(t.tokens).toHaveLength(1);
    for (const secret of [...SECRETS, ...t.tokens]) expect(t.logger.text).not.toContain(secret);
  });

  it("fails the execution with the enclave's refusal code as the error", async () => {
    const t = setup();
    t.enclave.behaviour = async (request) => {
      if (request.op === 'sign')
        throw new EnclaveError('ENCLAVE.PROOF_INVALID', 'the proof is not signed by the approval key');
      return { op: 'health', protocol: 1, mode: 'local' };
    };
    t.host.start();
    await t.engine.start('tx-refused', jobInput('tx-refused'));
    expect(await t.engine.waitForCompletion('tx-refused', 10_000)).toMatchObject({
      status: 'FAILED',
      error: 'ENCLAVE.PROOF_INVALID',
      cause: 'the proof is not signed by the approval key',
    });
  });

  it("keeps the task alive with the host's heartbeats while the enclave takes longer than HeartbeatSeconds", async () => {
    const t = setup();
    t.enclave.behaviour = async (request) => {
      if (request.op !== 'sign') return { op: 'health', protocol: 1, mode: 'local' };
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      return { op: 'sign', ...SIGNED };
    };
    t.host.start();
    await t.engine.start('tx-slow', jobInput('tx-slow'));
    expect(await t.engine.waitForCompletion('tx-slow', 10_000)).toMatchObject({
      status: 'SUCCEEDED',
      output: { signed: SIGNED },
    });
  });

  it('fails the task with States.HeartbeatTimeout when no host runs; a host started later finds the task gone', async () => {
    const t = setup();
    await t.engine.start('tx-no-host', jobInput('tx-no-host'));
    expect(await t.engine.waitForCompletion('tx-no-host', 10_000)).toMatchObject({
      status: 'FAILED',
      error: 'States.HeartbeatTimeout',
    });
    expect(t.inQueue()).toBe(1);

    const reports = await t.host.runOnce();
    expect(reports).toEqual([expect.objectContaining({ callback: 'task-gone', deleted: true })]);
    expect(t.inQueue()).toBe(0);
  });

  describe('refusals, as the SDK client reports them', () => {
    const conflict = (reason: string) =>
      new ConflictError('STORE.CONFLICT', 'the workflow task is no longer waiting for this token', {
        details: { reason },
      });
    /** Answers every callback with `error` (or nothing), recording the calls. */
    const target = (error?: Error) => {
      const calls: unknown[][] = [];
      const answer =
        (name: string) =>
        async (...args: unknown[]): Promise<void> => {
          calls.push([name, ...args]);
          if (error !== undefined) throw error;
        };
      const engine: TaskCallbackTarget = {
        sendTaskSuccess: answer('success'),
        sendTaskFailure: answer('failure'),
        sendTaskHeartbeat: answer('heartbeat'),
      };
      return { engine, calls };
    };

    it('passes each command to the engine and answers {}', async () => {
      const { engine, calls } = target();
      const client = localSfnClient(engine);
      await expect(
        client.send(new SendTaskSuccessCommand({ taskToken: 'tok', output: '{"txHash":"0x01"}' })),
      ).resolves.toEqual({});
      await client.send(new SendTaskFailureCommand({ taskToken: 'tok', error: 'ENCLAVE.WRONG_WALLET' }));
      await client.send(new SendTaskHeartbeatCommand({ taskToken: 'tok' }));
      expect(calls).toEqual([
        ['success', 'tok', { txHash: '0x01' }],
        ['failure', 'tok', 'ENCLAVE.WRONG_WALLET', ''],
        ['heartbeat', 'tok'],
      ]);
    });

    it("maps the engine's reasons to the SDK's TaskTimedOut and TaskDoesNotExist", async () => {
      const timedOut = localSfnClient(target(conflict('TaskTimedOut')).engine);
      const error = await timedOut.send(new SendTaskHeartbeatCommand({ taskToken: 'tok' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskTimedOut);
      expect((error as Error).name).toBe('TaskTimedOut');
      const gone = localSfnClient(target(conflict('TaskDoesNotExist')).engine);
      await expect(gone.send(new SendTaskSuccessCommand({ taskToken: 'tok', output: '{}' }))).rejects.toBeInstanceOf(
        TaskDoesNotExist,
      );
      // Anything else the engine throws passes through as it is.
      const other = new Error('boom');
      await expect(
        localSfnClient(target(other).engine).send(new SendTaskHeartbeatCommand({ taskToken: 'tok' })),
      ).rejects.toBe(other);
    });

    it('refuses a malformed token (InvalidToken), an output that is not JSON (InvalidOutput) and any other command', async () => {
      const { engine, calls } = target();
      const client = localSfnClient(engine);
      await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: '' }))).rejects.toBeInstanceOf(InvalidToken);
      await expect(
        client.send(new SendTaskSuccessCommand({ taskToken: 'x'.repeat(2049), output: '{}' })),
      ).rejects.toBeInstanceOf(InvalidToken);
      await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'tok', output: '{no' }))).rejects.toBeInstanceOf(
        InvalidOutput,
      );
      await expect(client.send(new ListExecutionsCommand({}))).rejects.toThrow(/not ListExecutionsCommand/);
      expect(calls).toEqual([]);
    });

    it('answers the real engine: an unknown token is TaskDoesNotExist', async () => {
      const t = setup();
      const client = localSfnClient(t.engine);
      await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: 'never-issued' }))).rejects.toBeInstanceOf(
        TaskDoesNotExist,
      );
    });
  });
});

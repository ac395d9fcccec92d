import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../../../lambdas/domain/errors';
import {
  LocalWorkflowEngine,
  type SqsMessageSender,
  type SqsTaskMessage,
} from '../../../local/workflow/local-workflow-engine';
import { LocalDefinitionError } from '../../../local/workflow/prepare-local-definition';

const SIGN_QUEUE = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/asl/sign-queue.asl.json'), 'utf8'),
) as Record<string, unknown>;
const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/signing';
const INPUT = { transferId: 'tx-1', walletId: 'wallet-agent-1' };
const SIGNED = { serializedTransaction: '0x02f8aa', txHash: `0x${'cd'.repeat(32)}` };

interface Sent {
  readonly queueUrl: string;
  readonly text: string;
  readonly body: Record<string, unknown>;
  readonly message: SqsTaskMessage;
}

/** A queue that records each message, fails a send when told to, and can answer from inside the send. */
class FakeQueue {
  readonly sent: Sent[] = [];
  readonly failures: unknown[] = [];
  onSend: (sent: Sent) => Promise<void> | void = () => undefined;

  readonly send: SqsMessageSender = async (queueUrl, text, message) => {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const sent = { queueUrl, text, body: JSON.parse(text) as Record<string, unknown>, message };
    this.sent.push(sent);
    await this.onSend(sent);
  };

  token(index: number): string {
    return this.sent[index]!.body.taskToken as string;
  }
}

function signing(queue: FakeQueue, definition: object = SIGN_QUEUE): LocalWorkflowEngine {
  return new LocalWorkflowEngine(
    definition,
    {},
    { substitutions: { SigningQueueUrl: QUEUE_URL }, sendMessage: queue.send, waitTimeScale: 0.001 },
  );
}

async function until<T>(probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sentCount = (queue: FakeQueue, n: number) => until(() => (queue.sent.length >= n ? true : undefined));

const conflictReason = async (promise: Promise<unknown>): Promise<unknown> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConflictError);
  return (error as ConflictError).details.reason;
};

/** The fixture's SQS Task alone, without Retry or Catch: what fails it fails the execution. */
const UNCAUGHT = (() => {
  const definition = structuredClone(SIGN_QUEUE) as { States: Record<string, Record<string, unknown>> };
  const sign = definition.States.SignInEnclave!;
  delete sign.Retry;
  delete sign.Catch;
  delete definition.States.SigningTimedOut;
  delete definition.States.SigningFailed;
  return definition;
})();

describe('LocalWorkflowEngine: sqs:sendMessage.waitForTaskToken', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  afterEach(() => expect(unhandled).toEqual([]));

  it("sends the MessageBody as JSON with the task's own token, and takes SendTaskSuccess's output as the result", async () => {
    const queue = new FakeQueue();
    const engine = signing(queue);
    await engine.start('tx-1', INPUT);
    await sentCount(queue, 1);

    const [sent] = queue.sent;
    expect(sent!.queueUrl).toBe(QUEUE_URL);
    expect(sent!.body).toEqual({
      jobId: 'tx-1:1',
      transferId: 'tx-1',
      proof: { walletId: 'wallet-agent-1' },
      taskToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(sent!.text).toBe(JSON.stringify(sent!.body));
    expect(sent!.message).toEqual({
      executionArn: 'arn:aws:states:local:000000000000:execution:transaction:tx-1',
      stateName: 'SignInEnclave',
      taskToken: queue.token(0),
    });
    expect(engine.describe('tx-1')!.status).toBe('RUNNING');

    await engine.sendTaskSuccess(queue.token(0), SIGNED);
    const done = await engine.waitForCompletion('tx-1', 5_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: { ...INPUT, signed: SIGNED } });
    expect(await conflictReason(engine.sendTaskSuccess(queue.token(0), SIGNED))).toBe('TaskDoesNotExist');
    expect(await conflictReason(engine.sendTaskHeartbeat(queue.token(0)))).toBe('TaskDoesNotExist');
  });

  it('fails the state with the error and cause of SendTaskFailure, for Retry and Catch to match', async () => {
    const queue = new FakeQueue();
    const engine = signing(queue);
    await engine.start('tx-refused', INPUT);
    await sentCount(queue, 1);
    // Retried once on the transient code: a new message with a new token.
    await engine.sendTaskFailure(queue.token(0), 'ENCLAVE.KMS_UNAVAILABLE', 'KMS did not answer');
    await sentCount(queue, 2);
    expect(queue.token(1)).not.toBe(queue.token(0));
    await engine.sendTaskFailure(
      queue.token(1),
      'ENCLAVE.PROOF_INVALID',
      'the proof is not signed by the approval key',
    );

    const done = await engine.waitForCompletion('tx-refused', 5_000);
    expect(done.output).toEqual({
      ...INPUT,
      failure: { Error: 'ENCLAVE.PROOF_INVALID', Cause: 'the proof is not signed by the approval key' },
      outcome: 'failed',
    });

    const uncaught = signing(queue, UNCAUGHT);
    await uncaught.start('tx-uncaught', INPUT);
    await sentCount(queue, 3);
    await uncaught.sendTaskFailure(queue.token(2), 'ENCLAVE.WRONG_WALLET', 'another wallet');
    expect(await uncaught.waitForCompletion('tx-uncaught', 5_000)).toMatchObject({
      status: 'FAILED',
      error: 'ENCLAVE.WRONG_WALLET',
      cause: 'another wallet',
    });
  });

  it('fails the state with SQS.AmazonSQSException when SQS refuses the message, the cause as the service words it', async () => {
    const queue = new FakeQueue();
    const refused = (): unknown =>
      Object.assign(new Error('The specified queue does not exist.'), {
        name: 'QueueDoesNotExist',
        $metadata: { httpStatusCode: 400 },
      });
    queue.failures.push(refused(), refused());
    const engine = signing(queue);
    await engine.start('tx-no-queue', INPUT);
    const done = await engine.waitForCompletion('tx-no-queue', 5_000);

    expect(queue.sent).toHaveLength(0);
    const { failure } = done.output as { failure: { Error: string; Cause: string } };
    expect(failure).toEqual({
      Error: 'SQS.AmazonSQSException',
      Cause:
        'The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: QueueDoesNotExist)',
    });
    expect((done.output as { outcome: string }).outcome).toBe('failed');
  });

  it('fails the state with SQS.SdkClientException when SQS is not reached; the retry sends again and succeeds', async () => {
    const queue = new FakeQueue();
    let token = '';
    // The failing send saw a token; the message must not carry it into the history.
    const sender: SqsMessageSender = async (queueUrl, text, message) => {
      if (token === '') {
        token = message.taskToken;
        throw new Error(`connect ECONNREFUSED while sending ${text}`);
      }
      return queue.send(queueUrl, text, message);
    };
    const engine = new LocalWorkflowEngine(
      UNCAUGHT,
      {},
      { substitutions: { SigningQueueUrl: QUEUE_URL }, sendMessage: sender },
    );
    await engine.start('tx-down', INPUT);
    const done = await engine.waitForCompletion('tx-down', 5_000);
    expect(done).toMatchObject({ status: 'FAILED', error: 'SQS.SdkClientException' });
    expect(done.cause).toMatch(/^connect ECONNREFUSED while sending /);
    expect(done.cause).not.toContain(token);
    expect(await conflictReason(engine.sendTaskSuccess(token, SIGNED))).toBe('TaskDoesNotExist');

    // With the fixture's Retry, the next attempt goes through.
    token = '';
    const retried = new LocalWorkflowEngine(
      SIGN_QUEUE,
      {},
      { substitutions: { SigningQueueUrl: QUEUE_URL }, sendMessage: sender, waitTimeScale: 0.001 },
    );
    await retried.start('tx-retried', INPUT);
    await sentCount(queue, 1);
    await retried.sendTaskSuccess(queue.token(0), SIGNED);
    expect(await retried.waitForCompletion('tx-retried', 5_000)).toMatchObject({
      status: 'SUCCEEDED',
      output: { signed: SIGNED },
    });
  });

  it('completes the task when the answer comes while the message is still being sent', async () => {
    const queue = new FakeQueue();
    const engine = signing(queue);
    queue.onSend = (sent) => engine.sendTaskSuccess(sent.body.taskToken as string, SIGNED);
    await engine.start('tx-fast-host', INPUT);
    expect(await engine.waitForCompletion('tx-fast-host', 5_000)).toMatchObject({
      status: 'SUCCEEDED',
      output: { signed: SIGNED },
    });
  });

  describe('HeartbeatSeconds', () => {
    it('fails the task with States.HeartbeatTimeout when nobody heartbeats, caught by States.Timeout as in the cloud', async () => {
      const queue = new FakeQueue();
      const engine = signing(queue);
      const t0 = Date.now();
      await engine.start('tx-silent', INPUT);
      const done = await engine.waitForCompletion('tx-silent', 10_000);
      // HeartbeatSeconds 1, long before TimeoutSeconds 30.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(done.output).toMatchObject({ failure: { Error: 'States.HeartbeatTimeout' }, outcome: 'timed-out' });
      expect(await conflictReason(engine.sendTaskSuccess(queue.token(0), SIGNED))).toBe('TaskDoesNotExist');

      const uncaught = signing(queue, UNCAUGHT);
      await uncaught.start('tx-silent-uncaught', INPUT);
      expect(await uncaught.waitForCompletion('tx-silent-uncaught', 10_000)).toMatchObject({
        status: 'FAILED',
        error: 'States.HeartbeatTimeout',
      });
    });

    it('keeps a task that heartbeats waiting past its HeartbeatSeconds', async () => {
      const queue = new FakeQueue();
      const engine = signing(queue);
      await engine.start('tx-beating', INPUT);
      await sentCount(queue, 1);
      // 1.6 s in all, never 1 s without a heartbeat.
      for (let i = 0; i < 8; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await engine.sendTaskHeartbeat(queue.token(0));
      }
      expect(engine.describe('tx-beating')!.status).toBe('RUNNING');
      await engine.sendTaskSuccess(queue.token(0), SIGNED);
      expect(await engine.waitForCompletion('tx-beating', 5_000)).toMatchObject({
        status: 'SUCCEEDED',
        output: { signed: SIGNED },
      });
      expect(await conflictReason(engine.sendTaskHeartbeat('never-issued'))).toBe('TaskDoesNotExist');
    });

    it('applies to a lambda:invoke.waitForTaskToken Task too', async () => {
      const definition = {
        StartAt: 'Ask',
        States: {
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: '${AskFunctionArn}', Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSeconds: 30,
            HeartbeatSeconds: 1,
            End: true,
          },
        },
      };
      const engine = new LocalWorkflowEngine(definition, { AskFunctionArn: async () => ({ notified: 1 }) });
      await engine.start('ask', {});
      expect(await engine.waitForCompletion('ask', 10_000)).toMatchObject({
        status: 'FAILED',
        error: 'States.HeartbeatTimeout',
      });
    });
  });

  it('refuses a definition with an SQS Task when no sendMessage is given', () => {
    expect(() => new LocalWorkflowEngine(SIGN_QUEUE, {}, { substitutions: { SigningQueueUrl: QUEUE_URL } })).toThrow(
      LocalDefinitionError,
    );
    expect(() => new LocalWorkflowEngine(SIGN_QUEUE, {}, { substitutions: { SigningQueueUrl: QUEUE_URL } })).toThrow(
      /SignInEnclave sends to SQS/,
    );
  });
});

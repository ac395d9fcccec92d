import {
  DescribeExecutionCommand,
  InvalidToken,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startAwsStandIns, type AwsStandIns } from '../../../../local/aws/start-aws-stand-ins';
import { poll } from '../../../support/poll';
import { standInClientConfig } from '../../../integration/aws-stand-ins/stand-in-client-config';

const REGION = 'eu-central-1';
const ACCOUNT = '210987654321';
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sign`;
const SIGNED = { serializedTransaction: '0x02f8aa', txHash: `0x${'cd'.repeat(32)}` };

/** A deployed definition (the queue URL substituted): one job to the signing queue, answered by its consumer. */
const definitionFor = (queueUrl: string): string =>
  JSON.stringify({
    StartAt: 'Sign',
    States: {
      Sign: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: {
          QueueUrl: queueUrl,
          MessageBody: { 'transferId.$': '$.transferId', 'taskToken.$': '$$.Task.Token' },
        },
        TimeoutSeconds: 30,
        HeartbeatSeconds: 1,
        ResultPath: '$.signed',
        End: true,
      },
    },
  });

describe('Step Functions stand-in: an SQS callback Task answered over the SDK', () => {
  let aws: AwsStandIns;
  let sfn: SFNClient;
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    aws = await startAwsStandIns({ region: REGION, account: ACCOUNT });
    sfn = new SFNClient(standInClientConfig(aws.endpoints.sfn, REGION));
    sqs = new SQSClient(standInClientConfig(aws.endpoints.sqs, REGION));
    queueUrl = aws.sqs.createQueue('signing');
    aws.sfn.registerStateMachine({
      arn: STATE_MACHINE_ARN,
      definition: definitionFor(queueUrl),
      invoke: async () => {
        throw new Error('no Lambda Task in this definition');
      },
      sendMessage: async (url, body) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
      },
    });
  });

  afterAll(async () => {
    sfn.destroy();
    sqs.destroy();
    await aws.stop();
  });

  const start = async (name: string): Promise<string> => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        name,
        input: JSON.stringify({ transferId: name }),
      }),
    );
    return executionArn!;
  };
  /** The next job on the queue, as the enclave host would receive it. */
  const receiveJob = (): Promise<{ transferId: string; taskToken: string }> =>
    poll(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, MaxNumberOfMessages: 1 }),
        );
        const body = Messages?.[0]?.Body;
        return body === undefined ? undefined : (JSON.parse(body) as { transferId: string; taskToken: string });
      },
      'a signing job on the queue',
      10_000,
      20,
    );
  const finished = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
    poll(
      async () => {
        const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return out.status === 'RUNNING' ? undefined : out;
      },
      `${executionArn} to finish`,
      10_000,
      20,
    );

  it('delivers the job to the queue, keeps the task alive on SendTaskHeartbeat, and succeeds with SendTaskSuccess', async () => {
    const executionArn = await start('tr-signed');
    const job = await receiveJob();
    expect(job.transferId).toBe('tr-signed');

    // 1.5 s in all, past the Task's HeartbeatSeconds (1), never 1 s without a heartbeat.
    for (let i = 0; i < 5; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: job.taskToken }))).resolves.toBeDefined();
    }
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(running.status).toBe('RUNNING');

    await sfn.send(new SendTaskSuccessCommand({ taskToken: job.taskToken, output: JSON.stringify(SIGNED) }));
    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ transferId: 'tr-signed', signed: SIGNED });

    // The task has closed: a heartbeat is refused as the service refuses it; a forged token is not one it issued.
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: job.taskToken }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'AAAAforged' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
    expect(aws.sfn.calls).toContain('SendTaskHeartbeat');
  });

  it('fails the execution with States.HeartbeatTimeout when the consumer stays silent, and refuses its late answer', async () => {
    const executionArn = await start('tr-silent');
    const job = await receiveJob();
    const done = await finished(executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: job.taskToken, output: JSON.stringify(SIGNED) })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('refuses to register a definition with an SQS Task without a sendMessage', () => {
    expect(() =>
      aws.sfn.registerStateMachine({
        arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:no-sender`,
        definition: definitionFor(queueUrl),
        invoke: async () => ({}),
      }),
    ).toThrow(/Sign sends to SQS/);
  });
});

import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { ConflictError } from '../../../lambdas/domain/errors';
import { SfnWorkflowEngine } from '../../../lambdas/adapters/sfn/sfn-workflow-engine';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { poll } from '../../support/poll';
import { standInClientConfig } from './stand-in-client-config';

const REGION = 'eu-central-1';
const ACCOUNT = '210987654321';
const functionArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:approval`;

/** Ask for an approval and wait for its callback, then record the answer: a deployed definition, ARNs substituted. */
const DEFINITION = JSON.stringify({
  StartAt: 'AskApproval',
  States: {
    AskApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: functionArn('ask-approval'),
        Payload: { 'taskToken.$': '$$.Task.Token', 'transferId.$': '$.transferId' },
      },
      TimeoutSeconds: 30,
      ResultPath: '$.approval',
      Next: 'Record',
    },
    Record: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: functionArn('record'), 'Payload.$': '$' },
      TimeoutSeconds: 30,
      ResultSelector: { 'recorded.$': '$.Payload' },
      End: true,
    },
  },
});

class ProofError extends Error {
  override readonly name = 'ProofError';
}

describe('Step Functions stand-in, through SfnWorkflowEngine and the SDK', () => {
  let aws: AwsStandIns;
  let client: SFNClient;
  let engine: SfnWorkflowEngine;
  const invocations: { functionArn: string; payload: Record<string, unknown> }[] = [];
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    aws = await startAwsStandIns({ region: REGION, account: ACCOUNT });
    aws.sfn.registerStateMachine({
      arn: STATE_MACHINE_ARN,
      definition: DEFINITION,
      invoke: async (arn, payload) => {
        const event = payload as Record<string, unknown>;
        invocations.push({ functionArn: arn, payload: event });
        if (arn === functionArn('ask-approval')) {
          tokens.set(String(event.transferId), String(event.taskToken));
          return { notified: 1 };
        }
        if (event.transferId === 'tr-bad-proof') throw new ProofError('the proof does not verify');
        return { at: 'recorded' };
      },
    });
    client = new SFNClient(standInClientConfig(aws.endpoints.sfn, REGION));
    engine = new SfnWorkflowEngine(client, { stateMachineArn: STATE_MACHINE_ARN });
  });
  afterAll(async () => {
    client.destroy();
    await aws.stop();
  });

  const describe_ = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
    client.send(new DescribeExecutionCommand({ executionArn }));
  const finished = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
    poll(
      async () => {
        const out = await describe_(executionArn);
        return out.status === 'RUNNING' ? undefined : out;
      },
      `${executionArn} to finish`,
      10_000,
      20,
    );
  const tokenOf = (transferId: string): Promise<string> =>
    poll(async () => tokens.get(transferId), `the task token of ${transferId}`, 10_000, 10);

  it('starts an execution once per name: the same input again is the same execution, another input is refused', async () => {
    const first = await engine.start('tr-1', { transferId: 'tr-1' });
    expect(first).toEqual({
      executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:approval:tr-1`,
      started: true,
    });
    expect(await engine.start('tr-1', { transferId: 'tr-1' })).toEqual(first);
    expect(await engine.start('tr-1', { transferId: 'tr-1', amount: '5' })).toEqual({
      executionArn: first.executionArn,
      started: false,
    });
    const running = await describe_(first.executionArn);
    expect(running).toMatchObject({ status: 'RUNNING', name: 'tr-1', stateMachineArn: STATE_MACHINE_ARN });
    expect(JSON.parse(running.input!)).toEqual({ transferId: 'tr-1' });
    expect(invocations.filter((i) => i.payload.transferId === 'tr-1')).toHaveLength(1);
  });

  it('a waitForTaskToken task completed by SendTaskSuccess over HTTP: the execution succeeds with its output', async () => {
    const token = await tokenOf('tr-1');
    await engine.sendTaskSuccess(token, { approved: true, by: 'alice' });
    const done = await finished(`arn:aws:states:${REGION}:${ACCOUNT}:execution:approval:tr-1`);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(done.output!)).toEqual({ recorded: { at: 'recorded' } });
    const record = invocations.find((i) => i.functionArn === functionArn('record'));
    expect(record?.payload).toEqual({ transferId: 'tr-1', approval: { approved: true, by: 'alice' } });

    // The token's task has closed: Step Functions answers TaskTimedOut, which the adapter reports as a conflict.
    const reused = await engine.sendTaskSuccess(token, { approved: true }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(ConflictError);
    expect((reused as ConflictError).details.reason).toBe('TaskTimedOut');
    // A finished execution's name is not started again.
    expect((await engine.start('tr-1', { transferId: 'tr-1' })).started).toBe(false);
  });

  it('a task failed by SendTaskFailure fails the execution with that error and cause', async () => {
    const { executionArn } = await engine.start('tr-2', { transferId: 'tr-2' });
    await engine.sendTaskFailure(await tokenOf('tr-2'), 'ApprovalRejected', 'rejected by bob');
    const done = await finished(executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected', cause: 'rejected by bob' });
    expect(done.output).toBeUndefined();
  });

  it('a Lambda error reaches the execution by its name, as Lambda reports it', async () => {
    const { executionArn } = await engine.start('tr-bad-proof', { transferId: 'tr-bad-proof' });
    await engine.sendTaskSuccess(await tokenOf('tr-bad-proof'), { approved: true });
    const done = await finished(executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'ProofError' });
    expect(JSON.parse(done.cause!)).toEqual({ errorType: 'ProofError', errorMessage: 'the proof does not verify' });
  });

  it('refuses a token it never issued (InvalidToken), an unknown state machine and an unknown execution', async () => {
    const forged = await engine.sendTaskSuccess('AAAAforged-token', {}).catch((e: unknown) => e);
    expect(forged).toBeInstanceOf(ConflictError);
    expect((forged as ConflictError).details.reason).toBe('InvalidToken');

    await expect(
      client.send(
        new StartExecutionCommand({
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:nothing`,
          name: 'x',
          input: '{}',
        }),
      ),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(describe_(`arn:aws:states:${REGION}:${ACCOUNT}:execution:approval:never`)).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'tr-3', input: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'a b', input: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('refuses to register a state machine of another account or a definition the local runner cannot run', () => {
    expect(() =>
      aws.sfn.registerStateMachine({
        arn: `arn:aws:states:${REGION}:111111111111:stateMachine:other`,
        definition: DEFINITION,
        invoke: async () => ({}),
      }),
    ).toThrow(/not a state machine ARN of/);
    const unsubstituted = DEFINITION.replace(functionArn('record'), '${RecordFunctionArn}');
    expect(() =>
      aws.sfn.registerStateMachine({
        arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:unsubstituted`,
        definition: unsubstituted,
        invoke: async () => ({}),
      }),
    ).toThrow(/RecordFunctionArn/);
  });
});

import {
  ExecutionAlreadyExists,
  ExecutionLimitExceeded,
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SfnWorkflowEngine, executionArnOf } from '../../../lambdas/adapters/sfn/sfn-workflow-engine';
import { ConflictError } from '../../../lambdas/domain/errors';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:strongroom-transaction';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:111122223333:execution:strongroom-transaction:tx-1';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf7secret-task-token';

describe('SfnWorkflowEngine', () => {
  const sfn = mockClient(SFNClient);
  const engine = new SfnWorkflowEngine(new SFNClient({ region: 'eu-west-1' }), { stateMachineArn: STATE_MACHINE_ARN });
  beforeEach(() => sfn.reset());

  it('starts an execution named by the transfer with its input as JSON', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
    await expect(engine.start('tx-1', { transferId: 'tx-1', amount: '5' })).resolves.toEqual({
      executionArn: EXECUTION_ARN,
      started: true,
    });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'tx-1',
      input: '{"transferId":"tx-1","amount":"5"}',
    });
  });

  it('reports started: false with the execution ARN when the name exists already', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    await expect(engine.start('tx-1', {})).resolves.toEqual({ executionArn: EXECUTION_ARN, started: false });
  });

  it('passes other StartExecution failures on', async () => {
    const limit = new ExecutionLimitExceeded({ message: 'Execution limit exceeded', $metadata: {} });
    sfn.on(StartExecutionCommand).rejects(limit);
    await expect(engine.start('tx-1', {})).rejects.toBe(limit);
  });

  it('sends task success with the output as JSON and task failure with error and cause', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    await engine.sendTaskSuccess(TOKEN, { approvedBy: ['alice'] });
    await engine.sendTaskFailure(TOKEN, 'ApprovalRejected', 'bob rejected it');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({
      taskToken: TOKEN,
      output: '{"approvedBy":["alice"]}',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toEqual({
      taskToken: TOKEN,
      error: 'ApprovalRejected',
      cause: 'bob rejected it',
    });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: `Task Timed Out: '${TOKEN}'`, $metadata: { requestId: 'req-1' } })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: { requestId: 'req-1' } })],
    ['InvalidToken', new InvalidToken({ message: `Invalid Token: '${TOKEN}'`, $metadata: { requestId: 'req-1' } })],
  ])(
    'turns %s into a ConflictError that carries neither the token nor the service text',
    async (reason, serviceError) => {
      sfn.on(SendTaskSuccessCommand).rejects(serviceError);
      sfn.on(SendTaskFailureCommand).rejects(serviceError);
      for (const call of [
        () => engine.sendTaskSuccess(TOKEN, {}),
        () => engine.sendTaskFailure(TOKEN, 'Cancelled', 'cancelled'),
      ]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ code: 'STORE.CONFLICT', details: { reason, requestId: 'req-1' } });
        expect((error as ConflictError).cause).toBeUndefined();
        expect(JSON.stringify((error as ConflictError).toJSON())).not.toContain(TOKEN);
      }
    },
  );

  it('passes on a refusal that is a bug, not a race', async () => {
    const invalid = new InvalidOutput({ message: 'Invalid output', $metadata: {} });
    sfn.on(SendTaskSuccessCommand).rejects(invalid);
    await expect(engine.sendTaskSuccess(TOKEN, {})).rejects.toBe(invalid);
  });

  it('refuses a malformed state machine ARN at construction', () => {
    expect(
      () =>
        new SfnWorkflowEngine(new SFNClient({ region: 'eu-west-1' }), { stateMachineArn: 'strongroom-transaction' }),
    ).toThrow(/state machine ARN/);
    expect(executionArnOf('arn:aws-cn:states:cn-north-1:111122223333:stateMachine:m', 'x')).toBe(
      'arn:aws-cn:states:cn-north-1:111122223333:execution:m:x',
    );
  });
});

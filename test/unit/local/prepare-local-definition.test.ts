import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalDefinitionError, prepareLocalDefinition } from '../../../local/workflow/prepare-local-definition';

type State = Record<string, unknown>;
type Definition = { States: Record<string, State> };

const SIGN_QUEUE = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/asl/sign-queue.asl.json'), 'utf8'),
) as Definition;
const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/signing';
const SUBSTITUTIONS = { SigningQueueUrl: QUEUE_URL };

const prepare = (definition: object) => prepareLocalDefinition(definition, [], SUBSTITUTIONS);

/** A copy of the fixture with its SQS Task changed by `patch`. */
function withSign(patch: (task: State) => void): Definition {
  const definition = structuredClone(SIGN_QUEUE);
  patch(definition.States.SignInEnclave!);
  return definition;
}

const refusal = (definition: object): string => {
  try {
    prepare(definition);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalDefinitionError);
    return (error as Error).message;
  }
  throw new Error('the definition was accepted');
};

describe('prepareLocalDefinition: sqs:sendMessage.waitForTaskToken', () => {
  it('accepts a Task that sends its MessageBody with the task token, with its timeout and heartbeat', () => {
    const prepared = prepare(SIGN_QUEUE);
    expect(prepared.tasks).toEqual([
      { stateName: 'SignInEnclave', service: 'sqs', callback: true, timeoutSeconds: 30, heartbeatSeconds: 1 },
    ]);
    const task = prepared.definition.States as Record<string, State>;
    expect((task.SignInEnclave!.Parameters as { QueueUrl: string }).QueueUrl).toBe(QUEUE_URL);
    expect(prepared.retryIntervals).toEqual({ SignInEnclave: [1] });
  });

  it('lets a States.Timeout catcher or retrier match a heartbeat timeout too, as in the cloud', () => {
    const prepared = prepare(
      withSign((task) => {
        task.Retry = [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 1 }];
      }),
    );
    const sign = (prepared.definition.States as Record<string, State>).SignInEnclave as {
      Retry: { ErrorEquals: string[] }[];
      Catch: { ErrorEquals: string[] }[];
    };
    expect(sign.Retry[0]!.ErrorEquals).toEqual(['States.Timeout', 'States.HeartbeatTimeout']);
    expect(sign.Catch.map((c) => c.ErrorEquals)).toEqual([
      ['States.Timeout', 'States.HeartbeatTimeout'],
      ['States.ALL'],
    ]);
    // The source definition is left as it was.
    expect(SIGN_QUEUE.States.SignInEnclave!.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'SigningTimedOut' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'SigningFailed' },
    ]);
  });

  it('refuses a States.TaskFailed a heartbeat timeout would reach first (it matches locally, not in the cloud)', () => {
    const taskFailedFirst = withSign((task) => {
      task.Catch = [
        { ErrorEquals: ['States.TaskFailed'], Next: 'SigningFailed' },
        { ErrorEquals: ['States.Timeout'], Next: 'SigningTimedOut' },
      ];
    });
    expect(refusal(taskFailedFirst)).toMatch(/Catch: States.TaskFailed would match a heartbeat timeout/);
    const retried = withSign((task) => {
      task.Retry = [{ ErrorEquals: ['States.TaskFailed'] }];
    });
    expect(refusal(retried)).toMatch(/Retry: States.TaskFailed/);
    // Behind a catcher of the heartbeat timeout, or without HeartbeatSeconds, it is what the cloud does.
    const timeoutFirst = withSign((task) => {
      task.Catch = [
        { ErrorEquals: ['States.HeartbeatTimeout'], Next: 'SigningTimedOut' },
        { ErrorEquals: ['States.TaskFailed'], Next: 'SigningFailed' },
      ];
    });
    expect(() => prepare(timeoutFirst)).not.toThrow();
    const noHeartbeat = structuredClone(taskFailedFirst);
    delete noHeartbeat.States.SignInEnclave!.HeartbeatSeconds;
    expect(() => prepare(noHeartbeat)).not.toThrow();
  });

  it('refuses a MessageBody without the task token, not an object, or given by a path', () => {
    expect(
      refusal(
        withSign((task) => {
          delete (task.Parameters as { MessageBody: State }).MessageBody['taskToken.$'];
        }),
      ),
    ).toMatch(/SignInEnclave: .*"\$\$\.Task\.Token" in its MessageBody/);
    expect(
      refusal(
        withSign((task) => {
          task.Parameters = { QueueUrl: QUEUE_URL, MessageBody: '{"taskToken":"x"}' };
        }),
      ),
    ).toMatch(/MessageBody must be a JSON object/);
    expect(
      refusal(
        withSign((task) => {
          task.Parameters = { QueueUrl: QUEUE_URL, 'MessageBody.$': '$.job' };
        }),
      ),
    ).toMatch(/MessageBody\.\$ .*not run locally/);
  });

  it('refuses SQS parameters it would not send, and a missing QueueUrl', () => {
    expect(
      refusal(
        withSign((task) => {
          (task.Parameters as State).DelaySeconds = 5;
          (task.Parameters as State).MessageGroupId = 'g';
        }),
      ),
    ).toMatch(/DelaySeconds, MessageGroupId are not run locally/);
    expect(
      refusal(
        withSign((task) => {
          delete (task.Parameters as State).QueueUrl;
        }),
      ),
    ).toMatch(/QueueUrl/);
    // A QueueUrl taken from the input is evaluated by the library and sent as it comes.
    expect(() =>
      prepare(
        withSign((task) => {
          const parameters = task.Parameters as State;
          delete parameters.QueueUrl;
          parameters['QueueUrl.$'] = '$.queueUrl';
        }),
      ),
    ).not.toThrow();
  });

  it('refuses a heartbeat not below the timeout, given by a path, or on a Task without a callback', () => {
    expect(
      refusal(
        withSign((task) => {
          task.HeartbeatSeconds = 30;
        }),
      ),
    ).toMatch(/HeartbeatSeconds must be a positive integer below TimeoutSeconds/);
    expect(
      refusal(
        withSign((task) => {
          task.HeartbeatSeconds = 0;
        }),
      ),
    ).toMatch(/HeartbeatSeconds must be/);
    expect(
      refusal(
        withSign((task) => {
          delete task.HeartbeatSeconds;
          task.HeartbeatSecondsPath = '$.heartbeat';
        }),
      ),
    ).toMatch(/HeartbeatSecondsPath is not run locally/);
    const plainLambda = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: '${CallFunctionArn}', Payload: {} },
          TimeoutSeconds: 10,
          HeartbeatSeconds: 5,
          End: true,
        },
      },
    };
    expect(() => prepareLocalDefinition(plainLambda, ['CallFunctionArn'])).toThrow(
      /HeartbeatSeconds is only run locally on a waitForTaskToken task/,
    );
  });

  it('gives a lambda callback Task its heartbeat, and still refuses other service integrations', () => {
    const approval = {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: '${AskFunctionArn}', Payload: { 'token.$': '$$.Task.Token' } },
          TimeoutSeconds: 10,
          HeartbeatSeconds: 5,
          End: true,
        },
      },
    };
    expect(prepareLocalDefinition(approval, ['AskFunctionArn']).tasks).toEqual([
      { stateName: 'Ask', service: 'lambda', callback: true, timeoutSeconds: 10, heartbeatSeconds: 5 },
    ]);
    for (const resource of [
      'arn:aws:states:::sqs:sendMessage',
      'arn:aws:states:::sns:publish.waitForTaskToken',
      'arn:aws:states:::aws-sdk:sqs:sendMessage',
    ]) {
      expect(
        refusal(
          withSign((task) => {
            task.Resource = resource;
          }),
        ),
      ).toMatch(/is not run locally/);
    }
  });
});

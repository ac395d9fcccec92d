import {
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ConflictError } from '../../lambdas/domain/errors';

/** What answers task tokens in-process: the local workflow engine's callback methods. */
export interface TaskCallbackTarget {
  sendTaskSuccess(taskToken: string, output: object): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  sendTaskHeartbeat(taskToken: string): Promise<void>;
}

type Refusal = 'TaskTimedOut' | 'TaskDoesNotExist' | 'InvalidToken';

const REFUSALS: Readonly<Record<Refusal, string>> = {
  TaskTimedOut: "Task Timed Out: 'Provided task does not exist anymore'",
  TaskDoesNotExist: 'Task does not exist',
  InvalidToken: 'Invalid token',
};

/** The SDK's own exception class for a refusal, so callers see what the service's client would throw (name and class). */
function refusal(reason: Refusal): Error {
  const options = { message: REFUSALS[reason], $metadata: {} };
  if (reason === 'TaskTimedOut') return new TaskTimedOut(options);
  if (reason === 'TaskDoesNotExist') return new TaskDoesNotExist(options);
  return new InvalidToken(options);
}

/** The engine refuses a token whose task no longer waits with a ConflictError naming the reason. */
function asServiceError(error: unknown): unknown {
  if (!(error instanceof ConflictError)) return error;
  const reason = error.details.reason;
  return reason === 'TaskTimedOut' || reason === 'TaskDoesNotExist' || reason === 'InvalidToken'
    ? refusal(reason)
    : error;
}

/** The service's bounds on a token: anything else is not a token it could have issued. */
function checkToken(taskToken: string | undefined): string {
  if (taskToken === undefined || taskToken.length < 1 || taskToken.length > 2048) throw refusal('InvalidToken');
  return taskToken;
}

/**
 * A Step Functions client for the task callbacks of the in-process workflow engine, so that the real
 * enclave signing host (enclave-host/host/signing-host.ts, which takes an `SFNClient`) runs in the local
 * runtime against the local engine, with no HTTP in between. It answers `send` for SendTaskSuccessCommand,
 * SendTaskFailureCommand and SendTaskHeartbeatCommand as the service does: `{}` on success; a token
 * whose task no longer waits is refused with the SDK's TaskTimedOut / TaskDoesNotExist (the engine's
 * reasons), a malformed token with InvalidToken, an output that is not JSON with InvalidOutput.
 *
 * Typed as `SFNClient` through a cast: the host only ever calls `send` with these three commands, and
 * building a real client would send them over HTTP to an endpoint the local runtime does not have. Any
 * other command, or any other member, is not there: a command rejects naming itself, and the test of
 * this module runs the real host on it.
 */
export function localSfnClient(engine: TaskCallbackTarget): SFNClient {
  const send = async (command: unknown): Promise<Record<string, never>> => {
    try {
      if (command instanceof SendTaskSuccessCommand) {
        const { taskToken, output } = command.input;
        const token = checkToken(taskToken);
        let parsed: unknown;
        try {
          parsed = JSON.parse(output ?? '');
        } catch {
          throw new InvalidOutput({ message: 'Invalid Output: not JSON', $metadata: {} });
        }
        await engine.sendTaskSuccess(token, parsed as object);
      } else if (command instanceof SendTaskFailureCommand) {
        const { taskToken, error, cause } = command.input;
        await engine.sendTaskFailure(checkToken(taskToken), error ?? '', cause ?? '');
      } else if (command instanceof SendTaskHeartbeatCommand) {
        await engine.sendTaskHeartbeat(checkToken(command.input.taskToken));
      } else {
        const name = typeof command === 'object' && command !== null ? command.constructor.name : typeof command;
        throw new Error(`localSfnClient answers task callbacks only, not ${name}`);
      }
      return {};
    } catch (error) {
      throw asServiceError(error);
    }
  };
  // Every other SFNClient member is left out: see the doc comment for why the cast holds.
  const client = { send, destroy: (): void => undefined };
  return client as unknown as SFNClient;
}

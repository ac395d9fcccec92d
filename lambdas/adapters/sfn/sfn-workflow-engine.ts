import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ConflictError } from '../../domain/errors';
import type { WorkflowEngine, WorkflowStart } from '../../ports/workflow-engine';

export interface SfnWorkflowEngineOptions {
  /** `arn:aws:states:<region>:<account>:stateMachine:<name>` */
  readonly stateMachineArn: string;
}

const STATE_MACHINE_ARN = /^(arn:[^:]+:states:[^:]*:[^:]*:)stateMachine:([^:]+)$/;

/** The execution ARN Step Functions gives an execution of `stateMachineArn` named `name`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  const match = STATE_MACHINE_ARN.exec(stateMachineArn);
  if (!match) throw new Error('stateMachineArn is not a state machine ARN');
  return `${match[1]}execution:${match[2]}:${name}`;
}

/**
 * The transfer workflow on Step Functions (Standard). Only the service's answers that mean
 * "already done" or "the task moved on" are translated; anything else (throttling, access denied)
 * reaches the caller unchanged.
 */
export class SfnWorkflowEngine implements WorkflowEngine {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string;

  constructor(client: SFNClient, options: SfnWorkflowEngineOptions) {
    executionArnOf(options.stateMachineArn, 'check'); // fail at cold start on a malformed ARN
    this.client = client;
    this.stateMachineArn = options.stateMachineArn;
  }

  async start(executionName: string, input: object): Promise<WorkflowStart> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
      return { executionArn: out.executionArn ?? executionArnOf(this.stateMachineArn, executionName), started: true };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) {
        return { executionArn: executionArnOf(this.stateMachineArn, executionName), started: false };
      }
      throw error;
    }
  }

  async sendTaskSuccess(taskToken: string, output: object): Promise<void> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (error) {
      throw taskGone(error) ?? error;
    }
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    } catch (e) {
      throw taskGone(e) ?? e;
    }
  }
}

/**
 * The service's "this token no longer opens a waiting task" answers, as a ConflictError. The SDK
 * error is not kept as the cause: the error must never carry the token, and its text is the service's.
 */
function taskGone(error: unknown): ConflictError | undefined {
  const reason =
    error instanceof TaskTimedOut
      ? 'TaskTimedOut'
      : error instanceof TaskDoesNotExist
        ? 'TaskDoesNotExist'
        : error instanceof InvalidToken
          ? 'InvalidToken'
          : undefined;
  if (reason === undefined) return undefined;
  const requestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
  return new ConflictError('STORE.CONFLICT', `the workflow task is no longer waiting for this token (${reason})`, {
    details: requestId === undefined ? { reason } : { reason, requestId },
  });
}

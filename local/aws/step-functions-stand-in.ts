/**
 * A local AWS Step Functions (`AWSStepFunctions`, awsJson1_0) for Standard state machines registered
 * here with their deployed definition (`registerStateMachine`). Executions run in-process on the
 * project's one local ASL runner (local/workflow/local-workflow-engine.ts, aws-local-stepfunctions);
 * each Task's `lambda:invoke` goes to the `invoke` function given at registration, a
 * `sqs:sendMessage.waitForTaskToken` Task's message to its `sendMessage` (the rehearsal: the SQS
 * stand-in), and a callback Task (`.waitForTaskToken`) waits for SendTaskSuccess / SendTaskFailure
 * over HTTP, failing with States.HeartbeatTimeout if it has HeartbeatSeconds and SendTaskHeartbeat
 * does not come in time.
 *
 * Operations: StartExecution (a name is used once: the same name with the same input while the
 * execution runs answers that execution again, anything else ExecutionAlreadyExists), DescribeExecution,
 * SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. Task tokens are refused as Step Functions refuses
 * them: one it never issued is InvalidToken; one whose task has closed (answered, timed out, execution
 * ended) TaskTimedOut.
 *
 * Left out: CreateStateMachine and every other control-plane call (register in code), StopExecution,
 * ListExecutions, GetExecutionHistory, Express workflows, redrive, activities, the execution-level
 * TIMED_OUT and ABORTED statuses (the runner reports those as FAILED), what the local runner refuses
 * (see prepare-local-definition.ts: JSONata, `$$.State`, service integrations other than Lambda and
 * SQS SendMessage with a task token, SQS parameters other than QueueUrl and MessageBody, Tasks without
 * TimeoutSeconds, HeartbeatSecondsPath), IAM and SigV4 verification.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../../lambdas/domain/errors';
import { LocalWorkflowEngine, type ExecutionDescription } from '../workflow/local-workflow-engine';
import type { AwsJsonInput, AwsJsonService } from './aws-json-protocol';
import { AwsServiceError } from './aws-service-error';
import { jsonInput, type JsonInput } from './json-input';

export interface RegisterStateMachineOptions {
  /** `arn:aws:states:<region>:<account>:stateMachine:<name>`, in the stand-in's region and account. */
  readonly arn: string;
  /** The ASL as a JSON string, every `${…}` placeholder already substituted (Lambda ARNs are real ones). */
  readonly definition: string;
  /** Runs the Lambda function a Task names (its ARN, as in the definition) and resolves with its result. */
  readonly invoke: (functionArn: string, payload: unknown) => Promise<unknown>;
  /**
   * Sends an `sqs:sendMessage.waitForTaskToken` Task's MessageBody (JSON text, its task token in
   * place) to the queue; required when the definition has such a Task. The rehearsal sends it to the
   * SQS stand-in with the SDK, where the enclave host receives it.
   */
  readonly sendMessage?: (queueUrl: string, body: string) => Promise<void>;
  /** Multiplies every Wait and Retry interval (tests: 0.001); default 1, as in the cloud. */
  readonly waitTimeScale?: number;
}

interface StateMachine {
  readonly arn: string;
  readonly engine: LocalWorkflowEngine;
}

interface Execution {
  readonly machine: StateMachine;
  readonly name: string;
  /** The input as StartExecution received it: idempotency compares it, DescribeExecution returns it. */
  readonly inputText: string;
}

const INPUT_LIMIT_BYTES = 256 * 1024;
const STATE_MACHINE_ARN = /^arn:aws:states:([a-z0-9-]+):([0-9]+):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const EXECUTION_ARN = /^(arn:aws:states:[a-z0-9-]+:[0-9]+):execution:([A-Za-z0-9_-]{1,80}):([^:]+)$/;

const validation = (message: string): AwsServiceError => new AwsServiceError('ValidationException', message);
const read = (input: AwsJsonInput): JsonInput => jsonInput(input, validation);
const seconds = (date: Date): number => date.getTime() / 1000;

/** The Step Functions stand-in's state and operations; serve `service` with the JSON protocol layer. */
export class StepFunctionsStandIn {
  readonly service: AwsJsonService;
  private readonly recorded: string[] = [];
  private readonly machines = new Map<string, StateMachine>();
  private readonly executions = new Map<string, Execution>();
  /** Every task token a Task was given, and the runner of its execution. */
  private readonly tokens = new Map<string, LocalWorkflowEngine>();

  constructor(
    readonly region: string,
    readonly account: string,
  ) {
    this.service = {
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      signingName: 'states',
      onCall: (operation) => this.recorded.push(operation),
      operations: {
        StartExecution: (input) => this.startExecution(input),
        DescribeExecution: (input) => this.describeExecutionOperation(input),
        SendTaskSuccess: (input) => this.sendTaskSuccess(input),
        SendTaskFailure: (input) => this.sendTaskFailure(input),
        SendTaskHeartbeat: (input) => this.sendTaskHeartbeat(input),
      },
    };
  }

  /** Operation names of every request so far, in order. */
  get calls(): readonly string[] {
    return this.recorded;
  }

  /**
   * Registers a state machine as the deployment creates it. Throws if the ARN is not one of this
   * stand-in's region and account, is registered already, or the definition would not run locally.
   */
  registerStateMachine(options: RegisterStateMachineOptions): void {
    const match = STATE_MACHINE_ARN.exec(options.arn);
    if (match === null || match[1] !== this.region || match[2] !== this.account)
      throw new Error(`${options.arn} is not a state machine ARN of ${this.region}/${this.account}`);
    if (this.machines.has(options.arn)) throw new Error(`${options.arn} is registered already`);
    const definition = JSON.parse(options.definition) as object;
    const { sendMessage } = options;
    const engine = new LocalWorkflowEngine(
      definition,
      {},
      {
        stateMachineArn: options.arn,
        ...(options.waitTimeScale === undefined ? {} : { waitTimeScale: options.waitTimeScale }),
        invoke: (functionArn, payload, invocation) => {
          // Called only once the constructor has returned: `engine` is set by then.
          if (invocation.taskToken !== undefined) this.tokens.set(invocation.taskToken, engine);
          return options.invoke(functionArn, payload);
        },
        ...(sendMessage === undefined
          ? {}
          : {
              sendMessage: (queueUrl, body, message) => {
                this.tokens.set(message.taskToken, engine);
                return sendMessage(queueUrl, body);
              },
            }),
      },
    );
    this.machines.set(options.arn, { arn: options.arn, engine });
  }

  /** An execution as the runner sees it (input and output parsed), or undefined if none has that ARN. */
  describeExecution(executionArn: string): ExecutionDescription | undefined {
    const execution = this.executions.get(executionArn);
    return execution?.machine.engine.describe(execution.name);
  }

  /** Waits until the execution has finished; rejects if it is unknown or still runs after `timeoutMs`. */
  async waitForExecution(executionArn: string, timeoutMs: number): Promise<ExecutionDescription> {
    const execution = this.executions.get(executionArn);
    if (execution === undefined) throw new Error(`no execution ${executionArn}`);
    return execution.machine.engine.waitForCompletion(execution.name, timeoutMs);
  }

  /** Stops every running execution (each ends FAILED) and clears its timers: call before the process moves on. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.machines.values()].map((machine) => machine.engine.shutdown()));
  }

  private async startExecution(input: AwsJsonInput): Promise<unknown> {
    const request = read(input);
    const stateMachineArn = request.string('stateMachineArn');
    const arn = STATE_MACHINE_ARN.exec(stateMachineArn);
    if (arn === null) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    const machine = this.machines.get(stateMachineArn);
    if (machine === undefined)
      throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = request.optionalString('name') ?? randomUUID();
    const inputText = request.optionalString('input') ?? '{}';
    if (Buffer.byteLength(inputText, 'utf8') > INPUT_LIMIT_BYTES)
      throw new AwsServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: too large');
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch (error) {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${error instanceof Error ? error.message : 'not JSON'}'`,
      );
    }
    const executionArn = `arn:aws:states:${arn[1]}:${arn[2]}:execution:${arn[3]}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing !== undefined) {
      const running = machine.engine.describe(name);
      if (running?.status === 'RUNNING' && existing.inputText === inputText)
        return { executionArn, startDate: seconds(running.startDate) };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    try {
      await machine.engine.start(name, parsed as object);
    } catch (error) {
      if (error instanceof ValidationError) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
      throw error;
    }
    this.executions.set(executionArn, { machine, name, inputText });
    const started = machine.engine.describe(name);
    return { executionArn, startDate: seconds(started?.startDate ?? new Date()) };
  }

  private describeExecutionOperation(input: AwsJsonInput): unknown {
    const executionArn = read(input).string('executionArn');
    if (!EXECUTION_ARN.test(executionArn)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const execution = this.executions.get(executionArn);
    const description = execution?.machine.engine.describe(execution.name);
    if (execution === undefined || description === undefined)
      throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return {
      executionArn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: description.status,
      startDate: seconds(description.startDate),
      ...(description.stopDate === undefined ? {} : { stopDate: seconds(description.stopDate) }),
      input: execution.inputText,
      inputDetails: { included: true },
      ...(description.status === 'SUCCEEDED'
        ? { output: JSON.stringify(description.output ?? null), outputDetails: { included: true } }
        : {}),
      ...(description.error === undefined ? {} : { error: description.error }),
      ...(description.cause === undefined ? {} : { cause: description.cause }),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  private async sendTaskSuccess(input: AwsJsonInput): Promise<unknown> {
    const request = read(input);
    const token = request.string('taskToken');
    const outputText = request.string('output');
    let output: unknown;
    try {
      output = JSON.parse(outputText);
    } catch {
      throw new AwsServiceError('InvalidOutput', 'Invalid Output: not JSON');
    }
    await this.answerTask(token, (engine) => engine.sendTaskSuccess(token, output as object));
    return {};
  }

  private async sendTaskFailure(input: AwsJsonInput): Promise<unknown> {
    const request = read(input);
    const token = request.string('taskToken');
    const error = request.optionalString('error') ?? '';
    const cause = request.optionalString('cause') ?? '';
    if (error.length > 256) throw validation("Value at 'error' failed to satisfy constraint: length <= 256");
    if (cause.length > 32_768) throw validation("Value at 'cause' failed to satisfy constraint: length <= 32768");
    await this.answerTask(token, (engine) => engine.sendTaskFailure(token, error, cause));
    return {};
  }

  private async sendTaskHeartbeat(input: AwsJsonInput): Promise<unknown> {
    const token = read(input).string('taskToken');
    await this.answerTask(token, (engine) => engine.sendTaskHeartbeat(token));
    return {};
  }

  private async answerTask(token: string, answer: (engine: LocalWorkflowEngine) => Promise<void>): Promise<void> {
    if (token.length < 1 || token.length > 2048)
      throw validation("Value at 'taskToken' failed to satisfy constraint: length between 1 and 2048");
    const engine = this.tokens.get(token);
    if (engine === undefined) throw new AwsServiceError('InvalidToken', 'Invalid token');
    try {
      await answer(engine);
    } catch (error) {
      // The runner refuses a token whose task has closed (used, timed out, execution ended).
      if (error instanceof ConflictError)
        throw new AwsServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
      throw error;
    }
  }
}

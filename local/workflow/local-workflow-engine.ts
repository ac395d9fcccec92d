import './promise-with-resolvers';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import {
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { StrongroomError, ValidationError } from '../../lambdas/domain/errors';
import type { WorkflowEngine, WorkflowStart } from '../../lambdas/ports/workflow-engine';
import {
  functionNameOf,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LocalDefinitionError,
  localFunctionArn,
  prepareLocalDefinition,
  type LocalTaskState,
} from './prepare-local-definition';
import { TaskCallbacks } from './task-callbacks';

/** The context a Lambda handler receives; locally a faithful stand-in. */
export type LambdaContextLike = Context;

/**
 * A Lambda handler as exported by a handler module. Declared as a method so that handlers typed
 * with their own event (`(event: ScreenEvent, context: Context) => …`) are accepted as they are.
 */
export type LocalLambdaHandler = { handle(event: unknown, context: LambdaContextLike): Promise<unknown> }['handle'];

/** One Task's call of its function, as {@link LambdaInvoker} receives it. */
export interface LambdaInvocation {
  readonly executionArn: string;
  readonly stateName: string;
  /** A `waitForTaskToken` Task: the token its payload carries (a secret: never log it). */
  readonly taskToken?: string;
}

/**
 * Invokes a Lambda function by the Task's FunctionName as it stands in the definition (a name or an
 * ARN) and resolves with its result (the `Payload` the Task sees), or rejects as the function failed:
 * the rejection's `name` is the error type the ASL's Retry/Catch match.
 */
export type LambdaInvoker = (functionName: string, payload: unknown, invocation: LambdaInvocation) => Promise<unknown>;

/** One `sqs:sendMessage.waitForTaskToken` Task's message, as {@link SqsMessageSender} receives it. */
export interface SqsTaskMessage {
  readonly executionArn: string;
  readonly stateName: string;
  /** The token the body carries (a secret: never log it). */
  readonly taskToken: string;
}

/**
 * The SQS port: sends `body` (the Task's MessageBody as JSON text, its token in place) to the queue
 * `queueUrl` names, resolving once SQS has accepted it. Locally it calls the SQS stand-in with the
 * AWS SDK; a rejection fails the Task with an SQS error (see {@link sqsErrorOf}).
 */
export type SqsMessageSender = (queueUrl: string, body: string, message: SqsTaskMessage) => Promise<void>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** One execution as DescribeExecution would show it. */
export interface ExecutionDescription {
  readonly name: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly input: unknown;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** SUCCEEDED: the execution's output. */
  readonly output?: unknown;
  /** FAILED: the error name (`ProofError`, `States.Timeout`, …) and its cause. */
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Events outside the workflow that make a Wait pointless, counted: locally, anvil's new blocks, which
 * end the confirmation loop's Wait at once instead of after its whole seconds.
 */
export interface WaitWakeSource {
  /** How many events so far; it only grows. */
  readonly count: number;
  /**
   * Resolves once `count` exceeds `mark` (at once if it already does), or when `signal` aborts
   * (then the listener is dropped).
   */
  next(mark: number, signal: AbortSignal): Promise<void>;
}

export interface LocalWorkflowEngineOptions {
  /** Values for the definition's other `${Placeholders}` (not functions). */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Name of the state machine in ARNs and `$$.StateMachine.Name`. Default `transaction`. */
  readonly stateMachineName?: string;
  /**
   * The state machine's ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`), from which
   * execution ARNs and the name are derived; it wins over `stateMachineName`. Default: a local ARN.
   */
  readonly stateMachineArn?: string;
  /**
   * Invokes the Tasks' functions instead of `handlers` (which must then be empty): for a definition
   * whose FunctionNames are real ARNs (its placeholders substituted as at deployment). Default: the
   * local handlers by placeholder.
   */
  readonly invoke?: LambdaInvoker;
  /**
   * Sends the messages of `sqs:sendMessage.waitForTaskToken` Tasks; required when the definition has
   * one (the runtime and the rehearsal pass one that calls the SQS stand-in).
   */
  readonly sendMessage?: SqsMessageSender;
  /**
   * Multiplies every Wait duration and every Retry interval (tests: 0.001). Under a scale other than
   * 1, retries wait IntervalSeconds × scale each time (the library's override has no backoff).
   * Task TimeoutSeconds is never scaled.
   */
  readonly waitTimeScale?: number;
  /**
   * Tests only: multiplies callback Tasks' HeartbeatSeconds (0.1 makes the signing task's 180 s 18 s),
   * so a signer that never answers is given up on in a test's time. Default 1, as in the cloud.
   */
  readonly heartbeatTimeScale?: number;
  /**
   * Wait states (by name) that also end at the first event of their source since the Task before
   * them started: the check that decided to wait cannot have seen it. Their duration (scaled) stays
   * the upper bound, so nothing changes when no event comes. Step Functions has no such thing: the
   * cloud waits the whole duration.
   */
  readonly wakeWaits?: Readonly<Record<string, WaitWakeSource>>;
}

export interface StartOptions {
  /**
   * Start `executionName` again although it ran in this process (and is not running now): the
   * application resuming a transfer from its events.
   */
  readonly resume?: boolean;
}

interface ExecutionRecord {
  description: ExecutionDescription;
  readonly done: Promise<void>;
  abort?: () => void;
}

/** What one execution's overrides share: where each wake source stood when its latest Task started. */
interface ExecutionScope {
  readonly name: string;
  readonly executionArn: string;
  readonly placeholderToken: string;
  readonly marks: Map<WaitWakeSource, number>;
  /** Aborted when the execution ends: drops its Wait timers and wake listeners. */
  readonly ended: AbortSignal;
}

type JsonValue = Parameters<StateMachine['run']>[0];

// Step Functions' rule for execution names: 1–80 characters, none of white space, brackets,
// wildcards, these punctuation marks or control characters.
// eslint-disable-next-line no-control-regex
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;
const STATE_MACHINE_ARN = /^(arn:[^:]+:states:[^:]+:([^:]+)):stateMachine:([^:]+)$/;

/** An error as the Lambda service reports a function error to Step Functions. */
class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage }));
    this.name = errorType;
  }
}

/** An error of the States language itself: the library neither retries nor catches it when these flags are false. */
class StatesRuntimeError extends Error {
  override readonly name = 'States.Runtime';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/**
 * A SendMessage that failed, named as Step Functions names the SQS integration's errors for Retry and
 * Catch: `SQS.AmazonSQSException` when SQS answered with an error (throttled, no such queue, access
 * denied), `SQS.SdkClientException` when it was not reached at all. The AWS guide names service
 * integration errors `<Service>.<Exception>` ("Learning to use AWS service SDK integrations": e.g.
 * `S3.BucketAlreadyExistsException`); these two are what the optimized SQS integration raises (the
 * names AWS users retry on, and LocalStack's emulation of it, `StateTaskServiceSqs`). The cause reads
 * like the service's: the message, then the status and the error code.
 */
class SqsIntegrationError extends Error {
  constructor(name: 'SQS.AmazonSQSException' | 'SQS.SdkClientException', cause: string) {
    super(cause);
    this.name = name;
  }
}

function sqsErrorOf(thrown: unknown, taskToken: string): SqsIntegrationError {
  const { name, message, $metadata } = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  // Whatever the sender's error says, the token does not reach the execution's history.
  const text = (typeof message === 'string' ? message : String(thrown)).split(taskToken).join('(task token)');
  const status = $metadata?.httpStatusCode;
  if (typeof status !== 'number') return new SqsIntegrationError('SQS.SdkClientException', text);
  const code = typeof name === 'string' ? name : 'Unknown';
  return new SqsIntegrationError(
    'SQS.AmazonSQSException',
    `${text} (Service: AmazonSQS; Status Code: ${status}; Error Code: ${code})`,
  );
}

function lambdaErrorOf(thrown: unknown): LambdaFunctionError {
  if (thrown instanceof Error) return new LambdaFunctionError(thrown.name, thrown.message);
  return new LambdaFunctionError('Error', String(thrown));
}

/** What crosses the Lambda boundary is JSON: the same copy (and the same failures) as in the cloud. */
function asJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

function replaceString(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceString(v, from, to));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceString(v, from, to)]));
  }
  return value;
}

function failureOf(error: unknown): { error: string; cause: string } {
  if (error instanceof ExecutionTimeoutError) return { error: 'States.Timeout', cause: 'the execution timed out' };
  const inner = error instanceof ExecutionError && error.cause !== undefined ? error.cause : error;
  if (inner instanceof Error) return { error: inner.name, cause: inner.message };
  return { error: 'Error', cause: String(inner) };
}

/** Resolves after `ms`, or at once when `signal` aborts (the timer is cleared). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The transfer workflow run in-process: the ASL deployed to Step Functions, executed by
 * aws-local-stepfunctions, each Task state calling the same Lambda handler the cloud invokes.
 *
 * - A `lambda:invoke` Task calls the handler with the evaluated `Payload` and yields
 *   `{Payload: result, …}`; a thrown error reaches the ASL as Lambda reports it (name = the error's
 *   `name`, cause = `{"errorType","errorMessage"}`), so `Retry`/`Catch` by name work as in the cloud.
 * - A `lambda:invoke.waitForTaskToken` Task gets a fresh random token in place of the library's one
 *   fixed `$$.Task.Token`, and waits for `sendTaskSuccess`/`sendTaskFailure` with it or its
 *   `TimeoutSeconds` (States.Timeout).
 * - A `sqs:sendMessage.waitForTaskToken` Task sends its MessageBody (JSON, fresh token in place)
 *   through `sendMessage` and waits the same way; its result is the SendTaskSuccess output.
 * - A callback Task with `HeartbeatSeconds` fails with States.HeartbeatTimeout when neither
 *   `sendTaskHeartbeat` nor an answer comes for that long (the library itself ignores the field).
 * - A Wait state sleeps its duration (scaled by `waitTimeScale`); one named in `wakeWaits` also ends
 *   at the first event of its source (a new block) since the Task before it started.
 * - Executions live in memory; the application restarts in-flight ones after a restart
 *   (`start(name, input, {resume: true})`). There is no stop.
 */
export class LocalWorkflowEngine implements WorkflowEngine {
  private readonly machine: StateMachine;
  private readonly handlers: ReadonlyMap<string, LocalLambdaHandler>;
  private readonly tasks: readonly LocalTaskState[];
  private readonly waits: readonly string[];
  private readonly wakeWaits: ReadonlyMap<string, WaitWakeSource>;
  private readonly wakeSources: readonly WaitWakeSource[];
  private readonly retryIntervalOverrides: Record<string, number[]> | undefined;
  private readonly waitTimeScale: number;
  private readonly heartbeatTimeScale: number;
  private readonly stateMachineName: string;
  private readonly stateMachineArn: string;
  /** `arn:…:states:<region>:<account>`, the prefix of every execution ARN. */
  private readonly arnPrefix: string;
  private readonly account: string;
  private readonly invoke: LambdaInvoker | undefined;
  private readonly sendMessage: SqsMessageSender | undefined;
  private readonly callbacks = new TaskCallbacks();
  private readonly executions = new Map<string, ExecutionRecord>();

  /**
   * @param definition the ASL as in `statemachines/`, `${Placeholders}` and all
   * @param handlers per function placeholder (`ScreenFunctionArn`), the handler the Lambda exports;
   * empty when `options.invoke` calls the functions
   */
  constructor(
    definition: object,
    handlers: Readonly<Record<string, LocalLambdaHandler>>,
    options: LocalWorkflowEngineOptions = {},
  ) {
    const scale = options.waitTimeScale ?? 1;
    if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError('waitTimeScale must be a finite number >= 0');
    this.waitTimeScale = scale;
    const heartbeatScale = options.heartbeatTimeScale ?? 1;
    if (!(heartbeatScale > 0) || !Number.isFinite(heartbeatScale))
      throw new RangeError('heartbeatTimeScale must be a finite number > 0');
    this.heartbeatTimeScale = heartbeatScale;
    this.stateMachineArn =
      options.stateMachineArn ??
      `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${options.stateMachineName ?? 'transaction'}`;
    const arn = STATE_MACHINE_ARN.exec(this.stateMachineArn);
    if (arn === null) throw new LocalDefinitionError(`${this.stateMachineArn} is not a state machine ARN`);
    this.arnPrefix = arn[1] as string;
    this.account = arn[2] as string;
    this.stateMachineName = arn[3] as string;
    this.handlers = new Map(Object.entries(handlers));
    this.invoke = options.invoke;
    if (this.invoke !== undefined && this.handlers.size > 0)
      throw new LocalDefinitionError('give either local handlers or an invoke function, not both');
    const prepared = prepareLocalDefinition(definition, [...this.handlers.keys()], options.substitutions, {
      anyFunctionName: this.invoke !== undefined,
    });
    this.tasks = prepared.tasks;
    this.sendMessage = options.sendMessage;
    const sqsTask = this.tasks.find((t) => t.service === 'sqs');
    if (sqsTask !== undefined && this.sendMessage === undefined)
      throw new LocalDefinitionError(`Task ${sqsTask.stateName} sends to SQS: give the engine a sendMessage`);
    this.waits = prepared.waits.map((w) => w.stateName);
    this.wakeWaits = new Map(Object.entries(options.wakeWaits ?? {}));
    for (const name of this.wakeWaits.keys()) {
      if (!this.waits.includes(name)) throw new LocalDefinitionError(`wakeWaits: ${name} is not a Wait state`);
    }
    this.wakeSources = [...new Set(this.wakeWaits.values())];
    this.retryIntervalOverrides =
      scale === 1
        ? undefined
        : Object.fromEntries(
            Object.entries(prepared.retryIntervals).map(([state, intervals]) => [
              state,
              intervals.map((s) => s * 1000 * scale),
            ]),
          );
    // The library validates the definition (asl-validator) here and throws if it is invalid.
    this.machine = new StateMachine(prepared.definition as unknown as StateMachineDefinition);
  }

  async start(executionName: string, input: object, options: StartOptions = {}): Promise<WorkflowStart> {
    if (!EXECUTION_NAME.test(executionName)) {
      throw new ValidationError(
        'REQUEST.INVALID_FIELD',
        'executionName',
        'must be 1-80 characters without white space, brackets, wildcards or special characters',
      );
    }
    const executionArn = `${this.arnPrefix}:execution:${this.stateMachineName}:${executionName}`;
    const existing = this.executions.get(executionName);
    if (existing !== undefined && (existing.description.status === 'RUNNING' || options.resume !== true)) {
      return { executionArn, started: false };
    }
    const json = asJson(input);
    const ended = new AbortController();
    const scope: ExecutionScope = {
      name: executionName,
      executionArn,
      placeholderToken: `local-task-token-placeholder-${randomBytes(16).toString('hex')}`,
      marks: new Map(),
      ended: ended.signal,
    };
    const startDate = new Date();
    const runOptions: RunOptions = {
      context: {
        Execution: {
          Id: executionArn,
          Name: executionName,
          RoleArn: `arn:aws:iam::${this.account}:role/local-workflow`,
        },
        StateMachine: { Id: this.stateMachineArn, Name: this.stateMachineName },
        Task: { Token: scope.placeholderToken },
      },
      overrides: {
        taskResourceLocalHandlers: this.overridesFor(scope),
        ...(this.retryIntervalOverrides === undefined ? {} : { retryIntervalOverrides: this.retryIntervalOverrides }),
      },
    };

    const description: ExecutionDescription = {
      name: executionName,
      executionArn,
      status: 'RUNNING',
      input: json,
      startDate,
    };
    const finish = (outcome: Partial<ExecutionDescription>): void => {
      ended.abort();
      this.callbacks.closeAll(executionName);
      record.description = { ...description, ...outcome, stopDate: new Date() };
    };
    // Nothing the handlers or the library throw may escape as an unhandled rejection.
    const done = Promise.resolve()
      .then(() => {
        const execution = this.machine.run(json, runOptions);
        record.abort = execution.abort;
        return execution.result;
      })
      .then(
        (output) => finish({ status: 'SUCCEEDED', output }),
        (error: unknown) => finish({ status: 'FAILED', ...failureOf(error) }),
      );
    const record: ExecutionRecord = { description, done };
    this.executions.set(executionName, record);
    return { executionArn, started: true };
  }

  /**
   * Stops every running execution (the process is shutting down): each ends FAILED, its waiting
   * callbacks closed and its timers cleared. Nothing is compensated: the transfers stay as their events
   * say, and the next runtime resumes them from there.
   */
  async shutdown(): Promise<void> {
    const running = [...this.executions.values()].filter((r) => r.description.status === 'RUNNING');
    for (const record of running) record.abort?.();
    await Promise.all(running.map((r) => r.done));
  }

  async sendTaskSuccess(taskToken: string, output: object): Promise<void> {
    this.callbacks.succeed(taskToken, asJson(output));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    this.callbacks.fail(taskToken, error, cause);
  }

  /**
   * SendTaskHeartbeat: restarts the HeartbeatSeconds clock of the token's task. Refused as an answer
   * is (a ConflictError, reason TaskDoesNotExist or TaskTimedOut) when the task no longer waits.
   */
  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    this.callbacks.heartbeat(taskToken);
  }

  /** The execution's current state, or undefined if no execution of that name ran in this process. */
  describe(executionName: string): ExecutionDescription | undefined {
    return this.executions.get(executionName)?.description;
  }

  /** Waits until the execution has finished; rejects if it is unknown or still runs after `timeoutMs`. */
  async waitForCompletion(executionName: string, timeoutMs: number): Promise<ExecutionDescription> {
    const record = this.executions.get(executionName);
    if (record === undefined) throw new StrongroomError('STORE.NOT_FOUND', `no execution named ${executionName}`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const first = await Promise.race([record.done.then(() => 'done' as const), timedOut]);
      if (first === 'timeout') throw new Error(`execution ${executionName} still runs after ${timeoutMs} ms`);
    } finally {
      clearTimeout(timer);
    }
    // `resume` may have replaced the record meanwhile: report the one that finished.
    return record.description;
  }

  /** The library's Task overrides for one execution: every Task and every (rewritten) Wait state. */
  private overridesFor(scope: ExecutionScope): Record<string, (input: JsonValue) => Promise<JsonValue>> {
    const overrides: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const task of this.tasks) {
      overrides[task.stateName] = (input) => this.runTask(task, input, scope);
    }
    for (const wait of this.waits) {
      overrides[wait] = (input) => this.runWait(wait, input, scope);
    }
    return overrides;
  }

  private async runTask(task: LocalTaskState, input: JsonValue, scope: ExecutionScope): Promise<JsonValue> {
    const { name: executionName, executionArn, placeholderToken } = scope;
    // Taken before anything is awaited, so no later than the library starts its own timer.
    const deadline = Date.now() + task.timeoutSeconds * 1000;
    // Before the handler looks at anything: an event from here on may change what it would decide.
    for (const source of this.wakeSources) scope.marks.set(source, source.count);
    const parameters = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<
      string,
      JsonValue
    >;
    const heartbeat =
      task.heartbeatSeconds === undefined
        ? {}
        : { heartbeatMs: task.heartbeatSeconds * 1000 * this.heartbeatTimeScale };
    if (task.service === 'sqs') return this.runSqsTask(task, parameters, scope, deadline, heartbeat);
    const invoke = this.invoke === undefined ? this.localHandlerOf(parameters.FunctionName, deadline) : this.invoke;
    const { FunctionName: functionName } = parameters;
    if (typeof functionName !== 'string' || functionName.length === 0)
      throw new LambdaFunctionError('Lambda.ResourceNotFoundException', 'the FunctionName is not a function name');
    let event: unknown = 'Payload' in parameters ? parameters.Payload : {};
    const callback = task.callback ? this.callbacks.open(executionName, deadline, heartbeat) : undefined;
    if (callback !== undefined) event = replaceString(event, placeholderToken, callback.token);

    let result: unknown;
    try {
      const invocation: LambdaInvocation = {
        executionArn,
        stateName: task.stateName,
        ...(callback === undefined ? {} : { taskToken: callback.token }),
      };
      result = asJson(await invoke(functionName, event, invocation));
    } catch (thrown) {
      // A callback answered before its Lambda failed has completed the task, as in the cloud.
      if (callback === undefined || this.callbacks.close(callback.token, lambdaErrorOf(thrown)))
        throw lambdaErrorOf(thrown);
    }
    if (callback === undefined) return { ExecutedVersion: '$LATEST', Payload: result as JsonValue, StatusCode: 200 };
    return (await callback.outcome) as JsonValue;
  }

  /**
   * `sqs:sendMessage.waitForTaskToken`: the MessageBody, its token in place, sent as JSON text; the
   * Task's result is the output given to SendTaskSuccess, its error the one given to SendTaskFailure,
   * as for a Lambda callback Task. A send that fails fails the Task with an SQS error, unless the
   * task was answered meanwhile (then it has completed, as in the cloud).
   */
  private async runSqsTask(
    task: LocalTaskState,
    parameters: Record<string, JsonValue>,
    scope: ExecutionScope,
    deadline: number,
    heartbeat: { readonly heartbeatMs?: number },
  ): Promise<JsonValue> {
    const send = this.sendMessage as SqsMessageSender; // checked at construction
    const { QueueUrl: queueUrl, MessageBody: messageBody } = parameters;
    if (typeof queueUrl !== 'string' || queueUrl.length === 0)
      throw new SqsIntegrationError('SQS.AmazonSQSException', 'the QueueUrl is not a queue URL');
    const callback = this.callbacks.open(scope.name, deadline, heartbeat);
    const body = JSON.stringify(replaceString(messageBody, scope.placeholderToken, callback.token));
    try {
      await send(queueUrl, body, {
        executionArn: scope.executionArn,
        stateName: task.stateName,
        taskToken: callback.token,
      });
    } catch (thrown) {
      const error = sqsErrorOf(thrown, callback.token);
      if (this.callbacks.close(callback.token, error)) throw error;
    }
    return (await callback.outcome) as JsonValue;
  }

  private async runWait(stateName: string, input: JsonValue, scope: ExecutionScope): Promise<JsonValue> {
    const {
      seconds,
      timestamp,
      input: effectiveInput,
    } = input as { seconds?: unknown; timestamp?: unknown; input: JsonValue };
    let ms: number;
    if (seconds !== undefined) {
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        throw new StatesRuntimeError('Wait seconds must be a non-negative integer');
      ms = seconds * 1000;
    } else {
      const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
      if (Number.isNaN(at)) throw new StatesRuntimeError('Wait timestamp must be an RFC 3339 timestamp');
      ms = at - Date.now();
    }
    const source = this.wakeWaits.get(stateName);
    if (source === undefined || ms <= 0) {
      await sleep(ms * this.waitTimeScale, scope.ended);
      return effectiveInput;
    }
    // Whichever ends first cancels the other, and the execution's end cancels both.
    const settled = new AbortController();
    const cancel = (): void => settled.abort();
    scope.ended.addEventListener('abort', cancel, { once: true });
    try {
      await Promise.race([
        sleep(ms * this.waitTimeScale, settled.signal),
        source.next(scope.marks.get(source) ?? source.count, settled.signal),
      ]);
    } finally {
      settled.abort();
      scope.ended.removeEventListener('abort', cancel);
    }
    return effectiveInput;
  }

  /** The local handler a FunctionName names, as an invoker. */
  private localHandlerOf(functionArn: unknown, deadline: number): LambdaInvoker {
    const functionName = functionNameOf(functionArn);
    const handler = functionName === undefined ? undefined : this.handlers.get(functionName);
    if (functionName === undefined || handler === undefined) {
      throw new LambdaFunctionError('Lambda.ResourceNotFoundException', 'no local handler for this FunctionName');
    }
    return (_name, event) => handler(event, this.lambdaContext(functionName, deadline));
  }

  private lambdaContext(functionName: string, deadline: number): LambdaContextLike {
    const unsupported = (): void => {
      throw new Error('the callback-style Lambda context methods are not supported locally');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: localFunctionArn(functionName),
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/${this.stateMachineName}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}

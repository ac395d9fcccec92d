/**
 * Turns the ASL file deployed to Step Functions into the definition aws-local-stepfunctions runs,
 * and refuses, at construction, what would behave differently locally (ARCHITECTURE.md §2, "Local
 * workflow runner rules"): a Task without `TimeoutSeconds`, JSONata, `$$.State`, a Resource other
 * than `lambda:invoke[.waitForTaskToken]` and `sqs:sendMessage.waitForTaskToken`, a function without
 * a local handler (unless the caller resolves function names itself: `anyFunctionName`), SQS
 * parameters other than QueueUrl and MessageBody, `HeartbeatSeconds` on a Task that has no callback.
 */

/** The account and region in the ARNs of local functions and executions. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

/** `${ScreenFunctionArn}` becomes this ARN; the placeholder name is the local function's name. */
export const localFunctionArn = (placeholder: string): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${placeholder}`;

const LOCAL_FUNCTION_ARN = new RegExp(
  `^arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:([A-Za-z0-9_-]{1,64})$`,
);

/** The placeholder name behind a local function ARN, or undefined. */
export function functionNameOf(arn: unknown): string | undefined {
  return typeof arn === 'string' ? LOCAL_FUNCTION_ARN.exec(arn)?.[1] : undefined;
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const SQS_SEND_MESSAGE_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';

const TASK_TOKEN_PATH = '$$.Task.Token';
const HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';

/**
 * Node's timers hold at most 2^31-1 ms (24.8 days); a longer one fires at once. The library times
 * a Task with setTimeout, so a longer TimeoutSeconds would time the task out immediately.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** What the runner needs to know about one Task state of the deployed definition. */
export interface LocalTaskState {
  readonly stateName: string;
  /** `lambda`: a `lambda:invoke[.waitForTaskToken]` Task; `sqs`: a `sqs:sendMessage.waitForTaskToken` Task. */
  readonly service: 'lambda' | 'sqs';
  /** The Task waits for SendTaskSuccess/SendTaskFailure (every `sqs` Task does). */
  readonly callback: boolean;
  readonly timeoutSeconds: number;
  /** A callback Task's HeartbeatSeconds (below its TimeoutSeconds), if it has one. */
  readonly heartbeatSeconds?: number;
}

/** A Wait state, run locally as a Task the engine overrides: a (scalable) sleep, or a wake-up event if sooner. */
export interface LocalWaitState {
  readonly stateName: string;
}

/** How a Task's FunctionName is checked. */
export interface PrepareOptions {
  /**
   * Any non-empty FunctionName (name or ARN, as deployed) is accepted, and resolved at run time by
   * whoever invokes it: for a definition whose function ARNs are already real. Default false: each
   * must be a `${Placeholder}` that has a local handler.
   */
  readonly anyFunctionName?: boolean;
}

export interface PreparedDefinition {
  /** The definition to hand to aws-local-stepfunctions. */
  readonly definition: Record<string, unknown>;
  readonly tasks: readonly LocalTaskState[];
  readonly waits: readonly LocalWaitState[];
  /** Per state with a `Retry`, each retrier's IntervalSeconds (default 1). */
  readonly retryIntervals: Readonly<Record<string, readonly number[]>>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Thrown at construction when the definition would not run locally as it runs in the cloud. */
export class LocalDefinitionError extends Error {
  override readonly name = 'LocalDefinitionError';
}

/** Replaces every `${Name}` in every string of `value`; an unknown name is an error. */
export function substitutePlaceholders(value: unknown, substitutions: Readonly<Record<string, string>>): unknown {
  const unknown = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(PLACEHOLDER, (whole, name: string) => {
        const replacement = Object.hasOwn(substitutions, name) ? substitutions[name] : undefined;
        if (replacement === undefined) {
          unknown.add(name);
          return whole;
        }
        return replacement;
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value);
  if (unknown.size > 0) {
    throw new LocalDefinitionError(
      `no local handler or substitution for placeholder(s): ${[...unknown].sort().join(', ')}`,
    );
  }
  return out;
}

/** True when some `*.$` field of `parameters` (at any depth) is exactly `path`. */
function referencesPath(parameters: Json, path: string): boolean {
  if (Array.isArray(parameters)) return parameters.some((p) => referencesPath(p, path));
  if (!isObject(parameters)) return false;
  return Object.entries(parameters).some(
    ([key, value]) => (key.endsWith('.$') && value === path) || referencesPath(value, path),
  );
}

function collectStrings(value: Json, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, into));
  else if (isObject(value)) Object.values(value).forEach((v) => collectStrings(v, into));
  return into;
}

/**
 * Substitutes the placeholders (function placeholders become {@link localFunctionArn}s), checks
 * every state, and rewrites each Wait state into a Task the engine overrides, so that waits can be
 * scaled in tests or ended by an event (a new block), and `SecondsPath`/`TimestampPath` are evaluated
 * by the library as before.
 */
export function prepareLocalDefinition(
  source: object,
  functionPlaceholders: readonly string[],
  substitutions: Readonly<Record<string, string>> = {},
  options: PrepareOptions = {},
): PreparedDefinition {
  const all: Record<string, string> = { ...substitutions };
  for (const name of functionPlaceholders) all[name] = localFunctionArn(name);
  const definition = substitutePlaceholders(JSON.parse(JSON.stringify(source)) as unknown, all);
  if (!isObject(definition) || !isObject(definition.States))
    throw new LocalDefinitionError('the definition has no States object');

  const stateRefs = collectStrings(definition, []).filter((s) => s.startsWith('$$.State'));
  if (stateRefs.length > 0) {
    throw new LocalDefinitionError(
      `the local runner has no $$.State context object (found ${stateRefs[0]}); pass what you need in the input`,
    );
  }

  const tasks: LocalTaskState[] = [];
  const waits: LocalWaitState[] = [];
  const retryIntervals: Record<string, number[]> = {};
  const seen = new Set<string>();
  const functions = options.anyFunctionName === true ? 'any' : new Set(functionPlaceholders);

  const visitMachine = (machine: JsonObject, where: string): void => {
    if (machine.QueryLanguage !== undefined && machine.QueryLanguage !== 'JSONPath') {
      throw new LocalDefinitionError(
        `${where}: only JSONPath runs locally (QueryLanguage ${String(machine.QueryLanguage)})`,
      );
    }
    const states = machine.States;
    if (!isObject(states)) throw new LocalDefinitionError(`${where}: no States object`);
    for (const [stateName, state] of Object.entries(states)) {
      if (!isObject(state)) throw new LocalDefinitionError(`state ${stateName} is not an object`);
      // The library keys its overrides by state name, nested machines included.
      if (seen.has(stateName)) throw new LocalDefinitionError(`state name ${stateName} is used twice`);
      seen.add(stateName);
      if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
        throw new LocalDefinitionError(`state ${stateName}: only JSONPath runs locally`);
      }
      if (Array.isArray(state.Retry)) {
        retryIntervals[stateName] = state.Retry.map((r) =>
          isObject(r) && typeof r.IntervalSeconds === 'number' ? r.IntervalSeconds : 1,
        );
      }
      switch (state.Type) {
        case 'Task':
          tasks.push(checkTask(stateName, state, functions));
          break;
        case 'Wait':
          states[stateName] = waitAsTask(stateName, state);
          waits.push({ stateName });
          break;
        case 'Parallel':
          if (!Array.isArray(state.Branches)) throw new LocalDefinitionError(`state ${stateName}: no Branches`);
          state.Branches.forEach((branch, i) => {
            if (!isObject(branch)) throw new LocalDefinitionError(`state ${stateName}: branch ${i} is not an object`);
            visitMachine(branch, `${stateName}.Branches[${i}]`);
          });
          break;
        case 'Map': {
          const processor = state.ItemProcessor ?? state.Iterator;
          if (!isObject(processor)) throw new LocalDefinitionError(`state ${stateName}: no ItemProcessor`);
          visitMachine(processor, `${stateName}.ItemProcessor`);
          break;
        }
        default:
          break;
      }
    }
  };
  visitMachine(definition, 'definition');
  return { definition, tasks, waits, retryIntervals };
}

function checkTask(stateName: string, state: JsonObject, functions: ReadonlySet<string> | 'any'): LocalTaskState {
  const fail = (reason: string): never => {
    throw new LocalDefinitionError(`Task ${stateName}: ${reason}`);
  };
  const resource = state.Resource;
  if (
    resource !== LAMBDA_INVOKE &&
    resource !== LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN &&
    resource !== SQS_SEND_MESSAGE_WAIT_FOR_TASK_TOKEN
  ) {
    fail(
      `Resource ${String(resource)} is not run locally; use ${LAMBDA_INVOKE}, ${LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN} or ${SQS_SEND_MESSAGE_WAIT_FOR_TASK_TOKEN}`,
    );
  }
  const timeout = state.TimeoutSeconds;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1) {
    fail('TimeoutSeconds (a positive integer) is required: the local runner would time the task out after 60 s');
  }
  const timeoutSeconds = timeout as number;
  if (timeoutSeconds > MAX_TIMER_SECONDS) fail(`TimeoutSeconds above ${MAX_TIMER_SECONDS} overflows Node's timers`);
  const callback = resource !== LAMBDA_INVOKE;
  const heartbeatSeconds = checkHeartbeat(state, timeoutSeconds, callback, fail);
  const timing = {
    stateName,
    callback,
    timeoutSeconds,
    ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
  };
  if (resource === SQS_SEND_MESSAGE_WAIT_FOR_TASK_TOKEN) {
    checkSqsParameters(state.Parameters, fail);
    return { service: 'sqs', ...timing };
  }
  const parameters = state.Parameters;
  if (!isObject(parameters)) return fail('Parameters with FunctionName and Payload are required');
  if (functions === 'any') {
    if (typeof parameters['FunctionName.$'] !== 'string' && !isFunctionName(parameters.FunctionName))
      fail('FunctionName must be a function name or ARN');
  } else if (typeof parameters['FunctionName.$'] !== 'string') {
    const name = functionNameOf(parameters.FunctionName);
    if (name === undefined || !functions.has(name)) {
      fail('FunctionName must be a ${Placeholder} that has a local handler');
    }
  }
  if (callback && !referencesPath(parameters, TASK_TOKEN_PATH)) {
    fail('a waitForTaskToken task must pass "$$.Task.Token" in its Payload');
  }
  return { service: 'lambda', ...timing };
}

/**
 * The Task's HeartbeatSeconds, checked: a positive integer below TimeoutSeconds (the service refuses a
 * definition where it is not), and only on a callback Task, the one kind whose worker can send
 * SendTaskHeartbeat here. Its Retry and Catch are adjusted to match a heartbeat timeout as the cloud does.
 */
function checkHeartbeat(
  state: JsonObject,
  timeoutSeconds: number,
  callback: boolean,
  fail: (reason: string) => never,
): number | undefined {
  if (state.HeartbeatSecondsPath !== undefined) fail('HeartbeatSecondsPath is not run locally; use HeartbeatSeconds');
  const heartbeat = state.HeartbeatSeconds;
  if (heartbeat === undefined) return undefined;
  if (!callback) fail('HeartbeatSeconds is only run locally on a waitForTaskToken task');
  if (typeof heartbeat !== 'number' || !Number.isInteger(heartbeat) || heartbeat < 1 || heartbeat >= timeoutSeconds)
    fail('HeartbeatSeconds must be a positive integer below TimeoutSeconds');
  for (const field of ['Retry', 'Catch'] as const) {
    const entries = state[field];
    if (Array.isArray(entries)) matchHeartbeatTimeoutAsTheCloud(entries, field, fail);
  }
  return heartbeat as number;
}

/**
 * In the cloud a heartbeat timeout is matched by `States.HeartbeatTimeout` and by `States.Timeout`, and,
 * like any timeout, not by `States.TaskFailed`. The library matches an error by its one name (and
 * keeps its own States.Timeout class, which the runner cannot throw, out of `States.TaskFailed`).
 * So `States.HeartbeatTimeout` is added wherever `States.Timeout` is named, and a `States.TaskFailed`
 * that a heartbeat timeout would reach first is refused: locally it would match, in the cloud not.
 */
function matchHeartbeatTimeoutAsTheCloud(entries: Json[], field: string, fail: (reason: string) => never): void {
  let matched = false;
  for (const entry of entries) {
    if (!isObject(entry) || !Array.isArray(entry.ErrorEquals)) continue;
    const errors = entry.ErrorEquals;
    if (errors.includes('States.Timeout') && !errors.includes(HEARTBEAT_TIMEOUT)) errors.push(HEARTBEAT_TIMEOUT);
    if (errors.includes(HEARTBEAT_TIMEOUT) || errors.includes('States.ALL')) matched = true;
    if (!matched && errors.includes('States.TaskFailed'))
      fail(
        `${field}: States.TaskFailed would match a heartbeat timeout locally but not in the cloud; name States.Timeout or ${HEARTBEAT_TIMEOUT} in an earlier ${field} entry or in this one`,
      );
    if (matched) return;
  }
}

/** QueueUrl (or `QueueUrl.$`) and a MessageBody object that passes `$$.Task.Token`: all the local SQS port sends. */
function checkSqsParameters(parameters: Json | undefined, fail: (reason: string) => never): void {
  if (!isObject(parameters)) return fail('Parameters with QueueUrl and MessageBody are required');
  const others = Object.keys(parameters).filter((k) => !['QueueUrl', 'QueueUrl.$', 'MessageBody'].includes(k));
  if (others.length > 0)
    fail(`SQS parameter(s) ${others.join(', ')} are not run locally; only QueueUrl and MessageBody are sent`);
  const url = parameters.QueueUrl ?? parameters['QueueUrl.$'];
  if (typeof url !== 'string' || url.length === 0) fail('QueueUrl (or QueueUrl.$) must be a non-empty string');
  if (!isObject(parameters.MessageBody))
    fail('MessageBody must be a JSON object (the local runner does not take MessageBody.$ or a string)');
  if (!referencesPath(parameters.MessageBody as Json, TASK_TOKEN_PATH))
    fail('a waitForTaskToken task must pass "$$.Task.Token" in its MessageBody');
}

const isFunctionName = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * A Wait state as a Task: the same InputPath, the duration field evaluated by the library in
 * Parameters next to the effective input, no ResultPath (the result, the effective input, is the
 * output, as for a Wait), the same OutputPath and transition.
 */
function waitAsTask(stateName: string, state: JsonObject): JsonObject {
  const duration: JsonObject = {};
  if (state.Seconds !== undefined) {
    if (typeof state.Seconds !== 'number' || state.Seconds > MAX_TIMER_SECONDS) {
      throw new LocalDefinitionError(`Wait ${stateName}: Seconds must be a number up to ${MAX_TIMER_SECONDS}`);
    }
    duration.seconds = state.Seconds;
  } else if (typeof state.SecondsPath === 'string') duration['seconds.$'] = state.SecondsPath;
  else if (state.Timestamp !== undefined) duration.timestamp = state.Timestamp;
  else if (typeof state.TimestampPath === 'string') duration['timestamp.$'] = state.TimestampPath;
  else
    throw new LocalDefinitionError(
      `Wait ${stateName}: one of Seconds, SecondsPath, Timestamp, TimestampPath is required`,
    );

  const task: JsonObject = {
    Type: 'Task',
    Comment: `local stand-in for Wait ${stateName}`,
    Resource: LAMBDA_INVOKE,
    Parameters: { ...duration, 'input.$': '$' },
    TimeoutSeconds: MAX_TIMER_SECONDS,
  };
  for (const field of ['InputPath', 'OutputPath', 'Next', 'End'] as const) {
    if (state[field] !== undefined) task[field] = state[field];
  }
  return task;
}

/** What `start` did: the execution's ARN, and whether this call started it. */
export interface WorkflowStart {
  readonly executionArn: string;
  /**
   * False when an execution with that name exists already and this call started nothing. Step
   * Functions treats a repeated StartExecution with the same name and the same input as idempotent
   * while the first one runs and answers as if it had started it, so `true` means "an execution of
   * that name runs with this input", never "a second one was started".
   */
  readonly started: boolean;
}

/**
 * The transfer workflow as the use cases see it: Step Functions in the cloud, the same ASL run
 * in-process locally. Executions are named by transfer id, so a name is started at most once.
 * There is no stop: cancellation is an event plus a task failure, so that `Catch` runs the
 * compensation.
 *
 * `sendTaskSuccess` / `sendTaskFailure` resume a task waiting on its callback token; a token that
 * is unknown, used already or whose task timed out is refused with a `ConflictError`
 * (`STORE.CONFLICT`, `details.reason` says which), because it means the workflow has moved on.
 * Task tokens are secrets: never log them or put them in errors.
 */
export interface WorkflowEngine {
  start(executionName: string, input: object): Promise<WorkflowStart>;
  /** Completes the waiting task: its result is `output`. */
  sendTaskSuccess(taskToken: string, output: object): Promise<void>;
  /** Fails the waiting task with error name `error`, which the state's `Catch`/`Retry` match. */
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

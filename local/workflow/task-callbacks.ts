import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../lambdas/domain/errors';

/** A task failed through SendTaskFailure: `name` is the error the state's Catch/Retry match. */
export class TaskCallbackFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/**
 * The error a callback task fails with when neither a heartbeat nor an answer came within its
 * HeartbeatSeconds. Step Functions names it so for Retry and Catch ("Error handling in Step Functions",
 * error names: `States.HeartbeatTimeout`, a Task state failed to send a heartbeat for longer than
 * HeartbeatSeconds); in the cloud a `States.Timeout` retrier or catcher matches it too, which
 * prepare-local-definition.ts reproduces by naming both.
 */
export const HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';

/** How long past its deadline an abandoned entry is kept, so that the library's own timeout wins the race. */
const CLEANUP_GRACE_MS = 1_000;

interface Waiting {
  readonly owner: string;
  readonly deadline: number;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** The task's HeartbeatSeconds in ms, if it has one; `heartbeat` is re-armed at each SendTaskHeartbeat. */
  readonly heartbeatMs?: number;
  heartbeat?: NodeJS.Timeout;
}

export interface OpenOptions {
  /**
   * The task's HeartbeatSeconds, in ms: when neither `heartbeat` nor an answer comes for that long,
   * the outcome rejects with {@link HEARTBEAT_TIMEOUT} and the token closes. Default: no heartbeat clock.
   */
  readonly heartbeatMs?: number;
}

/** A callback task that waits for its token. */
export interface OpenCallback {
  readonly token: string;
  /** Settles with SendTaskSuccess's output or rejects with SendTaskFailure's error. */
  readonly outcome: Promise<unknown>;
}

/**
 * The local stand-in for Step Functions' task tokens: each callback task entry gets its own random
 * token, used once. A token that is unknown, used, or past its task's deadline is refused the way
 * the service refuses it (a ConflictError without the token in it). A task with HeartbeatSeconds
 * fails when neither a heartbeat nor an answer arrives for that long: a worker that died is noticed
 * long before TimeoutSeconds.
 */
export class TaskCallbacks {
  private readonly waiting = new Map<string, Waiting>();

  /** Opens a fresh token for a task of execution `owner` that times out at `deadline` (epoch ms). */
  open(owner: string, deadline: number, options: OpenOptions = {}): OpenCallback {
    if (options.heartbeatMs !== undefined && !(options.heartbeatMs > 0))
      throw new RangeError('heartbeatMs must be positive');
    const token = randomBytes(32).toString('base64url');
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const outcome = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Handled here so that an outcome nobody awaits any more (the task timed out, its Lambda failed) never surfaces as an unhandled rejection.
    outcome.catch(() => undefined);
    const timer = setTimeout(
      () => this.close(token, new TaskCallbackFailure('States.Timeout', 'the task timed out')),
      Math.max(0, deadline - Date.now()) + CLEANUP_GRACE_MS,
    );
    timer.unref();
    const { heartbeatMs } = options;
    const entry: Waiting = {
      owner,
      deadline,
      resolve,
      reject,
      timer,
      ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    };
    this.waiting.set(token, entry);
    this.armHeartbeat(token, entry);
    return { token, outcome };
  }

  /**
   * SendTaskHeartbeat: the task is still being worked on, so its heartbeat clock starts again. Refused
   * like an answer when the token is unknown, closed or past its deadline; a task without
   * HeartbeatSeconds accepts it and nothing changes (its TimeoutSeconds still ends it, as in the cloud).
   */
  heartbeat(token: string): void {
    const entry = this.live(token);
    this.armHeartbeat(token, entry);
  }

  succeed(token: string, output: unknown): void {
    this.take(token).resolve(output);
  }

  fail(token: string, error: string, cause: string): void {
    this.take(token).reject(new TaskCallbackFailure(error, cause));
  }

  /** Closes `token` if it is still open (its task failed another way); false if it was settled already. */
  close(token: string, reason: Error): boolean {
    const entry = this.waiting.get(token);
    if (entry === undefined) return false;
    this.waiting.delete(token);
    clearTimeout(entry.timer);
    clearTimeout(entry.heartbeat);
    entry.reject(reason);
    return true;
  }

  /** Closes every token of execution `owner`: a finished execution has no task to resume. */
  closeAll(owner: string): void {
    for (const [token, entry] of this.waiting) {
      if (entry.owner === owner)
        this.close(token, new TaskCallbackFailure('States.Runtime', 'the execution has finished'));
    }
  }

  /** How many tokens are open (for tests and the local server's status page). */
  get size(): number {
    return this.waiting.size;
  }

  private take(token: string): Waiting {
    const entry = this.live(token);
    this.waiting.delete(token);
    clearTimeout(entry.timer);
    clearTimeout(entry.heartbeat);
    return entry;
  }

  /** The open entry of `token`, or the refusal Step Functions would answer. */
  private live(token: string): Waiting {
    const entry = this.waiting.get(token);
    if (entry === undefined) throw gone('TaskDoesNotExist');
    // Past the deadline the library's own timer fails the task with its States.Timeout (which
    // `States.TaskFailed` does not catch); the entry stays until the clean-up timer.
    if (Date.now() >= entry.deadline) throw gone('TaskTimedOut');
    return entry;
  }

  /** (Re)starts the heartbeat clock of an entry that has one. */
  private armHeartbeat(token: string, entry: Waiting): void {
    if (entry.heartbeatMs === undefined) return;
    clearTimeout(entry.heartbeat);
    entry.heartbeat = setTimeout(
      () =>
        this.close(
          token,
          new TaskCallbackFailure(HEARTBEAT_TIMEOUT, 'the task sent no heartbeat within its HeartbeatSeconds'),
        ),
      entry.heartbeatMs,
    );
    // The library's TimeoutSeconds timer keeps the process alive while the task waits; this one need not.
    entry.heartbeat.unref();
  }
}

const gone = (reason: string): ConflictError =>
  new ConflictError('STORE.CONFLICT', `the workflow task is no longer waiting for this token (${reason})`, {
    details: { reason },
  });

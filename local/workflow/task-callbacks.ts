import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../lambdas/domain/errors';

/** A task failed through SendTaskFailure: `name` is the error the state's Catch/Retry match. */
export class TaskCallbackFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** How long past its deadline an abandoned entry is kept, so that the library's own timeout wins the race. */
const CLEANUP_GRACE_MS = 1_000;

interface Waiting {
  readonly owner: string;
  readonly deadline: number;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
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
 * the service refuses it (a ConflictError without the token in it).
 */
export class TaskCallbacks {
  private readonly waiting = new Map<string, Waiting>();

  /** Opens a fresh token for a task of execution `owner` that times out at `deadline` (epoch ms). */
  open(owner: string, deadline: number): OpenCallback {
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
    this.waiting.set(token, { owner, deadline, resolve, reject, timer });
    return { token, outcome };
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
    const entry = this.waiting.get(token);
    if (entry === undefined) throw gone('TaskDoesNotExist');
    // Past the deadline the library's own timer fails the task with its States.Timeout (which
    // `States.TaskFailed` does not catch); the entry stays until the clean-up timer.
    if (Date.now() >= entry.deadline) throw gone('TaskTimedOut');
    this.waiting.delete(token);
    clearTimeout(entry.timer);
    return entry;
  }
}

const gone = (reason: string): ConflictError =>
  new ConflictError('STORE.CONFLICT', `the workflow task is no longer waiting for this token (${reason})`, {
    details: { reason },
  });

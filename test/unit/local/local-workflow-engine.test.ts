import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { ConflictError, DependencyUnavailableError, ProofError, ValidationError } from '../../../lambdas/domain/errors';
import {
  LocalWorkflowEngine,
  type LambdaContextLike,
  type LocalLambdaHandler,
  type WaitWakeSource,
} from '../../../local/workflow/local-workflow-engine';
import { LocalDefinitionError } from '../../../local/workflow/prepare-local-definition';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/asl', name), 'utf8')) as Record<string, unknown>;

const TRANSFER = fixture('transfer.asl.json');
const TIMEOUTS = fixture('timeouts.asl.json');
const INPUT = { to: '0x1111111111111111111111111111111111111111', amount: '1000' };
const FAST = { waitTimeScale: 0.001 };

interface Call {
  readonly event: Record<string, unknown>;
  readonly context: LambdaContextLike;
}

/** A handler that records its calls and answers with `answer(event, callNumber)`. */
function recording(
  answer: (event: Record<string, unknown>, call: number) => unknown,
): LocalLambdaHandler & { calls: Call[] } {
  const calls: Call[] = [];
  const handler = async (event: unknown, context: LambdaContextLike): Promise<unknown> => {
    calls.push({ event: event as Record<string, unknown>, context });
    return answer(event as Record<string, unknown>, calls.length);
  };
  return Object.assign(handler, { calls });
}

function transferHandlers(overrides: Partial<Record<string, LocalLambdaHandler>> = {}) {
  const handlers = {
    ScreenFunctionArn: recording(() => ({ verdict: 'CLEAR' })),
    EvaluatePolicyFunctionArn: recording(() => ({ action: 'ALLOW', pollSeconds: 2 })),
    RequestApprovalFunctionArn: recording(() => ({ notified: 2 })),
    PrepareFunctionArn: recording(() => ({ nonce: 7 })),
    CompensateFunctionArn: recording(() => ({ released: true })),
  };
  return { handlers, all: { ...handlers, ...overrides } as Record<string, LocalLambdaHandler> };
}

async function until<T>(probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const conflictReason = async (promise: Promise<unknown>): Promise<unknown> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConflictError);
  expect((error as ConflictError).code).toBe('STORE.CONFLICT');
  return (error as ConflictError).details.reason;
};

describe('LocalWorkflowEngine', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  afterEach(() => expect(unhandled).toEqual([]));

  it('runs three tasks, passing each result along and giving handlers the Lambda-shaped event and context', async () => {
    const { handlers, all } = transferHandlers();
    const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);

    const started = await engine.start('tx-happy', INPUT);
    expect(started).toEqual({
      executionArn: 'arn:aws:states:local:000000000000:execution:transaction:tx-happy',
      started: true,
    });
    const done = await engine.waitForCompletion('tx-happy', 5_000);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      ...INPUT,
      screening: { verdict: 'CLEAR' },
      policy: { action: 'ALLOW', pollSeconds: 2 },
      prepared: { nonce: 7 },
    });
    expect(handlers.ScreenFunctionArn.calls[0]!.event).toEqual({
      transferId: 'tx-happy',
      to: INPUT.to,
      amount: '1000',
    });
    expect(handlers.PrepareFunctionArn.calls[0]!.event).toEqual({
      transferId: 'tx-happy',
      verdict: 'CLEAR',
      action: 'ALLOW',
    });
    expect(handlers.RequestApprovalFunctionArn.calls).toHaveLength(0);
    expect(handlers.CompensateFunctionArn.calls).toHaveLength(0);
    const { context } = handlers.ScreenFunctionArn.calls[0]!;
    expect(context.functionName).toBe('ScreenFunctionArn');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:local:000000000000:function:ScreenFunctionArn');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate.getTime());
  });

  it('returns {Payload: result} from a lambda:invoke task, as the service integration does', async () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: '${EchoFunctionArn}', 'Payload.$': '$' },
          TimeoutSeconds: 5,
          End: true,
        },
      },
    };
    const engine = new LocalWorkflowEngine(definition, { EchoFunctionArn: async (event) => ({ echoed: event }) });
    await engine.start('echo', { a: 1 });
    const done = await engine.waitForCompletion('echo', 5_000);
    expect(done.output).toEqual({ ExecutedVersion: '$LATEST', Payload: { echoed: { a: 1 } }, StatusCode: 200 });
  });

  it('retries a task on the error name in its Retry, then succeeds', async () => {
    const screen = recording((_event, call) => {
      if (call === 1) throw new DependencyUnavailableError('KEY.UNAVAILABLE', 'screening provider down');
      return { verdict: 'CLEAR' };
    });
    const { all } = transferHandlers({ ScreenFunctionArn: screen });
    const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);

    await engine.start('tx-retry', INPUT);
    const done = await engine.waitForCompletion('tx-retry', 5_000);

    expect(screen.calls).toHaveLength(2);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('catches a handler error by its name and runs the compensation with the Lambda-style cause', async () => {
    const { handlers, all } = transferHandlers({
      ScreenFunctionArn: async () => {
        throw new ProofError('PROOF.INVALID', 'the proof does not verify');
      },
    });
    const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);

    await engine.start('tx-catch', INPUT);
    const done = await engine.waitForCompletion('tx-catch', 5_000);

    expect(handlers.CompensateFunctionArn.calls).toHaveLength(1);
    const { failure } = handlers.CompensateFunctionArn.calls[0]!.event as { failure: { Error: string; Cause: string } };
    expect(failure.Error).toBe('ProofError');
    expect(JSON.parse(failure.Cause)).toEqual({ errorType: 'ProofError', errorMessage: 'the proof does not verify' });
    expect(handlers.EvaluatePolicyFunctionArn.calls).toHaveLength(0);
    expect(done).toMatchObject({
      status: 'FAILED',
      error: 'TransferRejected',
      cause: 'the transfer was rejected and compensated',
    });
  });

  describe('waitForTaskToken', () => {
    const approvalHandlers = () =>
      transferHandlers({ EvaluatePolicyFunctionArn: async () => ({ action: 'REQUIRE_APPROVAL', pollSeconds: 1 }) });
    const tokenOf = (call: Call | undefined): string | undefined => call?.event.taskToken as string | undefined;

    it('gives each callback task its own token, resumes it with sendTaskSuccess, and takes each token once', async () => {
      const { handlers, all } = approvalHandlers();
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);

      await engine.start('tx-a', INPUT);
      await engine.start('tx-b', INPUT);
      const calls = await until(() =>
        handlers.RequestApprovalFunctionArn.calls.length === 2 ? handlers.RequestApprovalFunctionArn.calls : undefined,
      );
      const byName = new Map(calls.map((c) => [c.event.transferId, tokenOf(c)!]));
      const tokenA = byName.get('tx-a')!;
      const tokenB = byName.get('tx-b')!;
      expect(tokenA).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
      expect(tokenB).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(tokenA).not.toBe(tokenB);
      expect(engine.describe('tx-a')!.status).toBe('RUNNING');

      await engine.sendTaskSuccess(tokenA, { approvedBy: ['alice', 'bob'] });
      const a = await engine.waitForCompletion('tx-a', 5_000);
      expect(a.status).toBe('SUCCEEDED');
      expect((a.output as Record<string, unknown>).approval).toEqual({ approvedBy: ['alice', 'bob'] });

      expect(await conflictReason(engine.sendTaskSuccess(tokenA, { approvedBy: ['mallory'] }))).toBe(
        'TaskDoesNotExist',
      );
      expect(await conflictReason(engine.sendTaskFailure(tokenA, 'ApprovalRejected', 'late'))).toBe('TaskDoesNotExist');
      expect(await conflictReason(engine.sendTaskSuccess('not-a-token', {}))).toBe('TaskDoesNotExist');
      expect(engine.describe('tx-b')!.status).toBe('RUNNING');

      await engine.sendTaskSuccess(tokenB, { approvedBy: ['carol'] });
      expect((await engine.waitForCompletion('tx-b', 5_000)).status).toBe('SUCCEEDED');
    });

    it('stops executions waiting for a callback on shutdown, and refuses their tokens afterwards', async () => {
      const { handlers, all } = approvalHandlers();
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);
      await engine.start('tx-stop', INPUT);
      const [call] = await until(() =>
        handlers.RequestApprovalFunctionArn.calls.length === 1 ? handlers.RequestApprovalFunctionArn.calls : undefined,
      );
      await engine.shutdown();
      expect(engine.describe('tx-stop')!.status).toBe('FAILED');
      expect(await conflictReason(engine.sendTaskSuccess(tokenOf(call)!, {}))).toBe('TaskDoesNotExist');
    });

    it('gives a new token each time the task is entered again', async () => {
      const { handlers, all } = approvalHandlers();
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);
      await engine.start('tx-first', INPUT);
      await engine.start('tx-second', INPUT);
      await until(() => (handlers.RequestApprovalFunctionArn.calls.length === 2 ? true : undefined));
      const [first, second] = handlers.RequestApprovalFunctionArn.calls.map(tokenOf);
      // Both executions share the library's one context placeholder; neither handler sees it.
      expect(first).not.toBe(second);
      expect(first).not.toMatch(/placeholder/);
      await engine.sendTaskSuccess(first!, {});
      await engine.sendTaskSuccess(second!, {});
      await engine.waitForCompletion('tx-first', 5_000);
      await engine.waitForCompletion('tx-second', 5_000);
    });

    it('routes sendTaskFailure to the Catch on its error name', async () => {
      const { handlers, all } = approvalHandlers();
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);

      await engine.start('tx-rejected', INPUT);
      const call = await until(() => handlers.RequestApprovalFunctionArn.calls[0]);
      await engine.sendTaskFailure(tokenOf(call)!, 'ApprovalRejected', 'bob rejected it');
      const done = await engine.waitForCompletion('tx-rejected', 5_000);

      expect(handlers.CompensateFunctionArn.calls[0]!.event.failure).toEqual({
        Error: 'ApprovalRejected',
        Cause: 'bob rejected it',
      });
      expect(handlers.PrepareFunctionArn.calls).toHaveLength(0);
      expect(done).toMatchObject({ status: 'FAILED', error: 'TransferRejected' });
    });

    it('completes the task when the callback arrives while its Lambda still runs', async () => {
      const ref: { engine?: LocalWorkflowEngine } = {};
      const { all } = transferHandlers({
        EvaluatePolicyFunctionArn: async () => ({ action: 'REQUIRE_APPROVAL', pollSeconds: 1 }),
        RequestApprovalFunctionArn: async (event) => {
          await ref.engine!.sendTaskSuccess((event as { taskToken: string }).taskToken, { approvedBy: ['auto'] });
          return { notified: 0 };
        },
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);
      ref.engine = engine;
      await engine.start('tx-instant', INPUT);
      const done = await engine.waitForCompletion('tx-instant', 5_000);
      expect(done.status).toBe('SUCCEEDED');
      expect((done.output as Record<string, unknown>).approval).toEqual({ approvedBy: ['auto'] });
    });

    it('fails the task with the Lambda error when the callback handler throws, and closes its token', async () => {
      let token: string | undefined;
      const { handlers, all } = transferHandlers({
        EvaluatePolicyFunctionArn: async () => ({ action: 'REQUIRE_APPROVAL', pollSeconds: 1 }),
        RequestApprovalFunctionArn: async (event) => {
          token = (event as { taskToken: string }).taskToken;
          throw new Error('notifier down');
        },
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);
      await engine.start('tx-notify-fails', INPUT);
      const done = await engine.waitForCompletion('tx-notify-fails', 5_000);
      expect(done).toMatchObject({ status: 'FAILED', error: 'Error' });
      expect(JSON.parse(done.cause!)).toEqual({ errorType: 'Error', errorMessage: 'notifier down' });
      expect(handlers.CompensateFunctionArn.calls).toHaveLength(0);
      expect(await conflictReason(engine.sendTaskSuccess(token!, {}))).toBe('TaskDoesNotExist');
    });
  });

  describe('TimeoutSeconds', () => {
    it('times out a plain task with States.Timeout, which States.TaskFailed does not catch', async () => {
      const engine = new LocalWorkflowEngine(TIMEOUTS, {
        SlowFunctionArn: () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 1_500)),
        NotifyFunctionArn: async () => ({}),
      });
      await engine.start('slow', { kind: 'plain' });
      const done = await engine.waitForCompletion('slow', 5_000);
      expect(done.status).toBe('SUCCEEDED');
      expect((done.output as { failure: { Error: string } }).failure.Error).toBe('States.Timeout');
    });

    it('times out a callback task nobody answers, and then refuses its token', async () => {
      let token: string | undefined;
      const engine = new LocalWorkflowEngine(TIMEOUTS, {
        SlowFunctionArn: async () => ({}),
        NotifyFunctionArn: async (event) => {
          token = (event as { token: string }).token;
          return {};
        },
      });
      await engine.start('unanswered', { kind: 'callback' });
      const done = await engine.waitForCompletion('unanswered', 5_000);
      expect(done.status).toBe('SUCCEEDED');
      expect((done.output as { failure: { Error: string } }).failure.Error).toBe('States.Timeout');
      expect(await conflictReason(engine.sendTaskSuccess(token!, {}))).toBe('TaskDoesNotExist');
    });
  });

  describe('Wait', () => {
    it('waits SecondsPath seconds, scaled by waitTimeScale', async () => {
      const { all } = transferHandlers({
        EvaluatePolicyFunctionArn: async () => ({ action: 'ALLOW', pollSeconds: 300 }),
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all, { waitTimeScale: 0.001 });
      const t0 = Date.now();
      await engine.start('tx-scaled-wait', INPUT);
      const done = await engine.waitForCompletion('tx-scaled-wait', 5_000);
      expect(done.status).toBe('SUCCEEDED');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(Date.now() - t0).toBeLessThan(3_000);
    });

    it('waits the real SecondsPath seconds without a scale', async () => {
      const { all } = transferHandlers({
        EvaluatePolicyFunctionArn: async () => ({ action: 'ALLOW', pollSeconds: 1 }),
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all);
      const t0 = Date.now();
      await engine.start('tx-real-wait', INPUT);
      const done = await engine.waitForCompletion('tx-real-wait', 5_000);
      expect(done.status).toBe('SUCCEEDED');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    });

    it('keeps InputPath and OutputPath of a Wait state and fails on a bad SecondsPath value', async () => {
      const definition = {
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', InputPath: '$.inner', SecondsPath: '$.seconds', OutputPath: '$.keep', End: true },
        },
      };
      const engine = new LocalWorkflowEngine(definition, {}, FAST);
      await engine.start('paths', { inner: { seconds: 1, keep: { k: 1 } }, dropped: true });
      expect(await engine.waitForCompletion('paths', 5_000)).toMatchObject({ status: 'SUCCEEDED', output: { k: 1 } });
      await engine.start('bad-seconds', { inner: { seconds: -1, keep: {} } });
      expect(await engine.waitForCompletion('bad-seconds', 5_000)).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
      });
    });
  });

  describe('a Wait woken by events (the local confirmation loop)', () => {
    /** Check → (WAIT) Pause an hour → Check → (FINAL) Done: the confirmation loop in small. */
    const LOOP = {
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: '${CheckFunctionArn}', Payload: {} },
          ResultSelector: { 'action.$': '$.Payload.action' },
          ResultPath: '$.check',
          TimeoutSeconds: 5,
          Next: 'Decided',
        },
        Decided: {
          Type: 'Choice',
          Choices: [{ Variable: '$.check.action', StringEquals: 'FINAL', Next: 'Done' }],
          Default: 'Pause',
        },
        Pause: { Type: 'Wait', Seconds: 3600, Next: 'Check' },
        Done: { Type: 'Succeed' },
      },
    };

    /** A wake source the test drives: `emit()` is a block mined; `waiting` counts pending listeners. */
    class ManualEvents implements WaitWakeSource {
      count = 0;
      private readonly waiters = new Set<{ mark: number; resolve: () => void }>();
      get waiting(): number {
        return this.waiters.size;
      }
      emit(): void {
        this.count += 1;
        for (const waiter of [...this.waiters].filter((w) => this.count > w.mark)) {
          this.waiters.delete(waiter);
          waiter.resolve();
        }
      }
      next(mark: number, signal: AbortSignal): Promise<void> {
        if (this.count > mark || signal.aborted) return Promise.resolve();
        return new Promise((resolve) => {
          const waiter = { mark, resolve };
          this.waiters.add(waiter);
          signal.addEventListener('abort', () => {
            this.waiters.delete(waiter);
            resolve();
          });
        });
      }
    }

    /** WAIT on the first `waits` checks, FINAL after; `during(call)` runs inside each check. */
    const checker = (waits: number, during: (call: number) => void = () => undefined) =>
      recording((_event, call) => {
        during(call);
        return { action: call <= waits ? 'WAIT' : 'FINAL' };
      });

    it('ends the Wait at the first event after its check started, and not at one before', async () => {
      const events = new ManualEvents();
      events.emit(); // a block before the transfer: the check has seen it
      const check = checker(1);
      const engine = new LocalWorkflowEngine(LOOP, { CheckFunctionArn: check }, { wakeWaits: { Pause: events } });
      await engine.start('woken', {});
      // The hour-long Wait listens for the next event: the one before did not end it.
      await until(() => (events.waiting === 1 ? true : undefined));
      expect(engine.describe('woken')!.status).toBe('RUNNING');
      expect(check.calls).toHaveLength(1);

      events.emit();
      expect(await engine.waitForCompletion('woken', 10_000)).toMatchObject({ status: 'SUCCEEDED' });
      expect(check.calls).toHaveLength(2);
      expect(events.waiting).toBe(0);
    });

    it('counts an event that came while the check ran (the check may have looked before it)', async () => {
      const events = new ManualEvents();
      const check = checker(1, (call) => {
        if (call === 1) events.emit();
      });
      const engine = new LocalWorkflowEngine(LOOP, { CheckFunctionArn: check }, { wakeWaits: { Pause: events } });
      await engine.start('mined-during-check', {});
      // Nobody emits again: only the event during the first check can end the hour-long Wait.
      expect(await engine.waitForCompletion('mined-during-check', 10_000)).toMatchObject({ status: 'SUCCEEDED' });
      expect(check.calls).toHaveLength(2);
    });

    it('ends the Wait at its (scaled) duration when no event comes, and drops the listener', async () => {
      const events = new ManualEvents();
      const check = checker(2);
      const engine = new LocalWorkflowEngine(
        LOOP,
        { CheckFunctionArn: check },
        { wakeWaits: { Pause: events }, waitTimeScale: 0.0001 },
      );
      await engine.start('no-block', {});
      expect(await engine.waitForCompletion('no-block', 10_000)).toMatchObject({ status: 'SUCCEEDED' });
      expect(check.calls).toHaveLength(3);
      expect(events.count).toBe(0);
      expect(events.waiting).toBe(0);
    });

    it('leaves Wait states it was not told about to their duration', async () => {
      const events = new ManualEvents();
      const check = checker(1, (call) => {
        if (call === 1) events.emit();
      });
      const engine = new LocalWorkflowEngine(LOOP, { CheckFunctionArn: check }, { waitTimeScale: 0.0001 });
      await engine.start('not-woken', {});
      expect(await engine.waitForCompletion('not-woken', 10_000)).toMatchObject({ status: 'SUCCEEDED' });
      expect(events.waiting).toBe(0);
      expect(check.calls).toHaveLength(2);
    });

    it('stops a waiting execution on shutdown and drops its listener', async () => {
      const events = new ManualEvents();
      const engine = new LocalWorkflowEngine(LOOP, { CheckFunctionArn: checker(1) }, { wakeWaits: { Pause: events } });
      await engine.start('shut-down', {});
      await until(() => (events.waiting === 1 ? true : undefined));
      await engine.shutdown();
      expect(engine.describe('shut-down')!.status).toBe('FAILED');
      expect(events.waiting).toBe(0);
    });

    it('refuses to wake a state that is not a Wait of the definition', () => {
      const handlers = { CheckFunctionArn: checker(0) };
      expect(() => new LocalWorkflowEngine(LOOP, handlers, { wakeWaits: { Check: new ManualEvents() } })).toThrow(
        LocalDefinitionError,
      );
      expect(() => new LocalWorkflowEngine(LOOP, handlers, { wakeWaits: { Missing: new ManualEvents() } })).toThrow(
        /Missing is not a Wait state/,
      );
    });
  });

  describe('start', () => {
    it('refuses a name that is running or ran in this process, unless asked to resume one that is not running', async () => {
      const { handlers, all } = transferHandlers({
        EvaluatePolicyFunctionArn: async () => ({ action: 'REQUIRE_APPROVAL', pollSeconds: 1 }),
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);

      expect((await engine.start('tx-dup', INPUT)).started).toBe(true);
      expect(await engine.start('tx-dup', { other: 'input' })).toEqual({
        executionArn: expect.stringMatching(/:tx-dup$/),
        started: false,
      });
      expect((await engine.start('tx-dup', INPUT, { resume: true })).started).toBe(false); // still running

      const call = await until(() => handlers.RequestApprovalFunctionArn.calls[0]);
      await engine.sendTaskSuccess(call.event.taskToken as string, {});
      await engine.waitForCompletion('tx-dup', 5_000);
      expect((await engine.start('tx-dup', INPUT)).started).toBe(false);
      expect(handlers.ScreenFunctionArn.calls).toHaveLength(1);

      expect((await engine.start('tx-dup', INPUT, { resume: true })).started).toBe(true);
      expect(engine.describe('tx-dup')!.status).toBe('RUNNING');
      const again = await until(() => handlers.RequestApprovalFunctionArn.calls[1]);
      await engine.sendTaskSuccess(again.event.taskToken as string, {});
      expect((await engine.waitForCompletion('tx-dup', 5_000)).status).toBe('SUCCEEDED');
      expect(handlers.ScreenFunctionArn.calls).toHaveLength(2);
    });

    it('refuses an execution name Step Functions would refuse', async () => {
      const engine = new LocalWorkflowEngine(TRANSFER, transferHandlers().all);
      await expect(engine.start('has space', INPUT)).rejects.toBeInstanceOf(ValidationError);
      await expect(engine.start('x'.repeat(81), INPUT)).rejects.toBeInstanceOf(ValidationError);
      await expect(engine.start('', INPUT)).rejects.toBeInstanceOf(ValidationError);
    });

    it('records a handler throwing a plain Error as FAILED, and the process and engine go on', async () => {
      const { all } = transferHandlers({
        ScreenFunctionArn: async () => {
          throw new Error('boom');
        },
        // Not even async: throws before returning a promise.
        PrepareFunctionArn: () => {
          throw new TypeError('sync boom');
        },
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);
      await engine.start('tx-boom', INPUT);
      const done = await engine.waitForCompletion('tx-boom', 5_000);
      expect(done).toMatchObject({ status: 'FAILED', error: 'Error' });
      expect(JSON.parse(done.cause!)).toEqual({ errorType: 'Error', errorMessage: 'boom' });

      const engine2 = new LocalWorkflowEngine(
        TRANSFER,
        { ...all, ScreenFunctionArn: async () => ({ verdict: 'CLEAR' }) },
        FAST,
      );
      await engine2.start('tx-sync-boom', INPUT);
      expect(await engine2.waitForCompletion('tx-sync-boom', 5_000)).toMatchObject({
        status: 'FAILED',
        error: 'TypeError',
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });

    it('waitForCompletion rejects for an unknown execution and when the time is up', async () => {
      const { handlers, all } = transferHandlers({
        EvaluatePolicyFunctionArn: async () => ({ action: 'REQUIRE_APPROVAL', pollSeconds: 1 }),
      });
      const engine = new LocalWorkflowEngine(TRANSFER, all, FAST);
      await expect(engine.waitForCompletion('nobody', 10)).rejects.toMatchObject({ code: 'STORE.NOT_FOUND' });
      await engine.start('tx-waiting', INPUT);
      await expect(engine.waitForCompletion('tx-waiting', 50)).rejects.toThrow(/still runs/);
      // Let it finish: a waiting task holds its 30 s timeout timer.
      const call = await until(() => handlers.RequestApprovalFunctionArn.calls[0]);
      await engine.sendTaskSuccess(call.event.taskToken as string, {});
      expect((await engine.waitForCompletion('tx-waiting', 5_000)).status).toBe('SUCCEEDED');
    });
  });

  describe('the definition', () => {
    const withTask = (patch: Record<string, unknown>) => {
      const definition = structuredClone(TRANSFER) as { States: Record<string, Record<string, unknown>> };
      definition.States.Screen = { ...definition.States.Screen, ...patch };
      return definition;
    };
    const handlers = transferHandlers().all;

    it('refuses a Task without TimeoutSeconds (the library would time it out after 60 s)', () => {
      expect(() => new LocalWorkflowEngine(withTask({ TimeoutSeconds: undefined }), handlers)).toThrow(
        LocalDefinitionError,
      );
      expect(() => new LocalWorkflowEngine(withTask({ TimeoutSeconds: undefined }), handlers)).toThrow(
        /Screen: TimeoutSeconds/,
      );
      expect(() => new LocalWorkflowEngine(withTask({ TimeoutSeconds: 0 }), handlers)).toThrow(LocalDefinitionError);
      expect(
        () => new LocalWorkflowEngine(withTask({ TimeoutSeconds: undefined, TimeoutSecondsPath: '$.t' }), handlers),
      ).toThrow(LocalDefinitionError);
    });

    it('refuses a placeholder without a handler or substitution', () => {
      const { ScreenFunctionArn: _omitted, ...others } = handlers;
      expect(() => new LocalWorkflowEngine(TRANSFER, others)).toThrow(/ScreenFunctionArn/);
    });

    it('refuses resources, callbacks and context fields it cannot run as the cloud does', () => {
      expect(
        () => new LocalWorkflowEngine(withTask({ Resource: 'arn:aws:states:::sqs:sendMessage' }), handlers),
      ).toThrow(/is not run locally/);
      const noToken = structuredClone(TRANSFER) as {
        States: Record<string, { Parameters: { Payload: Record<string, unknown> } }>;
      };
      delete noToken.States.RequestApproval!.Parameters.Payload['taskToken.$'];
      expect(() => new LocalWorkflowEngine(noToken, handlers)).toThrow(/\$\$\.Task\.Token/);
      expect(
        () =>
          new LocalWorkflowEngine(
            withTask({
              Parameters: { FunctionName: '${ScreenFunctionArn}', Payload: { 'at.$': '$$.State.EnteredTime' } },
            }),
            handlers,
          ),
      ).toThrow(/\$\$\.State/);
      expect(() => new LocalWorkflowEngine({ ...TRANSFER, QueryLanguage: 'JSONata' }, handlers)).toThrow(/JSONPath/);
    });

    it('accepts handlers typed with their own event and the Lambda Context', () => {
      interface ScreenEvent {
        readonly to: string;
      }
      const typed = async (event: ScreenEvent, context: Context): Promise<{ verdict: string; by: string }> => ({
        verdict: event.to,
        by: context.functionName,
      });
      expect(() => new LocalWorkflowEngine(TRANSFER, { ...handlers, ScreenFunctionArn: typed })).not.toThrow();
    });
  });
});

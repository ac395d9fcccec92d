import { ConflictError } from '../../../lambdas/domain/errors';
import { HEARTBEAT_TIMEOUT, TaskCallbackFailure, TaskCallbacks } from '../../../local/workflow/task-callbacks';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const reasonOf = (f: () => void): unknown => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConflictError);
    return (e as ConflictError).details.reason;
  }
  throw new Error('expected a ConflictError');
};

describe('TaskCallbacks', () => {
  it('resolves an open token once with the output', async () => {
    const callbacks = new TaskCallbacks();
    const open = callbacks.open('tx-1', Date.now() + 10_000);
    callbacks.succeed(open.token, { ok: true });
    await expect(open.outcome).resolves.toEqual({ ok: true });
    expect(reasonOf(() => callbacks.succeed(open.token, {}))).toBe('TaskDoesNotExist');
    expect(callbacks.size).toBe(0);
  });

  it('rejects with an error named as in SendTaskFailure, its cause as message', async () => {
    const callbacks = new TaskCallbacks();
    const open = callbacks.open('tx-1', Date.now() + 10_000);
    callbacks.fail(open.token, 'Cancelled', 'the client cancelled');
    await expect(open.outcome).rejects.toEqual(
      expect.objectContaining({ name: 'Cancelled', message: 'the client cancelled' }),
    );
    await expect(open.outcome).rejects.toBeInstanceOf(TaskCallbackFailure);
  });

  it('refuses a token past its deadline without settling it, and never puts the token in the error', async () => {
    const callbacks = new TaskCallbacks();
    const open = callbacks.open('tx-1', Date.now() - 1);
    let thrown: unknown;
    try {
      callbacks.succeed(open.token, {});
    } catch (e) {
      thrown = e;
    }
    expect((thrown as ConflictError).details.reason).toBe('TaskTimedOut');
    expect(
      JSON.stringify({ message: (thrown as Error).message, details: (thrown as ConflictError).details }),
    ).not.toContain(open.token);
    callbacks.closeAll('tx-1');
    expect(callbacks.size).toBe(0);
  });

  it("hands out distinct 32-byte base64url tokens and closes only the finished execution's", () => {
    const callbacks = new TaskCallbacks();
    const tokens = Array.from(
      { length: 50 },
      (_, i) => callbacks.open(i % 2 === 0 ? 'even' : 'odd', Date.now() + 10_000).token,
    );
    expect(new Set(tokens).size).toBe(50);
    for (const t of tokens) expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    callbacks.closeAll('even');
    expect(callbacks.size).toBe(25);
    callbacks.closeAll('odd');
    expect(callbacks.size).toBe(0);
  });

  describe('heartbeats', () => {
    it('fails a task that sends no heartbeat within its heartbeat time with States.HeartbeatTimeout, then refuses its token', async () => {
      const callbacks = new TaskCallbacks();
      const open = callbacks.open('tx-1', Date.now() + 10_000, { heartbeatMs: 40 });
      await expect(open.outcome).rejects.toEqual(expect.objectContaining({ name: HEARTBEAT_TIMEOUT }));
      expect(HEARTBEAT_TIMEOUT).toBe('States.HeartbeatTimeout');
      expect(reasonOf(() => callbacks.heartbeat(open.token))).toBe('TaskDoesNotExist');
      expect(reasonOf(() => callbacks.succeed(open.token, {}))).toBe('TaskDoesNotExist');
      expect(callbacks.size).toBe(0);
    });

    it('restarts the heartbeat clock at each heartbeat, so a task that keeps beating is answered', async () => {
      const callbacks = new TaskCallbacks();
      const open = callbacks.open('tx-1', Date.now() + 10_000, { heartbeatMs: 150 });
      // 360 ms in all, more than twice the heartbeat time, never 150 ms without a beat.
      for (let i = 0; i < 6; i += 1) {
        await sleep(60);
        callbacks.heartbeat(open.token);
      }
      callbacks.succeed(open.token, { signed: true });
      await expect(open.outcome).resolves.toEqual({ signed: true });
    });

    it('accepts a heartbeat for a task without a heartbeat time and changes nothing; refuses one past the deadline or unknown', async () => {
      const callbacks = new TaskCallbacks();
      const plain = callbacks.open('tx-1', Date.now() + 10_000);
      callbacks.heartbeat(plain.token);
      expect(callbacks.size).toBe(1);
      const late = callbacks.open('tx-2', Date.now() - 1, { heartbeatMs: 10_000 });
      expect(reasonOf(() => callbacks.heartbeat(late.token))).toBe('TaskTimedOut');
      expect(reasonOf(() => callbacks.heartbeat('never-issued'))).toBe('TaskDoesNotExist');
      callbacks.closeAll('tx-1');
      callbacks.closeAll('tx-2');
      expect(callbacks.size).toBe(0);
    });

    it('stops the heartbeat clock when the task is answered or closed', async () => {
      const callbacks = new TaskCallbacks();
      const answered = callbacks.open('tx-1', Date.now() + 10_000, { heartbeatMs: 30 });
      callbacks.succeed(answered.token, { ok: 1 });
      const closed = callbacks.open('tx-1', Date.now() + 10_000, { heartbeatMs: 30 });
      callbacks.closeAll('tx-1');
      await sleep(60);
      await expect(answered.outcome).resolves.toEqual({ ok: 1 });
      await expect(closed.outcome).rejects.toEqual(expect.objectContaining({ name: 'States.Runtime' }));
    });

    it('refuses a heartbeat time that is not positive', () => {
      expect(() => new TaskCallbacks().open('tx-1', Date.now() + 10_000, { heartbeatMs: 0 })).toThrow(RangeError);
    });
  });
});

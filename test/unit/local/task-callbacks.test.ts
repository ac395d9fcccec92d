import { ConflictError } from '../../../lambdas/domain/errors';
import { TaskCallbackFailure, TaskCallbacks } from '../../../local/workflow/task-callbacks';

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
});

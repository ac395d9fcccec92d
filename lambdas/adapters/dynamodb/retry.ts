import { DependencyUnavailableError } from '../../domain/errors';

export interface RetryOptions {
  /** Give up after this long; a bound in time, not a small fixed count, so bursts of contention pass. */
  readonly timeBoundMs: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY: RetryOptions = { timeBoundMs: 10_000, baseDelayMs: 5, maxDelayMs: 200 };

/** What one attempt concluded: done with a value, or try again after re-reading. */
export type Attempt<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly reason: string };

/**
 * Runs `attempt` until it is done or the time bound passes, with full-jitter exponential backoff.
 * Each attempt re-reads what it needs: a retry never reuses a decision made on stale data.
 */
export async function retryWithinTimeBound<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  const deadline = Date.now() + options.timeBoundMs;
  const base = options.baseDelayMs ?? 5;
  const max = options.maxDelayMs ?? 200;
  for (let n = 0; ; n++) {
    const result = await attempt(n);
    if (result.done) return result.value;
    if (Date.now() >= deadline) {
      throw new DependencyUnavailableError(
        'STORE.CONTENTION',
        `gave up after ${n + 1} attempts in ${options.timeBoundMs} ms: ${result.reason}`,
        { details: { attempts: n + 1 } },
      );
    }
    const ceiling = Math.min(max, base * 2 ** Math.min(n, 16));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}

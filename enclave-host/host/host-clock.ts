/**
 * Time as the signing host sees it: the wall clock for `lastPollAt`, a repeating timer for heartbeats
 * and a pause between failed polls. A port, so tests drive heartbeats tick by tick instead of waiting
 * for real seconds (a test that counts heartbeats against real time is a flaky test).
 */
export interface HostClock {
  now(): Date;
  /**
   * Calls `tick` every `intervalMs` until the returned function is called. A tick that returns a
   * promise is awaited before the next one may start (a slow heartbeat never overlaps the next).
   */
  every(intervalMs: number, tick: () => Promise<void> | void): () => void;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: `Date` and Node timers (unref'd, so a pending heartbeat never keeps the process up). */
export const systemClock: HostClock = {
  now: () => new Date(),
  every: (intervalMs, tick) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void Promise.resolve()
        .then(tick)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms);
    }),
};

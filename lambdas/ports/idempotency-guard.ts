/**
 * Runs an operation at most once per (scope, key): a repeat with the same payload gets the first
 * result; the same key with another payload is refused (`IDEMPOTENCY.KEY_REUSED`), and so is a repeat
 * while the first is still running (`IDEMPOTENCY.IN_PROGRESS`). Results must be JSON values.
 */
export interface IdempotencyGuard {
  run<T>(request: { scope: string; key: string; payload: unknown }, operation: () => Promise<T>): Promise<T>;
}

/** Asks `probe` until it answers something other than undefined, or gives up after `timeoutMs`, naming `what`. */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

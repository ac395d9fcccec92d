/**
 * JSON that keeps bigints and Dates: `{"$bigint":"123"}` and `{"$date":"2026-01-01T00:00:00.000Z"}`.
 * Stored event payloads and posting legs go through it, so amounts survive exactly and are never
 * squeezed through a float.
 */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, current: unknown) {
    // JSON.stringify has already called Date#toJSON on `current`; the original is on the holder.
    const original = this[key];
    if (original instanceof Date) return { $date: original.toISOString() };
    if (typeof current === 'bigint') return { $bigint: current.toString(10) };
    return current;
  });
}

export function fromTaggedJson<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === '$bigint') return BigInt((value as { $bigint: string }).$bigint);
      if (keys.length === 1 && keys[0] === '$date') return new Date((value as { $date: string }).$date);
    }
    return value;
  }) as T;
}

/** Zero-padded decimal, so that string order is numeric order in a sort key. */
export const padSequence = (n: number | bigint): string => n.toString(10).padStart(12, '0');

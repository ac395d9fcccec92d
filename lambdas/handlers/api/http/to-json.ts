/** JSON text of a response body: bigint as a decimal string (amounts), Date as ISO 8601 (via toJSON). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * What a route handler returns. `body` is serialized as JSON (bigint as a decimal string, Date as
 * ISO 8601) unless `headers['content-type']` names another type and `body` is a string (an HTML page).
 */
export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The request target of an HTTP request line, split as API Gateway sees it. */
export interface RequestTarget {
  /** As sent: percent-encoded, never normalised. */
  readonly path: string;
  /** The text after `?`, without it; empty when there is none. */
  readonly query: string;
}

/**
 * The path and query of a request in origin form (`/v1/wallets?limit=5`). Anything else (absolute form,
 * `*`) is undefined: it names no API resource. Split by hand, because `new URL` would resolve dot
 * segments and read `//host/…` as a host.
 */
export function requestTarget(url: string | undefined): RequestTarget | undefined {
  if (url === undefined || !url.startsWith('/')) return undefined;
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

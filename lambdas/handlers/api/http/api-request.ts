import type { Logger } from '@aws-lambda-powertools/logger';
import type { Principal } from '../../../domain/principal';

/** What a route handler sees of an HTTP request, after authentication and body parsing. */
export interface ApiRequest {
  /** Present when the handler requires authentication (and then always present). */
  readonly principal?: Principal;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The resource template API Gateway matched, e.g. `/v1/wallets/{id}` (never the raw path). */
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased names. `authorization` and `cookie` are removed: handlers never need the credential. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, or undefined when there is none. Unchecked: validate it. */
  readonly body: unknown;
  readonly traceId: string;
  readonly requestId: string;
  /** A logger for this request only, carrying its trace id and route. */
  readonly logger: Logger;
}

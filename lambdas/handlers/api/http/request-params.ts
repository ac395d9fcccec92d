import { ValidationError } from '../../../domain/errors';
import { checkString, ID_RULE } from '../../../domain/validation';
import type { PageRequest } from '../../../ports/page';
import type { ApiRequest } from './api-request';

const LIMIT = /^[1-9][0-9]{0,2}$/;
const MAX_LIMIT = 100;
const TOKEN_RULE = { maxLength: 2048, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'a token a previous page returned' };

/** A path parameter that names one of our ids (ID_RULE); a 400 naming the parameter otherwise. */
export function pathId(request: ApiRequest, name = 'id'): string {
  return checkString(request.pathParameters[name], name, ID_RULE);
}

/**
 * The query string, refusing a parameter the route does not take (as bodies refuse unknown fields:
 * a misspelt filter must not silently list everything).
 */
export function queryOf<K extends string>(request: ApiRequest, allowed: readonly K[]): Partial<Record<K, string>> {
  for (const name of Object.keys(request.query)) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw new ValidationError(
        'REQUEST.UNKNOWN_FIELD',
        name,
        `is not a query parameter of this route (allowed: ${allowed.join(', ') || 'none'})`,
      );
    }
  }
  return request.query as Partial<Record<K, string>>;
}

/** `limit` (1–100) and `nextToken` from a listing's query string. */
export function pageOf(query: { readonly limit?: string; readonly nextToken?: string }): PageRequest {
  const page: { limit?: number; nextToken?: string } = {};
  if (query.limit !== undefined) {
    if (!LIMIT.test(query.limit) || Number(query.limit) > MAX_LIMIT) {
      throw new ValidationError('REQUEST.INVALID_FIELD', 'limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    page.limit = Number(query.limit);
  }
  if (query.nextToken !== undefined) page.nextToken = checkString(query.nextToken, 'nextToken', TOKEN_RULE);
  return page;
}

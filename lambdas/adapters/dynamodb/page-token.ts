import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../../domain/errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** The shortest MAC key accepted: HMAC-SHA256's own output size. */
export const MIN_PAGE_TOKEN_KEY_BYTES = 32;

const MAX_TOKEN_LENGTH = 2_048;
const TOKEN = /^[A-Za-z0-9_-]+$/;
const MAC_BYTES = 32;
const MAC_LABEL = 'strongroom-page-token/v1';

/**
 * Opaque tokens for DynamoDB's LastEvaluatedKey, authenticated with HMAC-SHA256 and bound to the
 * listing that issued them: `listing` names the query and its filter (e.g.
 * `transfers:byWallet:<walletId>`), so a token is accepted only by the same listing with the same
 * filter. A token a client forged, altered, truncated or took from another listing is a 400
 * `REQUEST.INVALID_FIELD` naming `nextToken`, and no query is started at a key of its choosing.
 */
export class PageTokens {
  private readonly key: Buffer;

  /** `key`: the deployment's page token key (configuration), at least 32 bytes. */
  constructor(key: Uint8Array) {
    if (key.length < MIN_PAGE_TOKEN_KEY_BYTES)
      throw new RangeError(`a page token key has at least ${MIN_PAGE_TOKEN_KEY_BYTES} bytes`);
    this.key = Buffer.from(key);
  }

  /**
   * Tokens under a key of this process's own: they page within this process only. For a store built
   * without the deployment's key (tests, benchmarks); the composition root always passes that key, so
   * that any instance accepts the tokens of any other.
   */
  static ephemeral(): PageTokens {
    return new PageTokens(randomBytes(MIN_PAGE_TOKEN_KEY_BYTES));
  }

  /** base64url of the MAC (32 bytes) followed by the key as JSON: one URL-safe string. */
  encode(listing: string, lastEvaluatedKey: Record<string, unknown>): string {
    const payload = Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8');
    return Buffer.concat([this.mac(listing, payload), payload]).toString('base64url');
  }

  /**
   * The start key of a token `encode` gave for the same `listing`, or undefined when there is none.
   * It must also hold exactly the key attributes of the index, all strings.
   */
  decode(
    listing: string,
    token: string | undefined,
    keyAttributes: readonly string[],
  ): Record<string, string> | undefined {
    if (token === undefined) return undefined;
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN.test(token)) throw invalidToken();
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length <= MAC_BYTES) throw invalidToken();
    const payload = bytes.subarray(MAC_BYTES);
    if (!timingSafeEqual(bytes.subarray(0, MAC_BYTES), this.mac(listing, payload))) throw invalidToken();
    let key: unknown;
    try {
      key = JSON.parse(payload.toString('utf8'));
    } catch {
      throw invalidToken();
    }
    // Authentic tokens hold what DynamoDB returned; the shape check guards against a changed index.
    if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalidToken();
    const entries = Object.entries(key);
    const attributes = [...new Set(keyAttributes)];
    if (
      entries.length !== attributes.length ||
      entries.some(([name, value]) => !attributes.includes(name) || typeof value !== 'string')
    )
      throw invalidToken();
    return key as Record<string, string>;
  }

  private mac(listing: string, payload: Buffer): Buffer {
    // The listing is length-prefixed, so no (listing, payload) pair can be read as another.
    return createHmac('sha256', this.key)
      .update(`${MAC_LABEL}\n${Buffer.byteLength(listing, 'utf8')}:${listing}\n`, 'utf8')
      .update(payload)
      .digest();
  }
}

function invalidToken(): ValidationError {
  return new ValidationError('REQUEST.INVALID_FIELD', 'nextToken', 'is not a token this listing issued');
}

/** The page size asked for, within bounds. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

import type { KeyObject } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { errors as joseErrors, jwtVerify } from 'jose';
import { AuthError, isStrongroomError } from '../../../domain/errors';
import type { Principal, Role } from '../../../domain/principal';
import { isRole } from '../../../domain/principal';
import { ID_RULE } from '../../../domain/validation';

/** Signature algorithms a bearer token may use: asymmetric only, so a public key can never act as an HMAC secret. */
export type TokenAlgorithm =
  'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'PS256' | 'PS384' | 'PS512' | 'RS256' | 'RS384' | 'RS512';

/** How bearer tokens are verified; built once at cold start by `loadAuthConfig`. */
export interface BearerTokenConfig {
  readonly issuer: string;
  readonly audience: string;
  /** A public key (local, from PEM or JWK) or a key resolver (a remote JWKS in the cloud). */
  readonly key: KeyObject | JWTVerifyGetKey;
  /** Default `['ES256']`. */
  readonly algorithms?: readonly TokenAlgorithm[];
  /** Default 5 seconds, for `exp` and `nbf` (and `iat` when a maximum age is set). */
  readonly clockToleranceSeconds?: number;
  /**
   * Default 60 seconds: how far in the future `iat` may be (an identity provider's clock a little
   * ahead of ours). Kept apart from `clockToleranceSeconds` so that skew never lengthens `exp`.
   */
  readonly issuedAtToleranceSeconds?: number;
  /**
   * Default 86 400 (24 h): the longest lifetime a token may declare, `exp − iat`, or `exp − now` for a
   * token without `iat`. Every token must carry `exp`.
   */
  readonly maxTokenLifetimeSeconds?: number;
  /** When set, tokens must carry `iat` and be at most this old. */
  readonly maxTokenAgeSeconds?: number;
  /** The claim holding the roles, an array of strings. Default `roles`. */
  readonly rolesClaim?: string;
  /**
   * The claim that limits a token to named wallets, an array of wallet ids. Default `wallets`. A token
   * without it acts on every wallet its roles allow.
   */
  readonly walletsClaim?: string;
  /** For tests: the time tokens are checked against. */
  readonly now?: () => Date;
}

/** Why a token was refused, in `details.reason` of AUTH.INVALID_TOKEN. */
export type TokenRefusal =
  | 'too_long'
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'missing_expiry'
  | 'lifetime_too_long'
  | 'issued_in_future'
  | 'not_yet_valid'
  | 'too_old'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'invalid_claim'
  | 'missing_subject'
  | 'malformed_roles'
  | 'malformed_wallets';

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
const DEFAULT_ISSUED_AT_TOLERANCE_SECONDS = 60;
const MAX_HEADER_LENGTH = 8192;
const MAX_SUBJECT_LENGTH = 256;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*) *$/i;
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/**
 * The principal of an `Authorization: Bearer <jwt>` header. Refuses a missing or non-bearer header
 * (AUTH.MISSING_TOKEN) and any token that does not verify against the configured key, algorithms,
 * issuer, audience and lifetime, or lacks a subject, or has a malformed roles claim (AUTH.INVALID_TOKEN
 * with `details.reason`). A token must expire (`exp`), within the maximum lifetime, and must not be
 * issued in the future: a leaked token without an end would be a credential for ever. Unknown roles are ignored. The token itself never appears in an error.
 */
export async function verifyBearerToken(header: string | undefined, config: BearerTokenConfig): Promise<Principal> {
  if (header === undefined || header.trim() === '')
    throw new AuthError('AUTH.MISSING_TOKEN', 'an Authorization header "Bearer <token>" is required');
  if (header.length > MAX_HEADER_LENGTH) throw invalid('too_long');
  const token = BEARER.exec(header)?.[1];
  if (token === undefined)
    throw new AuthError('AUTH.MISSING_TOKEN', 'the Authorization header must be "Bearer <token>"');

  let payload: JWTPayload;
  const now = config.now?.() ?? new Date();
  try {
    ({ payload } = await jwtVerify(token, config.key, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: [...(config.algorithms ?? ['ES256'])],
      requiredClaims: ['exp'],
      clockTolerance: config.clockToleranceSeconds ?? 5,
      ...(config.maxTokenAgeSeconds === undefined ? {} : { maxTokenAge: config.maxTokenAgeSeconds }),
      currentDate: now,
    }));
  } catch (e) {
    if (isStrongroomError(e)) throw e; // the key resolver's own verdict, e.g. keys unavailable
    const refusal = refusalOf(e);
    if (refusal === undefined) throw e;
    throw invalid(refusal, e instanceof joseErrors.JWTClaimValidationFailed ? e.claim : undefined);
  }
  checkLifetime(payload, now, config);

  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH || UNPRINTABLE.test(sub))
    throw invalid('missing_subject', 'sub');
  const roles = rolesOf(payload[config.rolesClaim ?? 'roles'], config.rolesClaim ?? 'roles');
  const wallets = walletsOf(payload[config.walletsClaim ?? 'wallets'], config.walletsClaim ?? 'wallets');
  return { id: sub, roles, ...(wallets === undefined ? {} : { wallets }) };
}

// jose has checked that `exp` is present and `iat`, when present, is a number.
function checkLifetime(payload: JWTPayload, at: Date, config: BearerTokenConfig): void {
  const now = Math.floor(at.getTime() / 1000);
  const exp = payload.exp as number;
  const iat = payload.iat;
  if (iat !== undefined && iat > now + (config.issuedAtToleranceSeconds ?? DEFAULT_ISSUED_AT_TOLERANCE_SECONDS))
    throw invalid('issued_in_future', 'iat');
  const lifetime = exp - (iat ?? now);
  if (lifetime > (config.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS))
    throw invalid('lifetime_too_long', 'exp');
}

function rolesOf(claim: unknown, name: string): Role[] {
  if (claim === undefined) return [];
  if (!Array.isArray(claim) || !claim.every((r) => typeof r === 'string')) throw invalid('malformed_roles', name);
  return [...new Set(claim.filter(isRole))];
}

/** At most this many wallets in a scoped token: a longer list is an unscoped token in disguise. */
const MAX_SCOPED_WALLETS = 100;
const ID_PATTERN = ID_RULE.pattern as RegExp;
const ID_MAX = ID_RULE.maxLength;

/**
 * A scope claim is all or nothing: a malformed one refuses the token rather than being read as "no
 * scope", which would widen what the token may do.
 */
function walletsOf(claim: unknown, name: string): string[] | undefined {
  if (claim === undefined) return undefined;
  if (
    !Array.isArray(claim) ||
    claim.length === 0 ||
    claim.length > MAX_SCOPED_WALLETS ||
    !claim.every((w) => typeof w === 'string' && w.length <= ID_MAX && ID_PATTERN.test(w))
  )
    throw invalid('malformed_wallets', name);
  return [...new Set(claim as string[])];
}

function refusalOf(e: unknown): TokenRefusal | undefined {
  if (e instanceof joseErrors.JWTExpired) return e.claim === 'iat' ? 'too_old' : 'expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'exp' && e.reason === 'missing') return 'missing_expiry';
    if (e.claim === 'nbf') return 'not_yet_valid';
    if (e.claim === 'iat' && e.reason === 'check_failed') return 'too_old';
    if (e.claim === 'iss') return 'wrong_issuer';
    if (e.claim === 'aud') return 'wrong_audience';
    return 'invalid_claim';
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JOSENotSupported)
    return 'algorithm_not_allowed';
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys)
    return 'unknown_key';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (e instanceof joseErrors.JOSEError) return 'malformed';
  return undefined;
}

function invalid(reason: TokenRefusal, claim?: string): AuthError {
  return new AuthError('AUTH.INVALID_TOKEN', `the bearer token is not valid: ${reason.replaceAll('_', ' ')}`, {
    details: claim === undefined ? { reason } : { reason, claim },
  });
}

import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { createRemoteJWKSet, errors as joseErrors } from 'jose';
import { parseSecureUrl } from '../../../composition/secure-url';
import { DependencyUnavailableError } from '../../../domain/errors';
import type { BearerTokenConfig } from './verify-bearer-token';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from './verify-bearer-token';

const MAX_CONFIGURABLE_LIFETIME_SECONDS = 30 * 86_400;

/** The environment variables that configure bearer token verification. */
export interface AuthEnvironment {
  readonly STRONGROOM_JWT_ISSUER?: string;
  readonly STRONGROOM_JWT_AUDIENCE?: string;
  /** An ES256 (P-256) public key as SPKI PEM or as a JWK in JSON: the local runtime's dev issuer. */
  readonly STRONGROOM_JWT_PUBLIC_KEY?: string;
  /** The identity provider's JWKS (e.g. Cognito's `/.well-known/jwks.json`), over https. */
  readonly STRONGROOM_JWT_JWKS_URL?: string;
  /** The longest lifetime a token may declare (`exp − iat`), in seconds; default 86 400 (24 h). */
  readonly STRONGROOM_JWT_MAX_LIFETIME_SECONDS?: string;
}

/**
 * Bearer token configuration from the environment, read once at cold start. Throws on a missing or
 * malformed variable, on both or neither of a public key and a JWKS URL, on a private key given
 * where a public key belongs, and on a maximum token lifetime that is not a whole number of seconds
 * from 1 to 30 days.
 */
export function loadAuthConfig(env: AuthEnvironment): BearerTokenConfig {
  const issuer = required(env, 'STRONGROOM_JWT_ISSUER');
  const audience = required(env, 'STRONGROOM_JWT_AUDIENCE');
  const publicKey = present(env.STRONGROOM_JWT_PUBLIC_KEY);
  const jwksUrl = present(env.STRONGROOM_JWT_JWKS_URL);
  if ((publicKey === undefined) === (jwksUrl === undefined)) {
    throw new Error('exactly one of STRONGROOM_JWT_PUBLIC_KEY and STRONGROOM_JWT_JWKS_URL must be set');
  }
  const key = publicKey !== undefined ? parsePublicKey(publicKey) : remoteKeySet(jwksUrl as string);
  const maxTokenLifetimeSeconds = maxLifetime(present(env.STRONGROOM_JWT_MAX_LIFETIME_SECONDS));
  return { issuer, audience, key, algorithms: ['ES256'], maxTokenLifetimeSeconds };
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function maxLifetime(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const seconds = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_CONFIGURABLE_LIFETIME_SECONDS)) {
    throw new Error(
      `STRONGROOM_JWT_MAX_LIFETIME_SECONDS must be a whole number of seconds from 1 to ${MAX_CONFIGURABLE_LIFETIME_SECONDS}`,
    );
  }
  return seconds;
}

function required(env: AuthEnvironment, name: 'STRONGROOM_JWT_ISSUER' | 'STRONGROOM_JWT_AUDIENCE'): string {
  const value = present(env[name]);
  if (value === undefined) throw new Error(`missing environment variable ${name}`);
  return value;
}

function parsePublicKey(text: string): KeyObject {
  let key: KeyObject;
  if (text.startsWith('{')) {
    let jwk: JsonWebKey;
    try {
      jwk = JSON.parse(text) as JsonWebKey;
    } catch {
      throw new Error('STRONGROOM_JWT_PUBLIC_KEY is neither a PEM public key nor a JWK in JSON');
    }
    if ('d' in jwk) throw new Error('STRONGROOM_JWT_PUBLIC_KEY holds a private key: give the public key only');
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } else {
    if (/PRIVATE KEY-----/.test(text))
      throw new Error('STRONGROOM_JWT_PUBLIC_KEY holds a private key: give the public key only');
    key = createPublicKey(text.replaceAll('\\n', '\n'));
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('STRONGROOM_JWT_PUBLIC_KEY must be an ES256 (P-256) public key');
  }
  return key;
}

function remoteKeySet(url: string): JWTVerifyGetKey {
  const parsed = parseSecureUrl(url, 'STRONGROOM_JWT_JWKS_URL');
  const jwks = createRemoteJWKSet(parsed);
  // An unknown kid is the token's fault (401); an unreachable identity provider is not (503, retry).
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (e) {
      if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys) throw e;
      throw new DependencyUnavailableError(
        'AUTH.KEYS_UNAVAILABLE',
        "the identity provider's signing keys could not be fetched",
        { cause: e },
      );
    }
  };
}

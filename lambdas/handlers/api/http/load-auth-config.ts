import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { createRemoteJWKSet, errors as joseErrors } from 'jose';
import { DependencyUnavailableError } from '../../../domain/errors';
import type { BearerTokenConfig } from './verify-bearer-token';

/** The environment variables that configure bearer token verification. */
export interface AuthEnvironment {
  readonly STRONGROOM_JWT_ISSUER?: string;
  readonly STRONGROOM_JWT_AUDIENCE?: string;
  /** An ES256 (P-256) public key as SPKI PEM or as a JWK in JSON: the local runtime's dev issuer. */
  readonly STRONGROOM_JWT_PUBLIC_KEY?: string;
  /** The identity provider's JWKS (e.g. Cognito's `/.well-known/jwks.json`), over https. */
  readonly STRONGROOM_JWT_JWKS_URL?: string;
}

/**
 * Bearer token configuration from the environment, read once at cold start. Throws on a missing or
 * malformed variable, on both or neither of a public key and a JWKS URL, and on a private key given
 * where a public key belongs.
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
  return { issuer, audience, key, algorithms: ['ES256'] };
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('STRONGROOM_JWT_JWKS_URL is not a URL');
  }
  const loopback = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]';
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new Error('STRONGROOM_JWT_JWKS_URL must use https');
  }
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

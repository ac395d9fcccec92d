import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { Role } from '../lambdas/domain/principal';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS as MAX_LIFETIME_SECONDS } from '../lambdas/handlers/api/http/verify-bearer-token';

export interface DevTokenIssuerOptions {
  readonly issuer: string;
  readonly audience: string;
}

export interface MintOptions {
  readonly sub: string;
  readonly roles?: readonly Role[];
  /** Default 900 (15 minutes); at most 86 400, the handlers' default maximum token lifetime. */
  readonly expiresInSeconds?: number;
  /** Limits the token to these wallets (the `wallets` claim); absent: every wallet its roles allow. */
  readonly wallets?: readonly string[];
}

/** A development token issuer: its public key for the handlers' config, and a way to mint tokens. */
export interface DevTokenIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** SPKI PEM of the ES256 public key. */
  readonly publicKeyPem: string;
  readonly publicJwk: JWK;
  /** The environment `loadAuthConfig` reads, pointing at this issuer. */
  readonly env: {
    readonly STRONGROOM_JWT_ISSUER: string;
    readonly STRONGROOM_JWT_AUDIENCE: string;
    readonly STRONGROOM_JWT_PUBLIC_KEY: string;
  };
  mint(options: MintOptions): Promise<string>;
}

/**
 * Bearer tokens for the local runtime and tests: an ES256 key pair generated in memory for the life of
 * the process. The private key is a non-extractable WebCrypto key, so it cannot be exported, written to
 * disk or logged; restart the runtime and every minted token is void.
 *
 * Production never uses this: API Gateway's handlers verify tokens of the organisation's identity
 * provider (Cognito or another OIDC IdP) through `STRONGROOM_JWT_JWKS_URL`.
 */
export async function createDevTokenIssuer(options: DevTokenIssuerOptions): Promise<DevTokenIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: false });
  const publicKeyPem = await exportSPKI(publicKey);
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig' };
  const { issuer, audience } = options;

  return {
    issuer,
    audience,
    publicKeyPem,
    publicJwk,
    env: { STRONGROOM_JWT_ISSUER: issuer, STRONGROOM_JWT_AUDIENCE: audience, STRONGROOM_JWT_PUBLIC_KEY: publicKeyPem },
    mint: async ({ sub, roles = [], expiresInSeconds = 900, wallets }) => {
      // Never a token the handlers would refuse for its lifetime (`exp − iat` above their maximum).
      if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds <= 0 || expiresInSeconds > MAX_LIFETIME_SECONDS)
        throw new Error(`expiresInSeconds must be a positive whole number up to ${MAX_LIFETIME_SECONDS}`);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles: [...roles], ...(wallets === undefined ? {} : { wallets: [...wallets] }) })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + expiresInSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}

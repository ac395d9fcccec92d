import { createHmac } from 'node:crypto';
import type { CryptoKey, JWTPayload } from 'jose';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { loadAuthConfig } from '../../../../lambdas/handlers/api/http/load-auth-config';
import type { BearerTokenConfig } from '../../../../lambdas/handlers/api/http/verify-bearer-token';
import { verifyBearerToken } from '../../../../lambdas/handlers/api/http/verify-bearer-token';
import { createDevTokenIssuer } from '../../../../local/dev-tokens';

const ISSUER = 'https://idp.strongroom.test';
const AUDIENCE = 'strongroom-api';
const now = Math.floor(Date.now() / 1000);

let privateKey: CryptoKey;
let publicKeyPem: string;
let config: BearerTokenConfig;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  publicKeyPem = await exportSPKI(pair.publicKey);
  config = loadAuthConfig({
    STRONGROOM_JWT_ISSUER: ISSUER,
    STRONGROOM_JWT_AUDIENCE: AUDIENCE,
    STRONGROOM_JWT_PUBLIC_KEY: publicKeyPem,
  });
});

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

const validClaims = (): JWTPayload => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'user-1',
  iat: now,
  nbf: now,
  exp: now + 300,
  roles: ['operator'],
});

async function sign(claims: JWTPayload, key: CryptoKey = privateKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(key);
}

async function refusal(
  header: string | undefined,
  cfg: BearerTokenConfig = config,
): Promise<{ code: string; reason: unknown; message: string }> {
  try {
    await verifyBearerToken(header, cfg);
  } catch (e) {
    const err = e as { code: string; details: { reason?: unknown }; message: string; name: string };
    expect(err.name).toBe('AuthError');
    return { code: err.code, reason: err.details.reason, message: err.message };
  }
  throw new Error('the token was accepted');
}

describe('verifyBearerToken', () => {
  it('returns the subject and its known roles for a valid token', async () => {
    const token = await sign({ ...validClaims(), roles: ['operator', 'auditor', 'superuser', 'operator'] });
    await expect(verifyBearerToken(`Bearer ${token}`, config)).resolves.toEqual({
      id: 'user-1',
      roles: ['operator', 'auditor'],
    });
  });

  it('accepts the scheme in any case and gives no roles when the claim is absent', async () => {
    const { roles: _roles, ...claims } = validClaims();
    await expect(verifyBearerToken(`bearer ${await sign(claims)}`, config)).resolves.toEqual({
      id: 'user-1',
      roles: [],
    });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare token', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln'],
    ['a bearer that is not a JWT', 'Bearer not-a-jwt'],
  ])('refuses %s as AUTH.MISSING_TOKEN', async (_label, header) => {
    expect(await refusal(header)).toMatchObject({ code: 'AUTH.MISSING_TOKEN' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(validClaims())}.`;
    expect(await refusal(`Bearer ${token}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'algorithm_not_allowed',
    });
  });

  it('refuses an HS256 token whose HMAC key is the public key PEM (algorithm confusion)', async () => {
    const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(validClaims())}`;
    const token = `${input}.${createHmac('sha256', publicKeyPem).update(input).digest('base64url')}`;
    expect(await refusal(`Bearer ${token}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'algorithm_not_allowed',
    });
  });

  it('refuses an ES384 token when only ES256 is allowed', async () => {
    const other = await generateKeyPair('ES384');
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES384' }).sign(other.privateKey);
    expect(await refusal(`Bearer ${token}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'algorithm_not_allowed',
    });
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('ES256');
    expect(await refusal(`Bearer ${await sign(validClaims(), other.privateKey)}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'bad_signature',
    });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await sign(validClaims())).split('.');
    const tampered = `${header}.${b64url({ ...validClaims(), roles: ['admin'] })}.${signature}`;
    expect(await refusal(`Bearer ${tampered}`)).toMatchObject({ code: 'AUTH.INVALID_TOKEN', reason: 'bad_signature' });
  });

  it('refuses an expired token (beyond the 5 s clock tolerance)', async () => {
    expect(
      await refusal(`Bearer ${await sign({ ...validClaims(), iat: now - 120, nbf: now - 120, exp: now - 6 })}`),
    ).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'expired',
    });
  });

  it('tolerates 5 s of clock skew on exp', async () => {
    await expect(
      verifyBearerToken(`Bearer ${await sign({ ...validClaims(), exp: now - 2 })}`, config),
    ).resolves.toMatchObject({ id: 'user-1' });
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await refusal(`Bearer ${await sign({ ...validClaims(), nbf: now + 60 })}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'not_yet_valid',
    });
  });

  it('refuses a token without exp (401 missing_expiry)', async () => {
    const { exp: _exp, ...claims } = validClaims();
    expect(await refusal(`Bearer ${await sign(claims)}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'missing_expiry',
    });
  });

  it('refuses a token whose lifetime (exp − iat) exceeds the default 24 h; accepts one of exactly 24 h', async () => {
    const tooLong = await sign({ ...validClaims(), iat: now - 60, exp: now - 60 + 86_401 });
    expect(await refusal(`Bearer ${tooLong}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'lifetime_too_long',
    });
    const day = await sign({ ...validClaims(), iat: now - 60, exp: now - 60 + 86_400 });
    await expect(verifyBearerToken(`Bearer ${day}`, config)).resolves.toMatchObject({ id: 'user-1' });
  });

  it('judges a token without iat by exp − now against the maximum lifetime', async () => {
    const { iat: _iat, ...claims } = validClaims();
    expect(await refusal(`Bearer ${await sign({ ...claims, exp: now + 2 * 86_400 })}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'lifetime_too_long',
    });
    await expect(
      verifyBearerToken(`Bearer ${await sign({ ...claims, exp: now + 600 })}`, config),
    ).resolves.toMatchObject({ id: 'user-1' });
  });

  it('applies a configured maximum lifetime', async () => {
    const token = await sign({ ...validClaims(), exp: now + 3_600 });
    expect(await refusal(`Bearer ${token}`, { ...config, maxTokenLifetimeSeconds: 1_800 })).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'lifetime_too_long',
    });
  });

  it('refuses a token issued in the future beyond 60 s of skew; tolerates less', async () => {
    const { nbf: _nbf, ...claims } = validClaims();
    expect(await refusal(`Bearer ${await sign({ ...claims, iat: now + 120, exp: now + 600 })}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'issued_in_future',
    });
    await expect(
      verifyBearerToken(`Bearer ${await sign({ ...claims, iat: now + 30, exp: now + 600 })}`, config),
    ).resolves.toMatchObject({ id: 'user-1' });
  });

  it('accepts the tokens the local dev issuer mints, at its default and longest lifetimes', async () => {
    const issuer = await createDevTokenIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const devConfig = loadAuthConfig(issuer.env);
    for (const expiresInSeconds of [undefined, 86_400]) {
      const token = await issuer.mint({ sub: 'dev', ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }) });
      await expect(verifyBearerToken(`Bearer ${token}`, devConfig)).resolves.toMatchObject({ id: 'dev' });
    }
    await expect(issuer.mint({ sub: 'dev', expiresInSeconds: 86_401 })).rejects.toThrow(/up to 86400/);
  });

  it('refuses a token older than the maximum age when one is set', async () => {
    const token = await sign({ ...validClaims(), iat: now - 3600 });
    expect(await refusal(`Bearer ${token}`, { ...config, maxTokenAgeSeconds: 600 })).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'too_old',
    });
  });

  it.each([
    ['issuer', { iss: 'https://evil.example' }, 'wrong_issuer'],
    ['audience', { aud: 'another-api' }, 'wrong_audience'],
  ])('refuses a wrong %s', async (_label, claims, reason) => {
    expect(await refusal(`Bearer ${await sign({ ...validClaims(), ...claims })}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason,
    });
  });

  it('refuses a token without iss or aud', async () => {
    const { iss: _iss, ...noIssuer } = validClaims();
    const { aud: _aud, ...noAudience } = validClaims();
    expect(await refusal(`Bearer ${await sign(noIssuer)}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'wrong_issuer',
    });
    expect(await refusal(`Bearer ${await sign(noAudience)}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'wrong_audience',
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with a control character', 'user\u0000-1'],
  ])('refuses a subject that is %s', async (_label, sub) => {
    const { sub: _sub, ...claims } = validClaims();
    const token = await sign(sub === undefined ? claims : { ...claims, sub });
    expect(await refusal(`Bearer ${token}`)).toMatchObject({ code: 'AUTH.INVALID_TOKEN', reason: 'missing_subject' });
  });

  it.each([
    ['a string', 'admin'],
    ['an array with a number', ['admin', 7]],
    ['an object', { admin: true }],
  ])('refuses a roles claim that is %s', async (_label, roles) => {
    expect(await refusal(`Bearer ${await sign({ ...validClaims(), roles })}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'malformed_roles',
    });
  });

  it('limits the principal to the wallets its token names (deduplicated), and to none when it names none', async () => {
    const scoped = await sign({ ...validClaims(), roles: ['operator'], wallets: ['w-1', 'w-2', 'w-1'] });
    await expect(verifyBearerToken(`Bearer ${scoped}`, config)).resolves.toMatchObject({ wallets: ['w-1', 'w-2'] });
    const unscoped = await sign({ ...validClaims(), roles: ['operator'] });
    expect(await verifyBearerToken(`Bearer ${unscoped}`, config)).not.toHaveProperty('wallets');
  });

  it.each([
    ['a string', 'w-1'],
    ['an empty array (read as "no scope" it would widen the token)', []],
    ['an array with a number', ['w-1', 7]],
    ['an id with a space', ['w 1']],
    ['more than 100 wallets', Array.from({ length: 101 }, (_, i) => `w-${i}`)],
  ])('refuses a wallets claim that is %s', async (_label, wallets) => {
    expect(await refusal(`Bearer ${await sign({ ...validClaims(), wallets })}`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'malformed_wallets',
    });
  });

  it.each([
    ['a header that is not JSON', `${Buffer.from('{oops').toString('base64url')}.${b64url(validClaims())}.c2ln`],
    ['a payload that is not JSON', `${b64url({ alg: 'ES256' })}.${Buffer.from('[1,').toString('base64url')}.c2ln`],
    ['an empty signature', `${b64url({ alg: 'ES256' })}.${b64url(validClaims())}.`],
  ])('refuses %s as malformed or unsigned', async (_label, token) => {
    expect(await refusal(`Bearer ${token}`)).toMatchObject({ code: 'AUTH.INVALID_TOKEN' });
  });

  it('refuses an oversized header without parsing it', async () => {
    expect(await refusal(`Bearer ${'a'.repeat(9000)}.b.c`)).toMatchObject({
      code: 'AUTH.INVALID_TOKEN',
      reason: 'too_long',
    });
  });

  it('never puts the token in the error', async () => {
    const token = await sign({ ...validClaims(), exp: now - 60 });
    try {
      await verifyBearerToken(`Bearer ${token}`, config);
      throw new Error('accepted');
    } catch (e) {
      const text = JSON.stringify({
        message: (e as Error).message,
        details: (e as { details: unknown }).details,
        cause: String((e as Error).cause),
      });
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[2]);
    }
  });
});

describe('createDevTokenIssuer', () => {
  it('mints tokens the handlers configured from its env accept', async () => {
    const issuer = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
    const token = await issuer.mint({ sub: 'alice', roles: ['admin', 'approver'] });
    await expect(verifyBearerToken(`Bearer ${token}`, loadAuthConfig(issuer.env))).resolves.toEqual({
      id: 'alice',
      roles: ['admin', 'approver'],
    });
    const fromJwk = loadAuthConfig({ ...issuer.env, STRONGROOM_JWT_PUBLIC_KEY: JSON.stringify(issuer.publicJwk) });
    await expect(verifyBearerToken(`Bearer ${token}`, fromJwk)).resolves.toMatchObject({ id: 'alice' });
  });

  it('keeps its private key unexportable and refuses a non-positive lifetime', async () => {
    const issuer = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
    expect(JSON.stringify(issuer)).not.toMatch(/PRIVATE|"d":/);
    await expect(issuer.mint({ sub: 'alice', expiresInSeconds: 0 })).rejects.toThrow(/positive/);
  });

  it("rejects another issuer's tokens", async () => {
    const a = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
    const b = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
    expect(
      await refusal(`Bearer ${await b.mint({ sub: 'mallory', roles: ['admin'] })}`, loadAuthConfig(a.env)),
    ).toMatchObject({ reason: 'bad_signature' });
  });
});

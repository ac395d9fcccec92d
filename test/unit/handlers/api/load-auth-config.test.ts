import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { loadAuthConfig } from '../../../../lambdas/handlers/api/http/load-auth-config';
import { verifyBearerToken } from '../../../../lambdas/handlers/api/http/verify-bearer-token';

const base = { STRONGROOM_JWT_ISSUER: 'https://idp.strongroom.test', STRONGROOM_JWT_AUDIENCE: 'strongroom-api' };
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('loadAuthConfig', () => {
  it('reads issuer, audience and a PEM public key, allowing only ES256', () => {
    const config = loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: publicPem });
    expect(config).toMatchObject({
      issuer: base.STRONGROOM_JWT_ISSUER,
      audience: base.STRONGROOM_JWT_AUDIENCE,
      algorithms: ['ES256'],
    });
  });

  it('reads the maximum token lifetime (default 24 h) and refuses one that is not a whole number of seconds', () => {
    const withKey = { ...base, STRONGROOM_JWT_PUBLIC_KEY: publicPem };
    expect(loadAuthConfig(withKey).maxTokenLifetimeSeconds).toBe(86_400);
    expect(loadAuthConfig({ ...withKey, STRONGROOM_JWT_MAX_LIFETIME_SECONDS: '3600' }).maxTokenLifetimeSeconds).toBe(
      3_600,
    );
    for (const bad of ['0', '-5', '1.5', '1h', String(31 * 86_400)])
      expect(() => loadAuthConfig({ ...withKey, STRONGROOM_JWT_MAX_LIFETIME_SECONDS: bad })).toThrow(
        /STRONGROOM_JWT_MAX_LIFETIME_SECONDS/,
      );
  });

  it('accepts a PEM with escaped newlines, as environment variables often carry it', () => {
    expect(() =>
      loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: publicPem.replaceAll('\n', '\\n') }),
    ).not.toThrow();
  });

  it.each([
    ['the issuer', { STRONGROOM_JWT_ISSUER: undefined }, /STRONGROOM_JWT_ISSUER/],
    ['the audience', { STRONGROOM_JWT_AUDIENCE: '  ' }, /STRONGROOM_JWT_AUDIENCE/],
  ])('throws when %s is missing', (_label, change, message) => {
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: publicPem, ...change })).toThrow(message);
  });

  it('throws with neither or both of a public key and a JWKS URL', () => {
    expect(() => loadAuthConfig(base)).toThrow(/exactly one/);
    expect(() =>
      loadAuthConfig({
        ...base,
        STRONGROOM_JWT_PUBLIC_KEY: publicPem,
        STRONGROOM_JWT_JWKS_URL: 'https://idp.example/jwks.json',
      }),
    ).toThrow(/exactly one/);
  });

  it('refuses a private key where the public key belongs, as PEM or JWK', () => {
    const privatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const privateJwk = JSON.stringify(ec.privateKey.export({ format: 'jwk' }));
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: privatePem })).toThrow(/private key/);
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: privateJwk })).toThrow(/private key/);
  });

  it('refuses a key that is not P-256 and text that is not a key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: rsa })).toThrow(/P-256/);
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: '{not json' })).toThrow(/neither/);
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_PUBLIC_KEY: 'garbage' })).toThrow();
  });

  it('requires https for a JWKS URL except on loopback', () => {
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_JWKS_URL: 'http://idp.example/jwks.json' })).toThrow(/https/);
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_JWKS_URL: 'not a url' })).toThrow(/not a URL/);
    expect(() => loadAuthConfig({ ...base, STRONGROOM_JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' })).not.toThrow();
  });

  describe('with a JWKS URL', () => {
    let server: Server;
    let url: string;
    let keys: Awaited<ReturnType<typeof generateKeyPair>>;

    beforeAll(async () => {
      keys = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    const claims = {
      iss: base.STRONGROOM_JWT_ISSUER,
      aud: base.STRONGROOM_JWT_AUDIENCE,
      sub: 'svc-1',
      roles: ['operator'],
    };

    it('verifies tokens against the fetched keys', async () => {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
        .setExpirationTime('5m')
        .sign(keys.privateKey);
      await expect(
        verifyBearerToken(`Bearer ${token}`, loadAuthConfig({ ...base, STRONGROOM_JWT_JWKS_URL: url })),
      ).resolves.toEqual({ id: 'svc-1', roles: ['operator'] });
    });

    it('refuses a token whose kid the JWKS does not have (401)', async () => {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'key-9' })
        .setExpirationTime('5m')
        .sign(keys.privateKey);
      await expect(
        verifyBearerToken(`Bearer ${token}`, loadAuthConfig({ ...base, STRONGROOM_JWT_JWKS_URL: url })),
      ).rejects.toMatchObject({
        code: 'AUTH.INVALID_TOKEN',
        details: { reason: 'unknown_key' },
      });
    });

    it('reports an unreachable identity provider as unavailable (503), never as a bad token', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
        .setExpirationTime('5m')
        .sign(keys.privateKey);
      await expect(
        verifyBearerToken(
          `Bearer ${token}`,
          loadAuthConfig({ ...base, STRONGROOM_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` }),
        ),
      ).rejects.toMatchObject({
        name: 'DependencyUnavailableError',
        code: 'AUTH.KEYS_UNAVAILABLE',
      });
    });
  });
});

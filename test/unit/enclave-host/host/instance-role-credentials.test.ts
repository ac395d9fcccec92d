import { instanceRoleCredentials } from '../../../../enclave-host/host/instance-role-credentials';

describe('instanceRoleCredentials', () => {
  it('fetches once for concurrent callers and again only when the credentials near expiry', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    let fetched = 0;
    const provider = async () => {
      fetched += 1;
      return {
        accessKeyId: `ASIA${fetched}`,
        secretAccessKey: 'secret',
        sessionToken: 'session',
        expiration: new Date(now + 60 * 60 * 1000),
      };
    };
    const credentials = instanceRoleCredentials(provider, () => now);

    const [a, b] = await Promise.all([credentials(), credentials()]);
    expect(a).toEqual({ accessKeyId: 'ASIA1', secretAccessKey: 'secret', sessionToken: 'session' });
    expect(b).toBe(a);
    now += 50 * 60 * 1000;
    expect((await credentials()).accessKeyId).toBe('ASIA1');
    now += 6 * 60 * 1000;
    expect((await credentials()).accessKeyId).toBe('ASIA2');
    expect(fetched).toBe(2);
  });

  it('passes a failure on and tries again at the next call', async () => {
    let calls = 0;
    const credentials = instanceRoleCredentials(async () => {
      calls += 1;
      if (calls === 1) throw new Error('IMDS unreachable');
      return { accessKeyId: 'ASIA', secretAccessKey: 'secret' };
    });
    await expect(credentials()).rejects.toThrow('IMDS unreachable');
    await expect(credentials()).resolves.toEqual({ accessKeyId: 'ASIA', secretAccessKey: 'secret' });
  });
});

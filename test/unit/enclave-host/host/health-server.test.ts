import { startHealthServer, type HealthServer } from '../../../../enclave-host/host/health-server';
import type { HostHealth } from '../../../../enclave-host/host/signing-host';

const JOBS: HostHealth['jobs'] = {
  signed: 3,
  'answered-again': 1,
  created: 0,
  refused: 0,
  voided: 0,
  malformed: 0,
  'enclave-unavailable': 0,
  'store-failed': 0,
  error: 0,
};

describe('health server', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 200 with the counters when the enclave is up, on loopback', async () => {
    const health: HostHealth = { enclave: 'up', lastPollAt: '2026-12-01T10:00:00.000Z', jobs: JOBS };
    server = await startHealthServer({ port: 0, check: async () => health });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', ...health });
  });

  it('answers 503 when the enclave is down or the check fails', async () => {
    let check = async (): Promise<HostHealth> => ({ enclave: 'down', lastPollAt: null, jobs: JOBS });
    server = await startHealthServer({ port: 0, host: '127.0.0.1', check: () => check() });
    const down = await fetch(`${server.url}/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', enclave: 'down', lastPollAt: null, jobs: JOBS });
    check = async () => {
      throw new Error('boom');
    };
    const failed = await fetch(`${server.url}/health`);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({ status: 'unavailable', enclave: 'down' });
  });

  it('serves nothing else', async () => {
    server = await startHealthServer({ port: 0, check: async () => ({ enclave: 'up', lastPollAt: null, jobs: JOBS }) });
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/health`, { method: 'POST' })).status).toBe(405);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostHealth } from './signing-host';

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Loopback only by default: the endpoint is for the instance's own agent and load checks, not the network. */
  readonly host?: string;
  readonly check: () => Promise<HostHealth>;
}

export interface HealthServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves GET /health: 200 `{status: 'ok', enclave: 'up', lastPollAt, jobs}` when the enclave answers its
 * `health` op, 503 `{status: 'unavailable', …}` when it does not or the check itself fails. The body
 * carries counts and a time only: nothing about any job in particular.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/health') return reply(404, { status: 'not-found' });
    if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      return reply(405, { status: 'method-not-allowed' });
    }
    options.check().then(
      (health) =>
        reply(health.enclave === 'up' ? 200 : 503, {
          status: health.enclave === 'up' ? 'ok' : 'unavailable',
          ...health,
        }),
      () => reply(503, { status: 'unavailable', enclave: 'down' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

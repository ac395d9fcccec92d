import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instanceIdFromImds } from '../../../../enclave-host/host/instance-id';

/** An instance metadata service that answers only with IMDSv2's session token, as the launch template requires. */
async function imds(instanceId: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const token = 'imds-session-token';
  const server: Server = createServer((request: IncomingMessage, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (request.method === 'PUT' && request.url === '/latest/api/token') {
      if (request.headers['x-aws-ec2-metadata-token-ttl-seconds'] === undefined)
        return void response.writeHead(400).end();
      return void response.end(token);
    }
    if (request.url === '/latest/meta-data/instance-id') {
      if (request.headers['x-aws-ec2-metadata-token'] !== token) return void response.writeHead(401).end();
      return void response.end(instanceId);
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('instanceIdFromImds', () => {
  it('reads the instance id with an IMDSv2 session token', async () => {
    const service = await imds('i-0123456789abcdef0');
    try {
      await expect(instanceIdFromImds(service.url)).resolves.toBe('i-0123456789abcdef0');
      expect(service.requests).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/instance-id']);
    } finally {
      await service.close();
    }
  });

  it('refuses an answer that is not an instance id', async () => {
    const service = await imds('<html>captive portal</html>');
    try {
      await expect(instanceIdFromImds(service.url)).rejects.toThrow('not an instance id');
    } finally {
      await service.close();
    }
  });
});

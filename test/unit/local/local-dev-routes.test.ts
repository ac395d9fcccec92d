import { request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { apiRoutes, type ApiHandlers } from '../../../local/http/api-routes';
import type { LocalApiServer } from '../../../local/http/local-api-server';
import { startLocalApiServer } from '../../../local/http/local-api-server';
import { localDevRoutes } from '../../../local/http/local-dev-routes';
import type { LocalStack } from '../../../local/local-stack';

type DevStack = Pick<LocalStack, 'mint' | 'outbox' | 'anvil' | 'token'>;

interface Started {
  readonly server: LocalApiServer;
  readonly mint: jest.Mock;
  /** Bytes of request bodies the development routes were given to read. */
  bodyBytesRead(): number;
}

const servers: LocalApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(): Promise<Started> {
  const mint = jest.fn(async (sub: string) => `token-for-${sub}`);
  const stack = {
    mint,
    outbox: { list: () => [] },
    anvil: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337 },
    token: { address: '0x0000000000000000000000000000000000000001', symbol: 'LUSD', decimals: 18 },
  } as unknown as DevStack;
  const routes = localDevRoutes(stack);
  let read = 0;
  const server = await startLocalApiServer({
    routes: apiRoutes({} as ApiHandlers),
    extraRoutes: (request: IncomingMessage, response: ServerResponse) => {
      // Counts what the routes' own 'data' listeners are given (the count itself reads nothing).
      const wrapped = new Map<unknown, (chunk: Buffer) => void>();
      const on = request.on.bind(request);
      const off = request.off.bind(request);
      request.on = ((event: string, listener: (...args: unknown[]) => void) => {
        if (event !== 'data') return on(event, listener);
        const counting = (chunk: Buffer): void => {
          read += chunk.length;
          listener(chunk);
        };
        wrapped.set(listener, counting);
        return on('data', counting);
      }) as typeof request.on;
      request.off = ((event: string, listener: (...args: unknown[]) => void) =>
        off(event, (event === 'data' ? wrapped.get(listener) : undefined) ?? listener)) as typeof request.off;
      return routes(request, response);
    },
  });
  servers.push(server);
  return { server, mint, bodyBytesRead: () => read };
}

interface Received {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** One request; `chunks` are streamed without a Content-Length, until the server answers. */
function send(
  server: LocalApiServer,
  options: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: string; chunks?: Buffer[] },
): Promise<Received> {
  return new Promise((resolvePromise, reject) => {
    let answered = false;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    // The server may close while the client still writes: its answer is what counts.
    req.on('error', (error) => setTimeout(() => (answered ? undefined : reject(error)), 200));
    if (options.chunks === undefined) {
      req.end(options.body);
      return;
    }
    const chunks = [...options.chunks];
    const writeMore = (): void => {
      while (!answered && !req.destroyed && chunks.length > 0) {
        if (!req.write(chunks.shift())) return void req.once('drain', writeMore);
      }
      if (chunks.length === 0) req.end();
    };
    writeMore();
  });
}

const json = { 'content-type': 'application/json' };
const errorCode = (received: Received): string => (JSON.parse(received.body) as { error: { code: string } }).error.code;

describe('local development routes', () => {
  it('mint a token from a JSON body', async () => {
    const { server, mint } = await start();
    const received = await send(server, {
      method: 'POST',
      path: '/local/tokens',
      headers: json,
      body: JSON.stringify({ sub: 'alice', roles: ['operator'] }),
    });
    expect(received.status).toBe(201);
    expect(JSON.parse(received.body)).toMatchObject({ token: 'token-for-alice', sub: 'alice', roles: ['operator'] });
    expect(mint).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['text/plain (a cross-site form)', { 'content-type': 'text/plain' }],
    ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['JSON in another charset', { 'content-type': 'application/json; charset=latin1' }],
    ['no content type', {}],
  ])('refuse to mint from %s with 415', async (_label, headers) => {
    const { server, mint } = await start();
    const received = await send(server, {
      method: 'POST',
      path: '/local/tokens',
      headers,
      body: JSON.stringify({ sub: 'alice', roles: ['admin'] }),
    });
    expect(received.status).toBe(415);
    expect(errorCode(received)).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
    expect(mint).not.toHaveBeenCalled();
  });

  it('list the outbox without a content type or with JSON, and refuse another content type with 415', async () => {
    const { server } = await start();
    expect((await send(server, { path: '/local/outbox' })).status).toBe(200);
    expect((await send(server, { path: '/local/outbox', headers: json })).status).toBe(200);
    const refused = await send(server, { path: '/local/outbox', headers: { 'content-type': 'text/plain' } });
    expect(refused.status).toBe(415);
  });

  it('refuse a body declared larger than 4 KiB with 413 without reading it', async () => {
    const { server, mint, bodyBytesRead } = await start();
    const received = await send(server, {
      method: 'POST',
      path: '/local/tokens',
      headers: json,
      body: JSON.stringify({ sub: 'alice', pad: 'x'.repeat(5_000) }),
    });
    expect(received.status).toBe(413);
    expect(errorCode(received)).toBe('REQUEST.BODY_TOO_LARGE');
    expect(received.headers.connection).toBe('close');
    expect(bodyBytesRead()).toBe(0);
    expect(mint).not.toHaveBeenCalled();
  });

  it('stop reading a streamed body once it passes 4 KiB: 413, the connection closed, the rest never read', async () => {
    const { server, mint, bodyBytesRead } = await start();
    const chunks = [
      Buffer.from('{"sub":"alice","pad":"'),
      ...Array.from({ length: 256 }, () => Buffer.alloc(16_384, 120)),
    ];
    const received = await send(server, { method: 'POST', path: '/local/tokens', headers: json, chunks });
    expect(received.status).toBe(413);
    expect(errorCode(received)).toBe('REQUEST.BODY_TOO_LARGE');
    expect(received.headers.connection).toBe('close');
    // 4 MiB were offered; what was read stops near the cap (a few socket reads), never the whole body.
    expect(bodyBytesRead()).toBeLessThan(1024 * 1024);
    expect(mint).not.toHaveBeenCalled();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_FRAME_BYTES, type EnclaveRequest, type EnclaveResult } from '../../../../enclave-host/contract';
import {
  EnclaveError,
  EnclaveUnavailableError,
  isEnclaveUnavailable,
} from '../../../../enclave-host/protocol/enclave-error';
import { encodeFrame, FrameDecoder } from '../../../../enclave-host/protocol/frame-codec';
import { serveFrames, type EnclaveHandler } from '../../../../enclave-host/protocol/serve-frames';
import { parseEnclaveAddress, SocketEnclaveClient } from '../../../../enclave-host/protocol/socket-enclave-client';

const credentials = { accessKeyId: 'AKIA', secretAccessKey: 'secret-value' };
const health: EnclaveResult = { op: 'health', protocol: 1, mode: 'local' };

let dir: string;
let socketPath: string;
const servers: Server[] = [];
/** Each server's accepted sockets, so a test can hang up on its client as a dying enclave would. */
const connections = new WeakMap<Server, Socket[]>();
const clients: SocketEnclaveClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'enclave-protocol-'));
  socketPath = join(dir, 'enclave.sock');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

async function listen(handle: EnclaveHandler): Promise<Server> {
  const server = createServer();
  serveFrames(server, handle);
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  connections.set(server, sockets);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

function client(options: { timeoutMs?: number } = {}): SocketEnclaveClient {
  const c = new SocketEnclaveClient({ path: socketPath }, options);
  clients.push(c);
  return c;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('SocketEnclaveClient with serveFrames over a Unix socket', () => {
  it('round-trips requests, concurrently on one connection, each answer to its own call', async () => {
    const seen: EnclaveRequest[] = [];
    await listen(async (request) => {
      seen.push(request);
      if (request.op === 'createAgentKey' && request.walletId === 'slow') await new Promise((r) => setTimeout(r, 50));
      if (request.op === 'createAgentKey') throw new EnclaveError('ENCLAVE.WRONG_WALLET', `not ${request.walletId}`);
      return health;
    });
    const c = client();
    const [slow, fast, ok] = await Promise.allSettled([
      c.call({ op: 'createAgentKey', walletId: 'slow', credentials }),
      c.call({ op: 'createAgentKey', walletId: 'fast', credentials }),
      c.call({ op: 'health' }),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: health });
    expect(slow).toEqual({
      status: 'rejected',
      reason: expect.objectContaining({ code: 'ENCLAVE.WRONG_WALLET', message: 'not slow' }),
    });
    expect(fast).toEqual({
      status: 'rejected',
      reason: expect.objectContaining({ code: 'ENCLAVE.WRONG_WALLET', message: 'not fast' }),
    });
    expect((slow as PromiseRejectedResult).reason).toBeInstanceOf(EnclaveError);
    expect(seen).toHaveLength(3);
  });

  it('answers an unexpected handler failure as ENCLAVE.INTERNAL, without its message', async () => {
    await listen(async () => {
      throw new Error('private key 0xdeadbeef leaked into a message');
    });
    const error = await rejection(client().call({ op: 'health' }));
    expect(error).toEqual(expect.objectContaining({ code: 'ENCLAVE.INTERNAL' }));
    expect((error as Error).message).not.toContain('deadbeef');
  });

  it('rejects a call not answered in time as unavailable (timeout), and is usable afterwards', async () => {
    let calls = 0;
    await listen(async () => {
      calls += 1;
      if (calls === 1) await new Promise((r) => setTimeout(r, 300));
      return health;
    });
    const c = client();
    const error = await rejection(c.call({ op: 'health' }, { timeoutMs: 50 }));
    expect(error).toBeInstanceOf(EnclaveUnavailableError);
    expect(error).toEqual(expect.objectContaining({ reason: 'timeout' }));
    await expect(c.call({ op: 'health' })).resolves.toEqual(health);
  });

  it('rejects as enclave down when nothing listens (refused)', async () => {
    const error = await rejection(client().call({ op: 'health' }));
    expect(isEnclaveUnavailable(error)).toBe(true);
    expect(error).toEqual(expect.objectContaining({ reason: 'refused', name: 'EnclaveUnavailableError' }));
  });

  it('rejects as enclave down when the enclave goes away mid-call (closed), then reconnects to a new one', async () => {
    const server = await listen(() => new Promise(() => undefined)); // never answers
    const c = client();
    const pending = rejection(c.call({ op: 'health' }));
    await new Promise((r) => setTimeout(r, 50));
    // What socat does when no enclave is behind its vsock: accept, then hang up.
    const closing = new Promise((resolve) => server.close(resolve));
    for (const socket of connections.get(server) ?? []) socket.destroy();
    await closing;
    servers.splice(servers.indexOf(server), 1);
    const error = await pending;
    expect(isEnclaveUnavailable(error)).toBe(true);
    expect(error).toEqual(expect.objectContaining({ reason: 'closed' }));

    await listen(async () => health);
    await expect(c.call({ op: 'health' })).resolves.toEqual(health);
  });

  it('refuses to send a request larger than a frame, before connecting', async () => {
    const error = await rejection(
      client().call({ op: 'createAgentKey', walletId: 'w'.repeat(MAX_FRAME_BYTES), credentials }),
    );
    expect(error).toEqual(expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }));
  });

  it('serveFrames answers an oversized length with BAD_FRAME and hangs up without reading the body', async () => {
    let handled = 0;
    await listen(async () => {
      handled += 1;
      return health;
    });
    const socket = connect(socketPath);
    const decoder = new FrameDecoder();
    const frames: unknown[] = [];
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => undefined);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    socket.write(length);
    await closed;
    expect(frames).toEqual([
      { v: 1, id: '', ok: false, error: expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }) },
    ]);
    expect(handled).toBe(0);
  });

  it('serveFrames answers bad JSON and a wrong version on the same connection, and serves the next request', async () => {
    await listen(async () => health);
    const socket = connect(socketPath);
    const decoder = new FrameDecoder();
    const frames: unknown[] = [];
    const three = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        frames.push(...decoder.push(chunk));
        if (frames.length === 3) resolve();
      }),
    );
    const bad = Buffer.from('not json');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bad.length, 0);
    socket.write(Buffer.concat([length, bad, encodeFrame({ v: 9, id: 'old', request: { op: 'health' } })]));
    socket.write(encodeFrame({ v: 1, id: 'new', request: { op: 'health' } }));
    await three;
    socket.destroy();
    expect(frames).toEqual(
      expect.arrayContaining([
        { v: 1, id: '', ok: false, error: expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }) },
        { v: 1, id: 'old', ok: false, error: expect.objectContaining({ code: 'ENCLAVE.UNSUPPORTED_VERSION' }) },
        { v: 1, id: 'new', ok: true, result: health },
      ]),
    );
  });
});

describe('SocketEnclaveClient over TCP (a socat bridge on the host)', () => {
  it('round-trips to host:port', async () => {
    const server = createServer();
    serveFrames(server, async () => health);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const c = new SocketEnclaveClient(parseEnclaveAddress(`127.0.0.1:${port}`));
    clients.push(c);
    await expect(c.call({ op: 'health' })).resolves.toEqual(health);
  });
});

describe('parseEnclaveAddress', () => {
  it('reads host:port as TCP and anything else as a socket path', () => {
    expect(parseEnclaveAddress('127.0.0.1:5005')).toEqual({ host: '127.0.0.1', port: 5005 });
    expect(parseEnclaveAddress('localhost:5005')).toEqual({ host: 'localhost', port: 5005 });
    expect(parseEnclaveAddress('/run/strongroom/enclave.sock')).toEqual({ path: '/run/strongroom/enclave.sock' });
    expect(parseEnclaveAddress('./a:1/enclave.sock')).toEqual({ path: './a:1/enclave.sock' });
  });
});

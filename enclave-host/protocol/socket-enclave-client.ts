import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { PROTOCOL_VERSION, type EnclaveClient, type EnclaveRequest, type EnclaveResult } from '../contract';
import { EnclaveError, EnclaveUnavailableError } from './enclave-error';
import { encodeFrame, FrameDecoder } from './frame-codec';
import { readResponseFrame } from './frames';

/** Where the enclave's frames are reached: a Unix socket path, or a TCP host and port (a socat bridge). */
export type EnclaveAddress = { readonly path: string } | { readonly host: string; readonly port: number };

/** "host:port" → TCP, anything else → a Unix socket path (as `--listen` and the host's config spell it). */
export function parseEnclaveAddress(text: string): EnclaveAddress {
  const tcp = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(text);
  if (tcp !== null && !text.includes('/')) {
    const port = Number(tcp[2]);
    if (port < 1 || port > 65_535) throw new RangeError(`port ${port} is out of range`);
    return { host: (tcp[1] ?? '').replace(/^\[|\]$/g, ''), port };
  }
  if (text.length === 0) throw new RangeError('an enclave address is a socket path or host:port');
  return { path: text };
}

export interface SocketEnclaveClientOptions {
  /** A call's default time to answer, connecting included. Signing unseals through KMS: seconds, not milliseconds. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Connect failures that mean nothing listens there; any other failure to connect is reported as 'closed'. */
const REFUSED = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTSOCK', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

interface Pending {
  readonly op: EnclaveRequest['op'];
  /** The connection the request went out on: only its failure fails the call. */
  readonly socket: Socket;
  resolve(result: EnclaveResult): void;
  reject(error: Error): void;
}

interface Connection {
  readonly socket: Socket;
  readonly ready: Promise<void>;
}

/**
 * The host's EnclaveClient over one stream socket, opened at the first call and again after it
 * closes; calls share it, each under its own id, answers matched by id.
 *
 * A call rejects with an {@link EnclaveError} when the enclave refused (its code), and with an
 * {@link EnclaveUnavailableError} when the enclave could not be asked: nothing listens ('refused'),
 * the connection closed before the answer ('closed': the enclave stopped, or socat found no enclave
 * behind the vsock and hung up), or no answer within the timeout ('timeout'). The host reads the
 * latter as "enclave down": the job waits and is retried, and is never signed elsewhere.
 */
export class SocketEnclaveClient implements EnclaveClient {
  private connection: Connection | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;

  constructor(
    private readonly address: EnclaveAddress,
    options: SocketEnclaveClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async call(request: EnclaveRequest, options: { readonly timeoutMs?: number } = {}): Promise<EnclaveResult> {
    const id = randomUUID();
    // Encoded first: a request too large for a frame is refused here, before anything is sent.
    const frame = encodeFrame({ v: PROTOCOL_VERSION, id, request });
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<EnclaveResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new EnclaveUnavailableError('timeout', `the enclave did not answer ${request.op} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          this.pending.delete(id);
          fn(value);
        };
      const connection = this.connect();
      this.pending.set(id, {
        op: request.op,
        socket: connection.socket,
        resolve: settle(resolve),
        reject: settle(reject),
      });
      connection.ready.then(
        () => {
          if (this.pending.has(id)) connection.socket.write(frame);
        },
        () => undefined, // the connection's failure already rejected every pending call
      );
    });
  }

  /** Closes the connection; calls still waiting reject as 'closed'. */
  async close(): Promise<void> {
    const connection = this.connection;
    if (connection === undefined) return;
    this.connection = undefined;
    await new Promise<void>((resolve) => {
      connection.socket.once('close', () => resolve());
      connection.socket.destroy();
    });
  }

  private connect(): Connection {
    if (this.connection !== undefined && !this.connection.socket.destroyed) return this.connection;
    const socket = 'path' in this.address ? connect(this.address.path) : connect(this.address.port, this.address.host);
    const decoder = new FrameDecoder();
    let connected = false;
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('connect', () => {
        connected = true;
        resolve();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (!connected) reject(error);
        this.failAll(this.unavailable(connected, error), socket);
      });
    });
    ready.catch(() => undefined);
    socket.on('close', () => {
      this.failAll(new EnclaveUnavailableError('closed', 'the enclave closed the connection before answering'), socket);
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) this.receive(readResponseFrame(frame), socket);
      } catch (cause) {
        // A peer that does not speak the protocol: nothing more it sends can be trusted to line up.
        const error =
          cause instanceof EnclaveError ? cause : new EnclaveError('ENCLAVE.BAD_FRAME', 'unreadable answer');
        this.failAll(error, socket);
        socket.destroy();
      }
    });
    this.connection = { socket, ready };
    return this.connection;
  }

  private receive(frame: ReturnType<typeof readResponseFrame>, socket: Socket): void {
    const pending = this.pending.get(frame.id);
    if (pending === undefined) {
      // The id "" answers a frame the enclave could not attribute: it can only have been one of ours.
      if (!frame.ok && frame.id === '') {
        for (const call of [...this.pending.values()]) {
          if (call.socket === socket) call.reject(new EnclaveError(frame.error.code, frame.error.message));
        }
      }
      return; // an answer after its call timed out
    }
    if (!frame.ok) pending.reject(new EnclaveError(frame.error.code, frame.error.message));
    else if (frame.result.op !== pending.op)
      pending.reject(new EnclaveError('ENCLAVE.BAD_FRAME', `asked ${pending.op}, answered ${frame.result.op}`));
    else pending.resolve(frame.result);
  }

  private unavailable(connected: boolean, error: NodeJS.ErrnoException): EnclaveUnavailableError {
    const where = 'path' in this.address ? this.address.path : `${this.address.host}:${this.address.port}`;
    if (!connected && (error.code === undefined || REFUSED.has(error.code))) {
      return new EnclaveUnavailableError('refused', `no enclave listens at ${where} (${error.code ?? error.name})`, {
        cause: error,
      });
    }
    return new EnclaveUnavailableError(
      'closed',
      `the connection to the enclave at ${where} failed (${error.code ?? error.name})`,
      {
        cause: error,
      },
    );
  }

  private failAll(error: Error, socket: Socket): void {
    if (this.connection?.socket === socket) this.connection = undefined;
    for (const call of [...this.pending.values()]) if (call.socket === socket) call.reject(error);
  }
}

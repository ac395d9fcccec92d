import type { Server, Socket } from 'node:net';
import type { EnclaveRequest, EnclaveResponseFrame, EnclaveResult } from '../contract';
import { EnclaveError } from './enclave-error';
import { encodeFrame, FrameDecoder } from './frame-codec';
import { errorFrame, readRequestFrame, successFrame } from './frames';

/** What answers one request: the enclave's logic (enclave-host/enclave/create-enclave.ts). */
export type EnclaveHandler = (request: EnclaveRequest) => Promise<EnclaveResult>;

/** What a server may tell its log about a request: the op and the refusal's code, nothing from the request. */
export interface ServedRequest {
  readonly op?: EnclaveRequest['op'];
  readonly code?: EnclaveError['code'];
  readonly ms: number;
}

export interface ServeFramesOptions {
  /** Called once per answered frame; never given the request, its credentials or its result. */
  readonly onServed?: (served: ServedRequest) => void;
  /** Called with a handler's unexpected throw (the peer is told only ENCLAVE.INTERNAL). */
  readonly onInternalError?: (error: unknown) => void;
}

/**
 * Serves the frame protocol on every connection `server` accepts: each frame is read
 * (readRequestFrame), handed to `handle`, and answered under its id, requests on one connection
 * concurrently (the host matches answers by id). A refusal the handler throws as an EnclaveError
 * goes back with its code and message; anything else as ENCLAVE.INTERNAL with a fixed message, since
 * an unexpected error's text could hold anything, key material included.
 *
 * A length over MAX_FRAME_BYTES is answered BAD_FRAME under the id "" and the connection is closed
 * without reading the body: the stream cannot be resynchronised after it. A frame whose body is not
 * JSON, or not a request, is answered and the connection goes on.
 *
 * Transport: any stream socket node:net accepts. Locally a Unix socket; in production vsock, which
 * Node cannot listen on, so the enclave image runs `socat VSOCK-LISTEN:<port>,fork
 * UNIX-CONNECT:<path>` in front of this server (and the host `socat UNIX-LISTEN:…,fork
 * VSOCK-CONNECT:<cid>:<port>` or a TCP listener in front of its client): both ends see plain streams.
 */
export function serveFrames(server: Server, handle: EnclaveHandler, options: ServeFramesOptions = {}): void {
  server.on('connection', (socket) => serveConnection(socket, handle, options));
}

function serveConnection(socket: Socket, handle: EnclaveHandler, options: ServeFramesOptions): void {
  const decoder = new FrameDecoder();
  let open = true;
  // A peer that resets the connection is not the enclave's failure; without a listener it would crash it.
  socket.on('error', () => {
    open = false;
  });
  socket.on('close', () => {
    open = false;
  });

  const send = (frame: EnclaveResponseFrame): void => {
    if (!open || socket.destroyed) return;
    let bytes: Buffer;
    try {
      bytes = encodeFrame(frame);
    } catch (cause) {
      options.onInternalError?.(cause);
      bytes = encodeFrame(
        errorFrame(frame.id, new EnclaveError('ENCLAVE.INTERNAL', 'the answer does not fit a frame')),
      );
    }
    socket.write(bytes);
  };

  socket.on('data', (chunk: Buffer) => {
    if (!open) return;
    let frames: unknown[];
    try {
      frames = decoder.push(chunk);
    } catch (cause) {
      const error = cause instanceof EnclaveError ? cause : new EnclaveError('ENCLAVE.BAD_FRAME', 'unreadable stream');
      options.onServed?.({ code: error.code, ms: 0 });
      socket.end(encodeFrame(errorFrame('', error)));
      socket.pause(); // stop reading: the oversized body is never taken in
      open = false;
      return;
    }
    for (const frame of frames) void answer(frame);
  });

  const answer = async (frame: unknown): Promise<void> => {
    const started = Date.now();
    const read = readRequestFrame(frame);
    if ('error' in read) {
      options.onServed?.({ code: read.error.code, ms: 0 });
      send(errorFrame(read.id, read.error));
      return;
    }
    const { op } = read.request;
    try {
      const result = await handle(read.request);
      options.onServed?.({ op, ms: Date.now() - started });
      send(successFrame(read.id, result));
    } catch (cause) {
      const error =
        cause instanceof EnclaveError ? cause : new EnclaveError('ENCLAVE.INTERNAL', 'the enclave failed; see its log');
      if (!(cause instanceof EnclaveError)) options.onInternalError?.(cause);
      options.onServed?.({ op, code: error.code, ms: Date.now() - started });
      send(errorFrame(read.id, error));
    }
  };
}

import { MAX_FRAME_BYTES } from '../contract';
import { EnclaveError } from './enclave-error';

/** Bytes of the big-endian length before each frame's body. */
export const FRAME_HEADER_BYTES = 4;

/**
 * One frame: a 4-byte big-endian length, then the UTF-8 JSON of `value`. Refuses (ENCLAVE.BAD_FRAME)
 * a body over MAX_FRAME_BYTES, which the other side would refuse anyway, so the sender learns it
 * from a typed error instead of a closed connection.
 */
export function encodeFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  if (body.length > MAX_FRAME_BYTES) {
    throw new EnclaveError('ENCLAVE.BAD_FRAME', `a frame is at most ${MAX_FRAME_BYTES} bytes, this one ${body.length}`);
  }
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** A frame body that is not JSON: the framing itself is intact, so the connection can go on. */
export class MalformedFrame {
  constructor(readonly reason: string) {}
}

/**
 * Cuts a byte stream into frames, whatever the chunks: a frame split across chunks waits for its
 * rest, several frames in one chunk come out in order. A length over MAX_FRAME_BYTES throws
 * ENCLAVE.BAD_FRAME as soon as its 4 bytes are in, before a byte of its body is buffered: a peer
 * cannot make the enclave hold more than one maximal frame per connection. After that throw the
 * stream cannot be resynchronised, and the caller closes the connection.
 *
 * A body that is not UTF-8 JSON comes out as a {@link MalformedFrame}: its length was honest, so the
 * next frame starts where it ends, and the server answers it with BAD_FRAME instead of hanging up.
 */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private failed = false;

  /** The frames completed by `chunk`: parsed JSON values, or MalformedFrame for a bad body. */
  push(chunk: Uint8Array): (unknown | MalformedFrame)[] {
    if (this.failed) throw new EnclaveError('ENCLAVE.BAD_FRAME', 'the stream already had a bad frame');
    this.buffered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.bufferedBytes += chunk.byteLength;
    const frames: (unknown | MalformedFrame)[] = [];
    for (;;) {
      if (this.bufferedBytes < FRAME_HEADER_BYTES) break;
      const length = this.peekLength();
      if (length > MAX_FRAME_BYTES) {
        this.failed = true;
        this.buffered = [];
        this.bufferedBytes = 0;
        throw new EnclaveError('ENCLAVE.BAD_FRAME', `a frame is at most ${MAX_FRAME_BYTES} bytes, not ${length}`);
      }
      if (this.bufferedBytes < FRAME_HEADER_BYTES + length) break;
      const all = this.take(FRAME_HEADER_BYTES + length);
      frames.push(parseBody(all.subarray(FRAME_HEADER_BYTES)));
    }
    return frames;
  }

  /** Bytes received but not yet a whole frame. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  private peekLength(): number {
    const first = this.buffered[0];
    if (first !== undefined && first.length >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    const joined = Buffer.concat(this.buffered);
    this.buffered = [joined];
    return joined.readUInt32BE(0);
  }

  private take(bytes: number): Buffer {
    const only = this.buffered.length === 1 ? this.buffered[0] : undefined;
    const joined = only ?? Buffer.concat(this.buffered);
    // Copies the rest, so a large chunk's memory is not kept alive by a small remainder's view.
    const rest = joined.subarray(bytes);
    this.buffered = rest.length === 0 ? [] : [Buffer.from(rest)];
    this.bufferedBytes = rest.length;
    return joined.subarray(0, bytes);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return new MalformedFrame('the frame is not UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new MalformedFrame('the frame is not JSON');
  }
}

import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../../../enclave-host/contract';
import { EnclaveError } from '../../../../enclave-host/protocol/enclave-error';
import { encodeFrame, FrameDecoder, MalformedFrame } from '../../../../enclave-host/protocol/frame-codec';
import { readRequestFrame, readResponseFrame } from '../../../../enclave-host/protocol/frames';

const header = (length: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length, 0);
  return bytes;
};

describe('frame codec', () => {
  it('writes a 4-byte big-endian length, then the UTF-8 JSON', () => {
    const frame = encodeFrame({ a: 'é' });
    expect(frame.readUInt32BE(0)).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(frame.subarray(4).toString('utf8')).toBe('{"a":"é"}');
  });

  it('reads a frame cut into single bytes, and several frames in one chunk, in order', () => {
    const decoder = new FrameDecoder();
    const one = encodeFrame({ n: 1, text: 'x'.repeat(300) });
    const out: unknown[] = [];
    for (const byte of one) out.push(...decoder.push(Uint8Array.of(byte)));
    expect(out).toEqual([{ n: 1, text: 'x'.repeat(300) }]);

    const three = Buffer.concat([encodeFrame({ n: 2 }), encodeFrame({ n: 3 }), encodeFrame({ n: 4 })]);
    // The third frame is split across the two chunks.
    expect(decoder.push(three.subarray(0, three.length - 3))).toEqual([{ n: 2 }, { n: 3 }]);
    expect(decoder.pendingBytes).toBe(encodeFrame({ n: 4 }).length - 3);
    expect(decoder.push(three.subarray(three.length - 3))).toEqual([{ n: 4 }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('refuses a length over the maximum as soon as its header is in, without waiting for the body', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(header(MAX_FRAME_BYTES + 1).subarray(0, 2))).toEqual([]);
    let thrown: unknown;
    try {
      decoder.push(header(MAX_FRAME_BYTES + 1).subarray(2));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EnclaveError);
    expect((thrown as EnclaveError).code).toBe('ENCLAVE.BAD_FRAME');
    expect(decoder.pendingBytes).toBe(0); // nothing of it is kept
    // The stream cannot be resynchronised: a frame after it is refused too.
    expect(() => decoder.push(encodeFrame({ n: 1 }))).toThrow(EnclaveError);
  });

  it('accepts a frame of exactly the maximum size, and refuses to write a larger one', () => {
    const body = JSON.stringify('y'.repeat(MAX_FRAME_BYTES - 2));
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.concat([header(MAX_FRAME_BYTES), Buffer.from(body)]))).toEqual([
      'y'.repeat(MAX_FRAME_BYTES - 2),
    ]);
    expect(() => encodeFrame('y'.repeat(MAX_FRAME_BYTES))).toThrow(
      expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }),
    );
  });

  it('gives a body that is not JSON or not UTF-8 as a malformed frame, and goes on with the next one', () => {
    const decoder = new FrameDecoder();
    const notJson = Buffer.from('{"a":');
    const notUtf8 = Buffer.from([0xff, 0xfe]);
    const frames = decoder.push(
      Buffer.concat([header(notJson.length), notJson, header(2), notUtf8, encodeFrame({ ok: 1 })]),
    );
    expect(frames).toHaveLength(3);
    expect(frames[0]).toBeInstanceOf(MalformedFrame);
    expect(frames[1]).toBeInstanceOf(MalformedFrame);
    expect(frames[2]).toEqual({ ok: 1 });
    expect(readRequestFrame(frames[0])).toEqual({
      id: '',
      error: expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }),
    });
  });
});

describe('request frames', () => {
  const credentials = { accessKeyId: 'AKIA', secretAccessKey: 'secret-value' };

  it('reads a request under its id', () => {
    expect(readRequestFrame({ v: PROTOCOL_VERSION, id: 'r-1', request: { op: 'health' } })).toEqual({
      id: 'r-1',
      request: { op: 'health' },
    });
  });

  it('refuses another protocol version under the frame id, before looking at the request', () => {
    const read = readRequestFrame({ v: 2, id: 'r-2', request: { op: 'a future op' } });
    expect(read).toEqual({ id: 'r-2', error: expect.objectContaining({ code: 'ENCLAVE.UNSUPPORTED_VERSION' }) });
    expect(readRequestFrame({ id: 'r-3', request: { op: 'health' } })).toEqual({
      id: 'r-3',
      error: expect.objectContaining({ code: 'ENCLAVE.UNSUPPORTED_VERSION' }),
    });
  });

  it('refuses a frame without an id, or not an object, as BAD_FRAME under the id ""', () => {
    for (const frame of [[1], 'health', null, { v: 1, request: { op: 'health' } }, { v: 1, id: 'x y' }]) {
      expect(readRequestFrame(frame)).toEqual({
        id: '',
        error: expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }),
      });
    }
  });

  it('refuses a request with a field the contract does not name, such as a bare digest', () => {
    const read = readRequestFrame({
      v: 1,
      id: 'r-4',
      request: { op: 'createAgentKey', walletId: 'w-1', credentials, digest: `0x${'11'.repeat(32)}` },
    });
    expect(read).toEqual({ id: 'r-4', error: expect.objectContaining({ code: 'ENCLAVE.BAD_REQUEST' }) });
    expect((read as { error: EnclaveError }).error.message).toContain('request.digest');
  });

  it('never repeats a credential in a refusal', () => {
    const read = readRequestFrame({
      v: 1,
      id: 'r-5',
      request: { op: 'createAgentKey', walletId: 'w-1', credentials: { ...credentials, secretAccessKey: 7 } },
    });
    expect(read).toEqual({ id: 'r-5', error: expect.objectContaining({ code: 'ENCLAVE.BAD_REQUEST' }) });
    const bad = readRequestFrame({
      v: 1,
      id: 'r-6',
      request: { op: 'createAgentKey', walletId: 'w 1', credentials },
    }) as { error: EnclaveError };
    expect(bad.error.message).not.toContain('secret-value');
  });

  it('refuses an unknown op', () => {
    expect(readRequestFrame({ v: 1, id: 'r-7', request: { op: 'signDigest' } })).toEqual({
      id: 'r-7',
      error: expect.objectContaining({ code: 'ENCLAVE.BAD_REQUEST' }),
    });
  });
});

describe('response frames', () => {
  it('reads a result and a refusal, and refuses another version or an unknown code', () => {
    expect(
      readResponseFrame({ v: 1, id: 'a', ok: true, result: { op: 'health', protocol: 1, mode: 'local' } }),
    ).toEqual({ v: 1, id: 'a', ok: true, result: { op: 'health', protocol: 1, mode: 'local' } });
    expect(
      readResponseFrame({ v: 1, id: 'b', ok: false, error: { code: 'ENCLAVE.WRONG_WALLET', message: 'm' } }),
    ).toEqual({ v: 1, id: 'b', ok: false, error: { code: 'ENCLAVE.WRONG_WALLET', message: 'm' } });
    expect(() => readResponseFrame({ v: 0, id: 'c', ok: true, result: { op: 'health' } })).toThrow(
      expect.objectContaining({ code: 'ENCLAVE.UNSUPPORTED_VERSION' }),
    );
    expect(() => readResponseFrame({ v: 1, id: 'd', ok: false, error: { code: 'NOPE' } })).toThrow(
      expect.objectContaining({ code: 'ENCLAVE.BAD_FRAME' }),
    );
  });
});

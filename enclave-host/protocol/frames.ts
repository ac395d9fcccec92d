import {
  PROTOCOL_VERSION,
  type EnclaveErrorCode,
  type EnclaveRequest,
  type EnclaveResponseFrame,
  type EnclaveResult,
} from '../contract';
import { EnclaveError } from './enclave-error';
import { parseEnclaveRequest } from './enclave-request';
import { MalformedFrame } from './frame-codec';

/** Request ids are the host's; bounded so an id cannot be used to grow a response. */
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** What the server makes of one decoded frame: a request to handle, or a refusal to send back under `id`. */
export type ReadRequestFrame =
  { readonly id: string; readonly request: EnclaveRequest } | { readonly id: string; readonly error: EnclaveError };

/**
 * Reads a request frame: BAD_FRAME when it is not a JSON object with an id, UNSUPPORTED_VERSION when
 * its `v` is not ours (checked before its request, whose shape may differ in other versions),
 * BAD_REQUEST when the request does not parse. The id is echoed whenever it could be read, so the
 * host can match even a refusal to its call; otherwise the refusal goes back under the id "".
 */
export function readRequestFrame(frame: unknown): ReadRequestFrame {
  if (frame instanceof MalformedFrame) return { id: '', error: new EnclaveError('ENCLAVE.BAD_FRAME', frame.reason) };
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { id: '', error: new EnclaveError('ENCLAVE.BAD_FRAME', 'a frame is a JSON object') };
  }
  const raw = frame as Record<string, unknown>;
  const id = typeof raw.id === 'string' && ID.test(raw.id) ? raw.id : undefined;
  if (id === undefined) return { id: '', error: new EnclaveError('ENCLAVE.BAD_FRAME', 'a frame has a string id') };
  if (raw.v !== PROTOCOL_VERSION) {
    return { id, error: unsupportedVersion(raw.v) };
  }
  const extra = Object.keys(raw).filter((key) => key !== 'v' && key !== 'id' && key !== 'request');
  if (extra.length > 0) {
    return { id, error: new EnclaveError('ENCLAVE.BAD_FRAME', `a request frame has no field ${extra[0]}`) };
  }
  try {
    return { id, request: parseEnclaveRequest(raw.request) };
  } catch (cause) {
    if (cause instanceof EnclaveError) return { id, error: cause };
    return { id, error: new EnclaveError('ENCLAVE.BAD_REQUEST', 'the request does not parse') };
  }
}

const CODES: ReadonlySet<string> = new Set<EnclaveErrorCode>([
  'ENCLAVE.BAD_FRAME',
  'ENCLAVE.UNSUPPORTED_VERSION',
  'ENCLAVE.BAD_REQUEST',
  'ENCLAVE.PROOF_INVALID',
  'ENCLAVE.TRANSACTION_MISMATCH',
  'ENCLAVE.WRONG_WALLET',
  'ENCLAVE.UNSEAL_FAILED',
  'ENCLAVE.ADDRESS_MISMATCH',
  'ENCLAVE.KMS_UNAVAILABLE',
  'ENCLAVE.INTERNAL',
]);

/** True for a string that is one of the contract's EnclaveErrorCodes. */
export const isEnclaveErrorCode = (value: unknown): value is EnclaveErrorCode =>
  typeof value === 'string' && CODES.has(value);

/**
 * Reads a response frame on the host's side. The result's own fields are the enclave's to vouch
 * for (the host verifies the attestation and the signed transaction itself); here only the frame's
 * shape and version are checked.
 */
export function readResponseFrame(frame: unknown): EnclaveResponseFrame {
  if (frame instanceof MalformedFrame) throw new EnclaveError('ENCLAVE.BAD_FRAME', `response: ${frame.reason}`);
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new EnclaveError('ENCLAVE.BAD_FRAME', 'a response frame is a JSON object');
  }
  const raw = frame as Record<string, unknown>;
  if (raw.v !== PROTOCOL_VERSION) throw unsupportedVersion(raw.v);
  if (typeof raw.id !== 'string') throw new EnclaveError('ENCLAVE.BAD_FRAME', 'a response frame has a string id');
  if (raw.ok === true) {
    const result = raw.result;
    if (typeof result !== 'object' || result === null || typeof (result as { op?: unknown }).op !== 'string') {
      throw new EnclaveError('ENCLAVE.BAD_FRAME', 'a successful response has a result with an op');
    }
    return { v: PROTOCOL_VERSION, id: raw.id, ok: true, result: result as EnclaveResult };
  }
  const error = raw.error as { code?: unknown; message?: unknown } | null | undefined;
  if (raw.ok !== false || typeof error !== 'object' || error === null || !isEnclaveErrorCode(error.code)) {
    throw new EnclaveError('ENCLAVE.BAD_FRAME', 'a response frame is ok with a result, or not ok with an error code');
  }
  const message = typeof error.message === 'string' ? error.message : '';
  return { v: PROTOCOL_VERSION, id: raw.id, ok: false, error: { code: error.code, message } };
}

export function successFrame(id: string, result: EnclaveResult): EnclaveResponseFrame {
  return { v: PROTOCOL_VERSION, id, ok: true, result };
}

export function errorFrame(id: string, error: EnclaveError): EnclaveResponseFrame {
  return { v: PROTOCOL_VERSION, id, ok: false, error: { code: error.code, message: error.message } };
}

function unsupportedVersion(v: unknown): EnclaveError {
  const seen = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : 'none';
  return new EnclaveError(
    'ENCLAVE.UNSUPPORTED_VERSION',
    `protocol version ${seen}; this side speaks ${PROTOCOL_VERSION}`,
  );
}

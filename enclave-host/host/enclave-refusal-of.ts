import type { EnclaveErrorCode } from '../contract';

/** Every code of the contract, once: adding a code to the contract without listing it here fails tsc. */
const ENCLAVE_ERROR_CODES: Readonly<Record<EnclaveErrorCode, true>> = {
  'ENCLAVE.BAD_FRAME': true,
  'ENCLAVE.UNSUPPORTED_VERSION': true,
  'ENCLAVE.BAD_REQUEST': true,
  'ENCLAVE.PROOF_INVALID': true,
  'ENCLAVE.TRANSACTION_MISMATCH': true,
  'ENCLAVE.WRONG_WALLET': true,
  'ENCLAVE.UNSEAL_FAILED': true,
  'ENCLAVE.ADDRESS_MISMATCH': true,
  'ENCLAVE.KMS_UNAVAILABLE': true,
  'ENCLAVE.INTERNAL': true,
};

/** SendTaskFailure's `cause` is at most 32 768 characters; an enclave message is far shorter, but never trusted to be. */
const MAX_CAUSE_LENGTH = 1024;

export interface EnclaveRefusal {
  readonly code: EnclaveErrorCode;
  readonly message: string;
}

/**
 * The enclave's answer when it refused a request: an error carrying one of the contract's codes (the
 * protocol client's `EnclaveError`, recognised by its `code` so the host depends on the contract, not
 * on the client's class). Anything else (the socket refused, a timeout, a closed connection, no
 * credentials) is not a refusal: undefined, and the host treats the enclave as unavailable.
 */
export function enclaveRefusalOf(error: unknown): EnclaveRefusal | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !Object.hasOwn(ENCLAVE_ERROR_CODES, code)) return undefined;
  const text = typeof message === 'string' ? message : '';
  return { code: code as EnclaveErrorCode, message: text.slice(0, MAX_CAUSE_LENGTH) };
}

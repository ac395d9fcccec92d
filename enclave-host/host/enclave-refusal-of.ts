import type { EnclaveErrorCode } from '../contract';

/** The code the host answers for a voided job: its own, which no refusal of the enclave carries. */
export const JOB_VOIDED_CODE = 'ENCLAVE.JOB_VOIDED' satisfies EnclaveErrorCode;

/** The enclave's refusals. */
export type EnclaveRefusalCode = Exclude<EnclaveErrorCode, typeof JOB_VOIDED_CODE>;

/**
 * Every code the enclave may refuse with, once: adding a code to the contract without listing it here
 * fails tsc. Not JOB_VOIDED: an enclave that claimed it would be answering for the ledger.
 */
const ENCLAVE_ERROR_CODES: Readonly<Record<EnclaveRefusalCode, true>> = {
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
  'ENCLAVE.SESSION_UNKNOWN': true,
  'ENCLAVE.SHARE_INVALID': true,
};

/** SendTaskFailure's `cause` is at most 32 768 characters; an enclave message is far shorter, but never trusted to be. */
const MAX_CAUSE_LENGTH = 1024;

export interface EnclaveRefusal {
  readonly code: EnclaveRefusalCode;
  readonly message: string;
}

/** True for a code the enclave refuses with (a stored refusal read back is checked with it). */
export const isEnclaveRefusalCode = (value: unknown): value is EnclaveRefusalCode =>
  typeof value === 'string' && Object.hasOwn(ENCLAVE_ERROR_CODES, value);

/** A refusal's message as SendTaskFailure may carry it. */
export const causeOf = (message: string): string => message.slice(0, MAX_CAUSE_LENGTH);

/**
 * The enclave's answer when it refused a request: an error carrying one of the contract's codes (the
 * protocol client's `EnclaveError`, recognised by its `code` so the host depends on the contract, not
 * on the client's class). Anything else (the socket refused, a timeout, a closed connection, no
 * credentials) is not a refusal: undefined, and the host treats the enclave as unavailable.
 */
export function enclaveRefusalOf(error: unknown): EnclaveRefusal | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (!isEnclaveRefusalCode(code)) return undefined;
  return { code, message: causeOf(typeof message === 'string' ? message : '') };
}

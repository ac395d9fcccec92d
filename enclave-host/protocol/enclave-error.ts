import type { EnclaveErrorCode } from '../contract';

/**
 * A refusal the enclave answered with (or a frame the codec refused): the code says which rule, the
 * message says no more than a log may hold. Its own class, not a StrongroomError: the ENCLAVE.* codes
 * are the protocol's (contract.ts), and the host maps them to the workflow's errors in one place.
 */
export class EnclaveError extends Error {
  override readonly name = 'EnclaveError';
  readonly code: EnclaveErrorCode;

  constructor(code: EnclaveErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Why the enclave could not be asked: nothing listens, the connection closed, or no answer in time. */
export type EnclaveUnavailableReason = 'refused' | 'closed' | 'timeout';

/**
 * The enclave did not answer: not a refusal. The host reads it as "enclave down" (the transfer waits
 * and is retried, then fails safe), never as a reason to sign elsewhere. After a 'closed' or 'timeout'
 * the request may have been handled; asking again is safe because the enclave's answers are
 * idempotent for the same request (signing is RFC 6979 deterministic, and a second created key is
 * simply never registered).
 */
export class EnclaveUnavailableError extends Error {
  override readonly name = 'EnclaveUnavailableError';
  readonly reason: EnclaveUnavailableReason;

  constructor(reason: EnclaveUnavailableReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

export const isEnclaveUnavailable = (error: unknown): error is EnclaveUnavailableError =>
  error instanceof EnclaveUnavailableError;

import type { CoSignerRefusalCode, JobRefusalCode } from '../contract';
import { isEnclaveRefusalCode } from './enclave-refusal-of';

/**
 * The host's own code for an mpc job whose co-signer could not be asked (it threw, timed out, gave an
 * answer that is not one, or no co-signer is configured): a refusal, and a definite one (see
 * `createSigningHost`).
 */
export const COSIGNER_UNAVAILABLE_CODE = 'COSIGNER.UNAVAILABLE' satisfies JobRefusalCode;

/**
 * Every code the co-signer may refuse a release with, once: adding a code to the contract without
 * listing it here fails tsc.
 */
const COSIGNER_REFUSAL_CODES: Readonly<Record<CoSignerRefusalCode, true>> = {
  'COSIGNER.PROOF_INVALID': true,
  'COSIGNER.TRANSACTION_MISMATCH': true,
  'COSIGNER.ATTESTATION_INVALID': true,
  'COSIGNER.CAP_EXCEEDED': true,
  'COSIGNER.UNKNOWN_WALLET': true,
  'COSIGNER.EPOCH_RETIRED': true,
  'COSIGNER.BAD_REQUEST': true,
  'COSIGNER.SHARE_UNREADABLE': true,
};

/** True for a code the co-signer refuses a release with. */
export const isCoSignerRefusalCode = (value: unknown): value is CoSignerRefusalCode =>
  typeof value === 'string' && Object.hasOwn(COSIGNER_REFUSAL_CODES, value);

/**
 * True for a code a job's stored refusal may carry: the enclave's, the co-signer's, or
 * COSIGNER.UNAVAILABLE. Not ENCLAVE.JOB_VOIDED: a voided job has no answer in the ledger.
 */
export const isJobRefusalCode = (value: unknown): value is JobRefusalCode =>
  isEnclaveRefusalCode(value) || isCoSignerRefusalCode(value) || value === COSIGNER_UNAVAILABLE_CODE;

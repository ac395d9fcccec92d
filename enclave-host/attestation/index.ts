/**
 * Attestation for the enclave host (issue 15; ARCHITECTURE.md §6): the `Nsm` implementations, the
 * `AttestationVerifier`, and the CMS envelopes of KMS Recipient. What each file does is in README.md.
 */
export { AttestationError, ATTESTATION_ERROR_CODES, isAttestationError } from './attestation-error';
export type { AttestationErrorCode } from './attestation-error';
export { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256 } from './aws-nitro-root-g1';
export { SyntheticNsm } from './synthetic-nsm';
export type { SyntheticNsmOptions } from './synthetic-nsm';
export { DevNsm, NsmError, DEFAULT_NSM_HELPER_PATH } from './dev-nsm';
export type { DevNsmOptions } from './dev-nsm';
export { NitroAttestationVerifier, MAX_FUTURE_SKEW_MS } from './nitro-attestation-verifier';
export type { NitroAttestationVerifierOptions } from './nitro-attestation-verifier';
export {
  RecipientEnvelopeError,
  generateRecipientKeyPair,
  openRecipientEnvelope,
  sealForRecipient,
} from './recipient-envelope';
export type { RecipientKeyPair } from './recipient-envelope';
export { pcrBytesOf, pcrHexOf } from './pcrs';

/**
 * Why an attestation document was refused. Kept here rather than in the domain's error catalogue
 * (lambdas/domain/errors.ts): the enclave bundle and the KMS stand-in import this folder, and neither
 * may pull in the Lambda tree. The shape is the catalogue's all the same: a stable `code`
 * (`ATTESTATION.REASON`), an explicit `name`, a message that names what failed and never a key.
 */
export const ATTESTATION_ERROR_CODES = {
  'ATTESTATION.MALFORMED': 'the document is not a COSE_Sign1 over the attestation map AWS Nitro Enclaves make',
  'ATTESTATION.UNSUPPORTED_ALGORITHM': 'the COSE algorithm is not ES384',
  'ATTESTATION.BAD_SIGNATURE': "the COSE signature does not verify under the leaf certificate's key",
  'ATTESTATION.BAD_CHAIN': 'a certificate of the chain is not signed by the next one, or an issuer is no CA',
  'ATTESTATION.UNTRUSTED_ROOT': 'the chain does not end in the pinned root (the AWS Nitro root in production mode)',
  'ATTESTATION.CERTIFICATE_EXPIRED': 'a certificate of the chain is not valid at the time of verification',
  'ATTESTATION.STALE': 'the document is older than the maximum age, or dated in the future',
  'ATTESTATION.PCRS_NOT_PINNED': 'production mode needs the expected PCR0, PCR1 and PCR2',
  'ATTESTATION.PCR_MISMATCH': 'a PCR differs from its expected value, or is missing',
  'ATTESTATION.DEBUG_PCRS': 'an all-zero PCR (an enclave in debug mode), refused in production mode',
  'ATTESTATION.USER_DATA_MISMATCH': 'the user data is not the expected value',
  'ATTESTATION.NONCE_MISMATCH': 'the nonce is not the expected value',
} as const;

export type AttestationErrorCode = keyof typeof ATTESTATION_ERROR_CODES;

export class AttestationError extends Error {
  override readonly name = 'AttestationError';

  constructor(
    readonly code: AttestationErrorCode,
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  toJSON(): { code: AttestationErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export const isAttestationError = (error: unknown): error is AttestationError => error instanceof AttestationError;

import { StrongroomError, type ErrorCode, type ErrorKind } from '../errors';

/**
 * The error codes of passkeys (each in ERROR_CATALOGUE, errors.ts), with `details.passkeyCode` naming
 * the same code for clients that read details.
 */
export const PASSKEY_ERRORS = {
  'PASSKEY.REGISTRATION_INVALID': {
    kind: 'invalid',
    summary: 'the passkey registration does not verify: challenge, origin, user verification, algorithm or format',
  },
  'PASSKEY.ENROLLMENT_NOT_FOUND': {
    kind: 'not_found',
    summary: 'no passkey enrollment with this id',
  },
  'PASSKEY.ENROLLMENT_LINK_INVALID': {
    kind: 'forbidden',
    summary: "the link's secret is not this enrollment's",
  },
  'PASSKEY.ENROLLMENT_EXPIRED': {
    kind: 'conflict',
    summary: 'the enrollment link has expired',
  },
  'PASSKEY.ENROLLMENT_COMPLETED': {
    kind: 'conflict',
    summary: 'a passkey was enrolled with this link already: a link enrolls once',
  },
  'PASSKEY.CREDENTIAL_TAKEN': {
    kind: 'conflict',
    summary: 'this credential is enrolled already (by this or another member)',
  },
  'PASSKEY.CREDENTIAL_NOT_FOUND': {
    kind: 'not_found',
    summary: 'the member has no enrolled passkey with this credential id',
  },
  'PASSKEY.CREDENTIAL_REVOKED': {
    kind: 'conflict',
    summary: 'the passkey is revoked already',
  },
  'PASSKEY.NOT_ENROLLED': {
    kind: 'forbidden',
    summary: 'the member has no enrolled passkey, so cannot decide: enroll one first',
  },
  'PASSKEY.ASSERTION_REQUIRED': {
    kind: 'forbidden',
    summary: 'this approval needs a passkey assertion over the exact request',
  },
  'PASSKEY.ASSERTION_INVALID': {
    kind: 'forbidden',
    summary: "the passkey signature does not verify for this decision and the member's passkey",
  },
} as const satisfies Record<string, { kind: ErrorKind; summary: string }>;

export type PasskeyErrorCode = keyof typeof PASSKEY_ERRORS;

/** A passkey error under its own code, `details.passkeyCode` naming it too. */
export function passkeyError(
  code: PasskeyErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): StrongroomError {
  return new StrongroomError(code satisfies ErrorCode, message, {
    details: { ...details, passkeyCode: code },
    ...(cause === undefined ? {} : { cause }),
  });
}

import { StrongroomError, type ErrorCode, type ErrorKind } from '../errors';

/**
 * The error codes of passkeys, to be added to ERROR_CATALOGUE (errors.ts). Until they are, each is raised
 * under its `standIn`, an existing code of the same kind (so the HTTP status is already the intended
 * one), with the intended code in `details.passkeyCode`. Once the catalogue has them, `passkeyError`
 * passes `code` itself and `standIn` goes.
 */
export const PASSKEY_ERRORS = {
  'PASSKEY.REGISTRATION_INVALID': {
    kind: 'invalid',
    summary: 'the passkey registration does not verify: challenge, origin, user verification, algorithm or format',
    standIn: 'REQUEST.INVALID_FIELD',
  },
  'PASSKEY.ENROLLMENT_NOT_FOUND': {
    kind: 'not_found',
    summary: 'no passkey enrollment with this id',
    standIn: 'STORE.NOT_FOUND',
  },
  'PASSKEY.ENROLLMENT_LINK_INVALID': {
    kind: 'forbidden',
    summary: "the link's secret is not this enrollment's",
    standIn: 'APPROVAL.LINK_INVALID',
  },
  'PASSKEY.ENROLLMENT_EXPIRED': {
    kind: 'conflict',
    summary: 'the enrollment link has expired',
    standIn: 'APPROVAL.EXPIRED',
  },
  'PASSKEY.ENROLLMENT_COMPLETED': {
    kind: 'conflict',
    summary: 'a passkey was enrolled with this link already: a link enrolls once',
    standIn: 'STORE.DUPLICATE',
  },
  'PASSKEY.CREDENTIAL_TAKEN': {
    kind: 'conflict',
    summary: 'this credential is enrolled already (by this or another member)',
    standIn: 'STORE.DUPLICATE',
  },
  'PASSKEY.CREDENTIAL_NOT_FOUND': {
    kind: 'not_found',
    summary: 'the member has no enrolled passkey with this credential id',
    standIn: 'STORE.NOT_FOUND',
  },
  'PASSKEY.CREDENTIAL_REVOKED': {
    kind: 'conflict',
    summary: 'the passkey is revoked already',
    standIn: 'STORE.DUPLICATE',
  },
  'PASSKEY.NOT_ENROLLED': {
    kind: 'forbidden',
    summary: 'the member has no enrolled passkey, so cannot decide: enroll one first',
    standIn: 'AUTH.FORBIDDEN',
  },
  'PASSKEY.ASSERTION_INVALID': {
    kind: 'forbidden',
    summary: "the passkey signature does not verify for this decision and the member's passkey",
    standIn: 'AUTH.FORBIDDEN',
  },
} as const satisfies Record<string, { kind: ErrorKind; summary: string; standIn: ErrorCode }>;

export type PasskeyErrorCode = keyof typeof PASSKEY_ERRORS;

/** A passkey error: today under its stand-in code (see PASSKEY_ERRORS), `details.passkeyCode` naming it. */
export function passkeyError(
  code: PasskeyErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): StrongroomError {
  return new StrongroomError(PASSKEY_ERRORS[code].standIn, message, {
    details: { ...details, passkeyCode: code },
    ...(cause === undefined ? {} : { cause }),
  });
}

import { randomBytes } from 'node:crypto';
import {
  registrationOptions,
  relyingPartyOf,
  verifyEnrollment,
  type PublicKeyCredentialCreationOptionsJSON,
} from '../../adapters/webauthn/webauthn';
import { linkSecretHash, memberOfLink } from '../../domain/approvals/approval-link';
import { AuthError, ValidationError } from '../../domain/errors';
import { enrollmentLinkUrl, registrationChallenge } from '../../domain/passkeys/enrollment-link';
import { passkeyError } from '../../domain/passkeys/passkey-errors';
import type { Principal } from '../../domain/principal';
import { checkString, ID_RULE } from '../../domain/validation';
import type { PasskeyEnrollment, PasskeyStore } from '../../ports/passkey-store';
import type { EnrollmentNotifier } from './enrollment-notifier';

/** The relying party's display name in the browser's passkey dialog. */
export const RELYING_PARTY_NAME = 'strongroom';

/** How long an enrollment link works unless the admin says otherwise: three days, a long weekend. */
export const DEFAULT_ENROLLMENT_SECONDS = 72 * 3600;
/** At least a few minutes to open a mail, at most a month: a link that lives longer is a standing credential. */
const MIN_ENROLLMENT_SECONDS = 300;
const MAX_ENROLLMENT_SECONDS = 30 * 24 * 3600;
const MEMBER_NAME_MAX = 128;

export interface EnrollPasskeyDeps {
  readonly passkeys: PasskeyStore;
  readonly clock: () => Date;
  /** The API's public base URL: where the link points, and the relying party the passkey is bound to. */
  readonly publicBaseUrl: () => string;
}

export interface InviteToEnrollDeps extends EnrollPasskeyDeps {
  readonly notifier: EnrollmentNotifier;
}

/** What the inviting admin gets back: which invitation, until when. Never the link nor its secret. */
export interface EnrollmentInvitation {
  readonly enrollmentId: string;
  readonly memberId: string;
  readonly expiresAt: Date;
}

/**
 * Invites a member to enroll a passkey (admin only, 403 AUTH.FORBIDDEN otherwise): an enrollment
 * `enr-<16 hex>` whose link secret is 256 fresh random bits, of which only the SHA-256 is stored. The
 * link goes to the member through the notifier and nowhere else: the admin gets the id and the expiry,
 * so an admin can start an enrollment but never complete one in someone else's name.
 *
 * The enrollment is stored before the message is sent, so a delivered link always works; a notifier
 * failure leaves an invitation nobody can use (it expires), and the admin invites again.
 */
export async function inviteToEnroll(
  deps: InviteToEnrollDeps,
  input: {
    readonly principal: Principal;
    readonly memberId: string;
    readonly memberName: string;
    readonly validForSeconds?: number;
  },
): Promise<EnrollmentInvitation> {
  if (!input.principal.roles.includes('admin'))
    throw new AuthError('AUTH.FORBIDDEN', 'only an admin may invite a member to enroll a passkey', {
      details: { roles: ['admin'] },
    });
  const memberId = checkString(input.memberId, 'memberId', ID_RULE);
  const memberName = checkString(input.memberName, 'memberName', { maxLength: MEMBER_NAME_MAX });
  const validForSeconds = input.validForSeconds ?? DEFAULT_ENROLLMENT_SECONDS;
  if (
    !Number.isSafeInteger(validForSeconds) ||
    validForSeconds < MIN_ENROLLMENT_SECONDS ||
    validForSeconds > MAX_ENROLLMENT_SECONDS
  )
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      'validForSeconds',
      `must be a whole number of seconds from ${MIN_ENROLLMENT_SECONDS} to ${MAX_ENROLLMENT_SECONDS}`,
    );
  const now = deps.clock();
  const id = `enr-${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + validForSeconds * 1000);
  await deps.passkeys.createEnrollment({
    id,
    memberId,
    memberName,
    secretHash: linkSecretHash(secret),
    expiresAt,
    createdBy: input.principal.id,
    at: now,
  });
  await deps.notifier.notifyEnrollment({
    enrollmentId: id,
    memberId,
    memberName,
    link: enrollmentLinkUrl(deps.publicBaseUrl(), id, secret),
    expiresAt,
  });
  return { enrollmentId: id, memberId, expiresAt };
}

/** Where an enrollment link stands, for the page to show: the create-passkey button, or why there is none. */
export type EnrollmentLinkState =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'wrong-link' }
  | { readonly kind: 'completed'; readonly at: Date }
  | { readonly kind: 'expired'; readonly expiresAt: Date }
  | {
      readonly kind: 'open';
      readonly memberName: string;
      readonly expiresAt: Date;
      readonly options: PublicKeyCredentialCreationOptionsJSON;
    };

/**
 * Opens an enrollment link (`GET /v1/passkeys/enroll/{id}?t=…`): reads, never writes, so a mail
 * scanner that fetches the link enrolls nothing and spends nothing. The secret is checked (in constant
 * time) before anything about the enrollment is told; a completed link says so before an expired one.
 * The creation options exclude the member's enrolled passkeys, so an authenticator that holds one
 * already says so instead of making a second.
 */
export async function openEnrollment(
  deps: EnrollPasskeyDeps,
  input: { readonly enrollmentId: string; readonly secret: string },
): Promise<EnrollmentLinkState> {
  const enrollment = await deps.passkeys.getEnrollment(input.enrollmentId);
  if (enrollment === undefined) return { kind: 'not-found' };
  if (!secretMatches(enrollment, input.secret)) return { kind: 'wrong-link' };
  if (enrollment.completed !== undefined) return { kind: 'completed', at: enrollment.completed.at };
  if (deps.clock().getTime() >= enrollment.expiresAt.getTime())
    return { kind: 'expired', expiresAt: enrollment.expiresAt };
  const relyingParty = relyingPartyOf(deps.publicBaseUrl());
  const existing = await deps.passkeys.credentialsOf(enrollment.memberId);
  const options = await registrationOptions({
    rpId: relyingParty.rpId,
    rpName: RELYING_PARTY_NAME,
    memberId: enrollment.memberId,
    memberName: enrollment.memberName,
    challenge: registrationChallenge(input.secret),
    excludeCredentialIds: existing.map((credential) => credential.credentialId),
  });
  return { kind: 'open', memberName: enrollment.memberName, expiresAt: enrollment.expiresAt, options };
}

/**
 * Completes an enrollment (`POST /v1/passkeys/enroll/{id}` with `{t, response}`): the link's secret, then
 * the expiry, then the registration against the challenge the secret derives and our origin and rpId,
 * and the store enrolls the credential for the invitation's member once. Refusals are passkey errors:
 * ENROLLMENT_NOT_FOUND, ENROLLMENT_LINK_INVALID (403), ENROLLMENT_COMPLETED, ENROLLMENT_EXPIRED,
 * REGISTRATION_INVALID, CREDENTIAL_TAKEN. The secret is never put in an error or the result.
 */
export async function completeEnrollment(
  deps: EnrollPasskeyDeps,
  input: { readonly enrollmentId: string; readonly secret: string; readonly response: unknown },
): Promise<{ readonly memberId: string; readonly credentialId: string }> {
  const details = { enrollmentId: input.enrollmentId };
  const enrollment = await deps.passkeys.getEnrollment(input.enrollmentId);
  if (enrollment === undefined)
    throw passkeyError('PASSKEY.ENROLLMENT_NOT_FOUND', `no passkey enrollment ${input.enrollmentId}`, details);
  if (!secretMatches(enrollment, input.secret))
    throw passkeyError('PASSKEY.ENROLLMENT_LINK_INVALID', 'this link does not enroll a passkey here', details);
  if (enrollment.completed !== undefined)
    throw passkeyError('PASSKEY.ENROLLMENT_COMPLETED', 'a passkey was enrolled with this link already', details);
  const now = deps.clock();
  if (now.getTime() >= enrollment.expiresAt.getTime())
    throw passkeyError('PASSKEY.ENROLLMENT_EXPIRED', 'the enrollment link has expired', {
      ...details,
      expiresAt: enrollment.expiresAt.toISOString(),
    });
  const relyingParty = relyingPartyOf(deps.publicBaseUrl());
  const credential = await verifyEnrollment({
    response: input.response,
    expectedChallenge: registrationChallenge(input.secret),
    expectedOrigin: relyingParty.origin,
    rpId: relyingParty.rpId,
    memberId: enrollment.memberId,
    at: now,
  });
  await deps.passkeys.completeEnrollment(enrollment.id, credential);
  return { memberId: enrollment.memberId, credentialId: credential.credentialId };
}

/** The approval links' comparison (constant time, shape-checked) against this enrollment's one hash. */
const secretMatches = (enrollment: PasskeyEnrollment, secret: string): boolean =>
  memberOfLink([{ memberId: enrollment.memberId, secretHash: enrollment.secretHash }], secret) !== undefined;

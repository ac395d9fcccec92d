import { sha256, stringToBytes } from 'viem';
import { bytesToBase64url } from './base64url';

/**
 * A member's link to enroll a passkey: `<public base URL>/v1/passkeys/enroll/{id}?t=<secret>`. The secret
 * is made and checked exactly like an approval link's (`LINK_SECRET`, `linkSecretHash`, `memberOfLink` in
 * ../approvals/approval-link): 256 random bits, only the SHA-256 stored.
 */
export function enrollmentLinkUrl(base: string, enrollmentId: string, secret: string): string {
  return `${base.replace(/\/+$/, '')}/v1/passkeys/enroll/${encodeURIComponent(enrollmentId)}?t=${secret}`;
}

const REGISTRATION_CONTEXT = 'strongroom passkey enrollment\0';

/**
 * The WebAuthn registration challenge of an enrollment, derived from its link secret so that nothing
 * more is stored and the POST, which carries the secret again, recomputes it. It is a hash under its own
 * context string, so it reveals nothing of the secret and never equals the secret's stored hash.
 */
export function registrationChallenge(secret: string): string {
  return bytesToBase64url(sha256(stringToBytes(REGISTRATION_CONTEXT + secret), 'bytes'));
}

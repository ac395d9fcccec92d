import { createHash } from 'node:crypto';
import {
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { ValidationError } from '../../domain/errors';
import { base64urlToBytes, bytesToBase64url } from '../../domain/passkeys/base64url';
import type { PasskeyCredential } from '../../domain/passkeys/passkey-credential';
import { passkeyError } from '../../domain/passkeys/passkey-errors';

// The one module that imports @simplewebauthn/server: everything else speaks PasskeyCredential and JSON.
export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON };

/** COSE algorithms a passkey may use: ES256 (every platform), EdDSA, RS256 (Windows Hello). */
const SUPPORTED_ALGORITHMS = [-7, -8, -257];
/** What an enrollment page gives the member to create the passkey. */
const REGISTRATION_TIMEOUT_MS = 120_000;
/** The transports WebAuthn defines: anything else a browser reports is dropped rather than stored. */
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
/** WebAuthn caps credential ids at 1023 bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;

/** Who the passkeys belong to: the WebAuthn relying party of a deployment. */
export interface RelyingParty {
  /** The RP ID: the public base URL's host name (no port). */
  readonly rpId: string;
  /** The origin pages are served from: scheme, host and port, as the browser writes it in clientDataJSON. */
  readonly origin: string;
}

/**
 * The relying party of a public base URL (`https://abc.execute-api.eu-west-1.amazonaws.com/live` →
 * rpId `abc.execute-api.eu-west-1.amazonaws.com`, origin `https://abc.execute-api.eu-west-1.amazonaws.com`).
 * Passkeys are bound to the rpId: changing the public host name orphans every enrolled passkey.
 */
export function relyingPartyOf(publicBaseUrl: string): RelyingParty {
  let url: URL;
  try {
    url = new URL(publicBaseUrl);
  } catch {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'publicBaseUrl', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError('REQUEST.INVALID_FIELD', 'publicBaseUrl', 'must be an http(s) URL');
  return { rpId: url.hostname, origin: url.origin };
}

/**
 * The options `navigator.credentials.create` needs to enroll a member's passkey: user verification
 * required, ES256/EdDSA/RS256 only, no attestation (we trust the enrollment link, not a vendor's
 * certificate). The WebAuthn user handle is SHA-256 of the member id, so the authenticator never holds
 * the id itself (which may be an e-mail address). `challenge` is `registrationChallenge(secret)`.
 */
export async function registrationOptions(input: {
  readonly rpId: string;
  readonly rpName: string;
  readonly memberId: string;
  readonly memberName: string;
  readonly challenge: string;
  readonly excludeCredentialIds: readonly string[];
}): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const challenge = base64urlToBytes(input.challenge);
  if (challenge === undefined || challenge.length < 16)
    throw new ValidationError('REQUEST.INVALID_FIELD', 'challenge', 'must be base64url of at least 16 bytes');
  return generateRegistrationOptions({
    rpName: input.rpName,
    rpID: input.rpId,
    userName: input.memberName,
    userDisplayName: input.memberName,
    userID: userHandleOf(input.memberId),
    // Bytes, not the string: the library would take a string as UTF-8 text and encode it again.
    challenge,
    timeout: REGISTRATION_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: input.excludeCredentialIds.map((id) => ({ id })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
}

/**
 * Verifies a member's registration against the enrollment's challenge and our origin and rpId, with
 * user presence and verification required, and returns the credential to store. A registration that
 * does not verify is `PASSKEY.REGISTRATION_INVALID`; the caller has checked the link secret already.
 */
export async function verifyEnrollment(input: {
  readonly response: unknown;
  readonly expectedChallenge: string;
  readonly expectedOrigin: string;
  readonly rpId: string;
  readonly memberId: string;
  readonly at: Date;
}): Promise<PasskeyCredential> {
  const response = registrationResponseOf(input.response);
  if (response === undefined)
    throw passkeyError('PASSKEY.REGISTRATION_INVALID', 'the registration is not a RegistrationResponseJSON');
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.expectedOrigin,
      expectedRPID: input.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch (cause) {
    // The library's message says what failed (it names challenges and origins, never the link secret).
    throw passkeyError('PASSKEY.REGISTRATION_INVALID', 'the passkey registration does not verify', {}, cause);
  }
  if (!verification.verified || !verification.registrationInfo.userVerified)
    throw passkeyError('PASSKEY.REGISTRATION_INVALID', 'the passkey registration does not verify');
  const { credential } = verification.registrationInfo;
  if ((base64urlToBytes(credential.id)?.length ?? 0) > MAX_CREDENTIAL_ID_BYTES)
    throw passkeyError('PASSKEY.REGISTRATION_INVALID', 'the credential id is longer than WebAuthn allows');
  const transports = (response.response.transports ?? []).filter((t) => KNOWN_TRANSPORTS.has(t));
  return {
    memberId: input.memberId,
    credentialId: credential.id,
    publicKey: bytesToBase64url(credential.publicKey),
    counter: credential.counter,
    ...(transports.length === 0 ? {} : { transports }),
    enrolledAt: input.at,
  };
}

/** Why an assertion does not count. Values for callers to branch on and record; never a secret. */
export type AssertionRefusal =
  /** Not an AuthenticationResponseJSON for `webauthn.get`, or a part of it does not decode. */
  | 'malformed'
  /** It names another credential than the one it is checked against. */
  | 'credential-mismatch'
  /** It signs another challenge: another transfer, change or decision. */
  | 'challenge-mismatch'
  /** Made on another origin, or inside a frame of one. */
  | 'origin-mismatch'
  /** Made for another relying party. */
  | 'rp-mismatch'
  | 'user-not-present'
  | 'user-not-verified'
  /** The signature does not verify with the credential's public key. */
  | 'signature-invalid'
  /** At decision time only: the authenticator's counter did not move past the highest seen. */
  | 'counter-not-increased';

export type AssertionVerdict =
  | { readonly verified: true; readonly newCounter: number }
  | { readonly verified: false; readonly reason: AssertionRefusal };

/**
 * Verifies an approver's assertion: the credential it names is `credential`, its clientDataJSON is a
 * `webauthn.get` on `expectedOrigin` (not cross-origin) for `expectedChallenge` (`challengeOfDigest` of
 * the decision's digest), its authenticator data is for `rpId` with user presence and verification, and
 * its signature verifies with the credential's public key. Bad input is a refusal, never a throw.
 *
 * Counters: `counterCheck: 'at-decision'` also refuses a counter that did not rise past
 * `credential.counter` (the highest seen so far; both 0 means the authenticator keeps no counter, which
 * passes). The caller then records `newCounter` with the decision. `'recheck'` (Authorize, later, in
 * another function) leaves the counter out: by then the credential's counter has moved on, and
 * everything else is a pure function of the stored assertion and credential, so the answer is the one
 * the decision got.
 */
export async function verifyApprovalAssertion(input: {
  readonly credential: PasskeyCredential;
  readonly assertion: unknown;
  readonly expectedChallenge: string;
  readonly expectedOrigin: string;
  readonly rpId: string;
  readonly counterCheck: 'at-decision' | 'recheck';
}): Promise<AssertionVerdict> {
  const assertion = authenticationResponseOf(input.assertion);
  if (assertion === undefined) return refuse('malformed');
  if (assertion.id !== input.credential.credentialId) return refuse('credential-mismatch');
  const clientData = clientDataOf(assertion.response.clientDataJSON);
  const authData = authenticatorDataOf(assertion.response.authenticatorData);
  const publicKey = base64urlToBytes(input.credential.publicKey);
  if (clientData === undefined || authData === undefined || publicKey === undefined) return refuse('malformed');
  if (clientData.type !== 'webauthn.get') return refuse('malformed');
  if (clientData.challenge !== input.expectedChallenge) return refuse('challenge-mismatch');
  if (
    clientData.origin !== input.expectedOrigin ||
    clientData.crossOrigin === true ||
    clientData.topOrigin !== undefined
  )
    return refuse('origin-mismatch');
  if (!equalBytes(authData.rpIdHash, sha256(input.rpId))) return refuse('rp-mismatch');
  if (!authData.userPresent) return refuse('user-not-present');
  if (!authData.userVerified) return refuse('user-not-verified');
  let verified: boolean;
  try {
    const result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.expectedOrigin,
      expectedRPID: input.rpId,
      expectedType: 'webauthn.get',
      // Counter 0: the library would compare counters itself; we do it below, at decision time only.
      credential: { id: input.credential.credentialId, publicKey, counter: 0 },
      requireUserVerification: true,
    });
    verified = result.verified && result.authenticationInfo.userVerified;
  } catch {
    verified = false;
  }
  if (!verified) return refuse('signature-invalid');
  const lastSeen = input.credential.counter;
  if (input.counterCheck === 'at-decision' && (authData.counter > 0 || lastSeen > 0) && authData.counter <= lastSeen)
    return refuse('counter-not-increased');
  return { verified: true, newCounter: authData.counter };
}

/** The credential id an assertion names (to pick the member's credential to verify it with), if it has one. */
export function credentialIdOfAssertion(assertion: unknown): string | undefined {
  return authenticationResponseOf(assertion)?.id;
}

const refuse = (reason: AssertionRefusal): AssertionVerdict => ({ verified: false, reason });

function userHandleOf(memberId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(memberId, 'utf8').digest());
}

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isBase64url = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && base64urlToBytes(value) !== undefined;

function registrationResponseOf(value: unknown): RegistrationResponseJSON | undefined {
  if (!isRecord(value) || !isRecord(value.response)) return undefined;
  const { id, rawId, type, response } = value;
  if (!isBase64url(id) || rawId !== id || type !== 'public-key') return undefined;
  if (!isBase64url(response.clientDataJSON) || !isBase64url(response.attestationObject)) return undefined;
  const transports = response.transports;
  if (transports !== undefined && !(Array.isArray(transports) && transports.every((t) => typeof t === 'string')))
    return undefined;
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: response.clientDataJSON,
      attestationObject: response.attestationObject,
      ...(transports === undefined ? {} : { transports: transports as string[] }),
    },
    clientExtensionResults: {},
  };
}

function authenticationResponseOf(value: unknown): AuthenticationResponseJSON | undefined {
  if (!isRecord(value) || !isRecord(value.response)) return undefined;
  const { id, rawId, type, response } = value;
  if (!isBase64url(id) || rawId !== id || type !== 'public-key') return undefined;
  const { clientDataJSON, authenticatorData, signature, userHandle } = response;
  if (!isBase64url(clientDataJSON) || !isBase64url(authenticatorData) || !isBase64url(signature)) return undefined;
  if (userHandle !== undefined && userHandle !== null && !isBase64url(userHandle)) return undefined;
  // Rebuilt from the checked fields only: what is verified (and stored) is exactly what was checked.
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: { clientDataJSON, authenticatorData, signature, ...(isBase64url(userHandle) ? { userHandle } : {}) },
    clientExtensionResults: {},
  };
}

/** The collected client data (WebAuthn §5.8.1): type, challenge, origin, crossOrigin, topOrigin, … */
type ClientData = Readonly<Record<string, unknown>>;

function clientDataOf(encoded: string): ClientData | undefined {
  const bytes = base64urlToBytes(encoded);
  if (bytes === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface AuthenticatorData {
  readonly rpIdHash: Uint8Array;
  readonly userPresent: boolean;
  readonly userVerified: boolean;
  readonly counter: number;
}

/** rpIdHash (32) | flags (1) | signCount (4, big-endian) | … (WebAuthn §6.1). */
function authenticatorDataOf(encoded: string): AuthenticatorData | undefined {
  const bytes = base64urlToBytes(encoded);
  if (bytes === undefined || bytes.length < 37) return undefined;
  const flags = bytes[32] as number;
  const counter = new DataView(bytes.buffer, bytes.byteOffset + 33, 4).getUint32(0, false);
  return {
    rpIdHash: bytes.slice(0, 32),
    userPresent: (flags & 0x01) !== 0,
    userVerified: (flags & 0x04) !== 0,
    counter,
  };
}

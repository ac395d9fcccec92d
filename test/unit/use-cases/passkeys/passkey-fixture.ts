import { relyingPartyOf } from '../../../../lambdas/adapters/webauthn/webauthn';
import { StrongroomError } from '../../../../lambdas/domain/errors';
import { registrationChallenge } from '../../../../lambdas/domain/passkeys/enrollment-link';
import type { Principal } from '../../../../lambdas/domain/principal';
import { completeEnrollment, inviteToEnroll } from '../../../../lambdas/use-cases/passkeys/enroll-passkey';
import type { EnrollmentMessage, EnrollmentNotifier } from '../../../../lambdas/use-cases/passkeys/enrollment-notifier';
import { SoftwareAuthenticator } from '../../../../local/passkeys/software-authenticator';
import { MemoryPasskeyStore } from './memory-passkey-store';

export const BASE_URL = 'https://custody.example.com/live';
export const RP = relyingPartyOf(BASE_URL);
export const admin: Principal = { id: 'admin-1', roles: ['admin'] };

/** Keeps what a member would receive: the test reads the link (and its secret) from here only. */
export class RecordingEnrollmentNotifier implements EnrollmentNotifier {
  readonly messages: EnrollmentMessage[] = [];
  async notifyEnrollment(message: EnrollmentMessage): Promise<void> {
    this.messages.push(message);
  }
}

export function passkeyFixture(start = new Date('2026-12-01T10:00:00.000Z')) {
  let now = start;
  const passkeys = new MemoryPasskeyStore();
  const notifier = new RecordingEnrollmentNotifier();
  const deps = { passkeys, notifier, clock: () => now, publicBaseUrl: () => BASE_URL };
  const advance = (seconds: number): void => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  /** Invites the member and returns the id and the secret from the link they were sent. */
  async function invite(memberId: string, memberName = `Member ${memberId}`) {
    const invitation = await inviteToEnroll(deps, { principal: admin, memberId, memberName });
    const link = new URL(notifier.messages.at(-1)?.link ?? '');
    return { ...invitation, secret: link.searchParams.get('t') ?? '' };
  }

  /** A member with a software passkey, enrolled through an invitation like any member. */
  async function enrolledDevice(memberId: string): Promise<SoftwareAuthenticator> {
    const device = new SoftwareAuthenticator();
    await enrollDevice(memberId, device);
    return device;
  }

  async function enrollDevice(memberId: string, device: SoftwareAuthenticator) {
    const { enrollmentId, secret } = await invite(memberId);
    const response = device.register({ challenge: registrationChallenge(secret), origin: RP.origin, rpId: RP.rpId });
    return completeEnrollment(deps, { enrollmentId, secret, response });
  }

  return { deps, passkeys, notifier, advance, now: () => now, invite, enrolledDevice, enrollDevice };
}

/** The code, kind and details of a refusal, or a failure when the promise resolves. */
export async function refusalOf(
  promise: Promise<unknown>,
): Promise<{ code: string; kind: string; details: Record<string, unknown>; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof StrongroomError)) throw error;
    return { code: error.code, kind: error.kind, details: error.details, message: error.message };
  }
  throw new Error('expected a refusal, but it succeeded');
}

import { linkSecretHash } from '../../../../lambdas/domain/approvals/approval-link';
import { registrationChallenge } from '../../../../lambdas/domain/passkeys/enrollment-link';
import {
  completeEnrollment,
  DEFAULT_ENROLLMENT_SECONDS,
  inviteToEnroll,
  openEnrollment,
} from '../../../../lambdas/use-cases/passkeys/enroll-passkey';
import { SoftwareAuthenticator } from '../../../../local/passkeys/software-authenticator';
import { admin, BASE_URL, passkeyFixture, refusalOf, RP } from './passkey-fixture';

const OTHER_SECRET = 'B'.repeat(43);

describe('inviteToEnroll', () => {
  it('needs an admin: anyone else is 403 AUTH.FORBIDDEN and nothing is stored or sent', async () => {
    const f = passkeyFixture();
    for (const roles of [['approver'], ['operator', 'auditor'], []] as const) {
      const principal = { id: 'someone', roles };
      expect(
        await refusalOf(inviteToEnroll(f.deps, { principal, memberId: 'alice', memberName: 'Alice' })),
      ).toMatchObject({ code: 'AUTH.FORBIDDEN', kind: 'forbidden' });
    }
    expect(f.passkeys.writes).toBe(0);
    expect(f.notifier.messages).toEqual([]);
  });

  it('sends the link to the member alone and returns only the id and the expiry, never the secret', async () => {
    const f = passkeyFixture();
    const result = await inviteToEnroll(f.deps, { principal: admin, memberId: 'alice', memberName: 'Alice' });

    expect(Object.keys(result).sort()).toEqual(['enrollmentId', 'expiresAt', 'memberId']);
    expect(result.enrollmentId).toMatch(/^enr-[0-9a-f]{16}$/);
    expect(result.expiresAt).toEqual(new Date(f.now().getTime() + DEFAULT_ENROLLMENT_SECONDS * 1000));
    expect(DEFAULT_ENROLLMENT_SECONDS).toBe(72 * 3600);

    expect(f.notifier.messages).toHaveLength(1);
    const [message] = f.notifier.messages;
    expect(message).toMatchObject({ memberId: 'alice', memberName: 'Alice', expiresAt: result.expiresAt });
    const link = message?.link ?? '';
    expect(link).toMatch(new RegExp(`^${BASE_URL}/v1/passkeys/enroll/${result.enrollmentId}\\?t=[A-Za-z0-9_-]{43}$`));
    const secret = new URL(link).searchParams.get('t') ?? '';
    expect(JSON.stringify(result)).not.toContain(secret);

    // Only the hash is stored.
    const stored = f.passkeys.enrollments.get(result.enrollmentId);
    expect(stored).toMatchObject({
      memberId: 'alice',
      memberName: 'Alice',
      secretHash: linkSecretHash(secret),
      createdBy: admin.id,
      createdAt: f.now(),
      expiresAt: result.expiresAt,
    });
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('makes a fresh id and secret per invitation', async () => {
    const f = passkeyFixture();
    const a = await f.invite('alice');
    const b = await f.invite('alice');
    expect(a.enrollmentId).not.toBe(b.enrollmentId);
    expect(a.secret).not.toBe(b.secret);
  });

  it('takes a validity from 5 minutes to 30 days and refuses a bad member id or name with the field', async () => {
    const f = passkeyFixture();
    const invite = (over: Record<string, unknown>) =>
      inviteToEnroll(f.deps, { principal: admin, memberId: 'alice', memberName: 'Alice', ...over });
    expect((await invite({ validForSeconds: 600 })).expiresAt).toEqual(new Date(f.now().getTime() + 600_000));
    for (const validForSeconds of [0, 299, 30 * 24 * 3600 + 1, 1.5, Number.NaN])
      expect(await refusalOf(invite({ validForSeconds }))).toMatchObject({
        code: 'REQUEST.INVALID_FIELD',
        details: { field: 'validForSeconds' },
      });
    expect(await refusalOf(invite({ memberId: 'has space' }))).toMatchObject({ details: { field: 'memberId' } });
    expect(await refusalOf(invite({ memberName: '' }))).toMatchObject({ details: { field: 'memberName' } });
    expect(f.notifier.messages).toHaveLength(1);
  });
});

describe('openEnrollment', () => {
  it('shows the creation options for the member, with the challenge the secret derives, and writes nothing', async () => {
    const f = passkeyFixture();
    const earlier = await f.enrolledDevice('alice');
    const { enrollmentId, secret } = await f.invite('alice', 'Alice');
    const writes = f.passkeys.writes;

    const state = await openEnrollment(f.deps, { enrollmentId, secret });
    expect(state.kind).toBe('open');
    if (state.kind !== 'open') return;
    expect(state.memberName).toBe('Alice');
    expect(state.options.challenge).toBe(registrationChallenge(secret));
    expect(state.options.challenge).not.toContain(secret);
    expect(state.options.rp).toEqual({ id: RP.rpId, name: 'strongroom' });
    expect(state.options.user.name).toBe('Alice');
    expect(state.options.excludeCredentials?.map((c) => c.id)).toEqual([earlier.credentialId]);
    expect(f.passkeys.writes).toBe(writes);
  });

  it('is not-found, wrong-link or expired, and reads only, whatever it answers', async () => {
    const f = passkeyFixture();
    const { enrollmentId, secret } = await f.invite('alice');
    const open = (input: { enrollmentId: string; secret: string }) => openEnrollment(f.deps, input);
    const writes = f.passkeys.writes;

    expect(await open({ enrollmentId: 'enr-0000000000000000', secret })).toEqual({ kind: 'not-found' });
    expect(await open({ enrollmentId, secret: OTHER_SECRET })).toEqual({ kind: 'wrong-link' });
    expect(await open({ enrollmentId, secret: `${secret}x` })).toEqual({ kind: 'wrong-link' });
    expect(await open({ enrollmentId, secret: '' })).toEqual({ kind: 'wrong-link' });
    // Another member's valid secret opens nothing here.
    const bob = await f.invite('bob');
    expect(await open({ enrollmentId, secret: bob.secret })).toEqual({ kind: 'wrong-link' });
    expect(f.passkeys.writes).toBe(writes + 1);

    f.advance(DEFAULT_ENROLLMENT_SECONDS);
    const expiresAt = f.passkeys.enrollments.get(enrollmentId)?.expiresAt;
    expect(await open({ enrollmentId, secret })).toEqual({ kind: 'expired', expiresAt });
    // An expired link tells a stranger nothing more than a wrong one.
    expect(await open({ enrollmentId, secret: OTHER_SECRET })).toEqual({ kind: 'wrong-link' });
    expect(f.passkeys.writes).toBe(writes + 1);
  });

  it('says completed once a passkey was enrolled with the link, even after it expired', async () => {
    const f = passkeyFixture();
    const { enrollmentId, secret } = await f.invite('alice');
    const device = new SoftwareAuthenticator();
    await completeEnrollment(f.deps, {
      enrollmentId,
      secret,
      response: device.register({ challenge: registrationChallenge(secret), origin: RP.origin, rpId: RP.rpId }),
    });
    const writes = f.passkeys.writes;
    const completed = { kind: 'completed', at: f.now() };
    expect(await openEnrollment(f.deps, { enrollmentId, secret })).toEqual(completed);
    f.advance(DEFAULT_ENROLLMENT_SECONDS + 1);
    expect(await openEnrollment(f.deps, { enrollmentId, secret })).toEqual(completed);
    expect(f.passkeys.writes).toBe(writes);
  });
});

describe('completeEnrollment', () => {
  async function invited() {
    const f = passkeyFixture();
    const invitation = await f.invite('alice');
    const device = new SoftwareAuthenticator();
    const response = (challenge = registrationChallenge(invitation.secret), origin = RP.origin) =>
      device.register({ challenge, origin, rpId: RP.rpId });
    return { f, device, response, ...invitation };
  }

  it("enrolls the device's credential for the invitation's member, once", async () => {
    const { f, device, response, enrollmentId, secret } = await invited();
    const result = await completeEnrollment(f.deps, { enrollmentId, secret, response: response() });
    expect(result).toEqual({ memberId: 'alice', credentialId: device.credentialId });
    expect(JSON.stringify(result)).not.toContain(secret);
    const [credential, ...more] = await f.passkeys.credentialsOf('alice');
    expect(more).toEqual([]);
    expect(credential).toMatchObject({ memberId: 'alice', credentialId: device.credentialId, enrolledAt: f.now() });
    expect(f.passkeys.enrollments.get(enrollmentId)?.completed).toEqual({
      credentialId: device.credentialId,
      at: f.now(),
    });

    // The same link again, with a fresh registration or the same one: a link enrolls once.
    const again = new SoftwareAuthenticator();
    const challenge = registrationChallenge(secret);
    const replay = again.register({ challenge, origin: RP.origin, rpId: RP.rpId });
    expect(await refusalOf(completeEnrollment(f.deps, { enrollmentId, secret, response: replay }))).toMatchObject({
      code: 'PASSKEY.ENROLLMENT_COMPLETED',
      kind: 'conflict',
    });
    expect(await refusalOf(completeEnrollment(f.deps, { enrollmentId, secret, response: response() }))).toMatchObject({
      code: 'PASSKEY.ENROLLMENT_COMPLETED',
    });
    expect(await f.passkeys.credentialsOf('alice')).toHaveLength(1);
  });

  it('refuses a wrong secret with 403 ENROLLMENT_LINK_INVALID before looking at the registration', async () => {
    const { f, response, enrollmentId, secret } = await invited();
    for (const wrong of [OTHER_SECRET, secret.slice(1), '', `${secret} `]) {
      const refusal = await refusalOf(
        completeEnrollment(f.deps, { enrollmentId, secret: wrong, response: response() }),
      );
      expect(refusal).toMatchObject({ code: 'PASSKEY.ENROLLMENT_LINK_INVALID', kind: 'forbidden' });
      expect(JSON.stringify(refusal)).not.toContain(secret);
    }
    // A registration made for another secret's challenge does not help either.
    const forged = response(registrationChallenge(OTHER_SECRET));
    expect(
      await refusalOf(completeEnrollment(f.deps, { enrollmentId, secret: OTHER_SECRET, response: forged })),
    ).toMatchObject({ code: 'PASSKEY.ENROLLMENT_LINK_INVALID' });
    expect(await f.passkeys.credentialsOf('alice')).toEqual([]);
  });

  it('refuses an unknown enrollment and an expired link', async () => {
    const { f, response, enrollmentId, secret } = await invited();
    expect(
      await refusalOf(
        completeEnrollment(f.deps, { enrollmentId: 'enr-ffffffffffffffff', secret, response: response() }),
      ),
    ).toMatchObject({ code: 'PASSKEY.ENROLLMENT_NOT_FOUND', kind: 'not_found' });
    f.advance(DEFAULT_ENROLLMENT_SECONDS);
    expect(await refusalOf(completeEnrollment(f.deps, { enrollmentId, secret, response: response() }))).toMatchObject({
      code: 'PASSKEY.ENROLLMENT_EXPIRED',
      kind: 'conflict',
    });
    expect(await f.passkeys.credentialsOf('alice')).toEqual([]);
  });

  it('refuses a registration over another challenge or origin, or not a registration at all, as REGISTRATION_INVALID', async () => {
    const { f, response, enrollmentId, secret } = await invited();
    for (const bad of [
      response(registrationChallenge(OTHER_SECRET)),
      response(secret), // the secret itself is not the challenge
      response(undefined, 'https://evil.example.com'),
      { id: 'x' },
      undefined,
    ]) {
      expect(await refusalOf(completeEnrollment(f.deps, { enrollmentId, secret, response: bad }))).toMatchObject({
        code: 'PASSKEY.REGISTRATION_INVALID',
        kind: 'invalid',
      });
    }
    expect(f.passkeys.enrollments.get(enrollmentId)?.completed).toBeUndefined();
    // The link still works after failed attempts.
    expect(await completeEnrollment(f.deps, { enrollmentId, secret, response: response() })).toMatchObject({
      memberId: 'alice',
    });
  });

  it('refuses a credential enrolled already, by another member too, as CREDENTIAL_TAKEN', async () => {
    const f = passkeyFixture();
    const device = await f.enrolledDevice('alice');
    expect(await refusalOf(f.enrollDevice('bob', device))).toMatchObject({
      code: 'PASSKEY.CREDENTIAL_TAKEN',
      kind: 'conflict',
    });
    expect(await f.passkeys.credentialsOf('bob')).toEqual([]);
  });
});

import { StrongroomError } from '../../../../lambdas/domain/errors';
import { challengeOfDigest, transferApprovalDigest } from '../../../../lambdas/domain/passkeys/approval-digest';
import { registrationChallenge } from '../../../../lambdas/domain/passkeys/enrollment-link';
import type { PasskeyCredential } from '../../../../lambdas/domain/passkeys/passkey-credential';
import {
  credentialIdOfAssertion,
  registrationOptions,
  relyingPartyOf,
  verifyApprovalAssertion,
  verifyEnrollment,
  type AuthenticationResponseJSON,
} from '../../../../lambdas/adapters/webauthn/webauthn';
import { SoftwareAuthenticator } from '../../../../local/passkeys/software-authenticator';
import { INTENT } from '../../domain/passkeys/transfer-intent-fixture';

const RP = relyingPartyOf('https://custody.example.com/live');
const SECRET = 'A'.repeat(43);
const ENROLLED_AT = new Date('2026-12-01T10:00:00.000Z');

const CHALLENGE = challengeOfDigest(transferApprovalDigest(INTENT));

async function enroll(memberId = 'alice'): Promise<{ device: SoftwareAuthenticator; credential: PasskeyCredential }> {
  const device = new SoftwareAuthenticator();
  const response = device.register({ challenge: registrationChallenge(SECRET), origin: RP.origin, rpId: RP.rpId });
  const credential = await verifyEnrollment({
    response,
    expectedChallenge: registrationChallenge(SECRET),
    expectedOrigin: RP.origin,
    rpId: RP.rpId,
    memberId,
    at: ENROLLED_AT,
  });
  return { device, credential };
}

const verify = (
  credential: PasskeyCredential,
  assertion: unknown,
  overrides: Partial<Parameters<typeof verifyApprovalAssertion>[0]> = {},
) =>
  verifyApprovalAssertion({
    credential,
    assertion,
    expectedChallenge: CHALLENGE,
    expectedOrigin: RP.origin,
    rpId: RP.rpId,
    counterCheck: 'at-decision',
    ...overrides,
  });

const sign = (device: SoftwareAuthenticator, overrides: Partial<Parameters<SoftwareAuthenticator['assert']>[0]> = {}) =>
  device.assert({ challenge: CHALLENGE, origin: RP.origin, rpId: RP.rpId, ...overrides });

describe('relyingPartyOf', () => {
  it('is the host name as rpId and scheme, host and port as origin, whatever the path', () => {
    expect(relyingPartyOf('https://abc.execute-api.eu-west-1.amazonaws.com/live')).toEqual({
      rpId: 'abc.execute-api.eu-west-1.amazonaws.com',
      origin: 'https://abc.execute-api.eu-west-1.amazonaws.com',
    });
    expect(relyingPartyOf('http://localhost:8080/')).toEqual({ rpId: 'localhost', origin: 'http://localhost:8080' });
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => relyingPartyOf('localhost:8080')).toThrow(StrongroomError);
    expect(() => relyingPartyOf('not a url')).toThrow(StrongroomError);
  });
});

describe('registrationOptions', () => {
  it('asks for user verification, no attestation and our algorithms, with the challenge unchanged', async () => {
    const options = await registrationOptions({
      rpId: RP.rpId,
      rpName: 'strongroom',
      memberId: 'alice@example.com',
      memberName: 'Alice',
      challenge: registrationChallenge(SECRET),
      excludeCredentialIds: ['Y3JlZC0x'],
    });
    expect(options.challenge).toBe(registrationChallenge(SECRET));
    expect(options.rp).toEqual({ name: 'strongroom', id: RP.rpId });
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection?.userVerification).toBe('required');
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -8, -257]);
    expect(options.excludeCredentials).toEqual([{ id: 'Y3JlZC0x', type: 'public-key' }]);
    // The user handle is a hash: the member id (an e-mail here) never reaches the authenticator.
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).not.toContain('alice');
  });
});

describe('verifyEnrollment', () => {
  it('returns the credential of a registration made for our challenge, origin and rpId', async () => {
    const { device, credential } = await enroll();
    expect(credential).toEqual({
      memberId: 'alice',
      credentialId: device.credentialId,
      publicKey: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      counter: 0,
      transports: ['internal'],
      enrolledAt: ENROLLED_AT,
    });
  });

  it.each([
    ['another challenge', { challenge: registrationChallenge('B'.repeat(43)) }],
    ['another origin', { origin: 'https://evil.example.com' }],
    ['another rpId', { rpId: 'evil.example.com' }],
    ['no user verification', { userVerified: false }],
  ])('refuses a registration with %s', async (_case, overrides) => {
    const response = new SoftwareAuthenticator().register({
      challenge: registrationChallenge(SECRET),
      origin: RP.origin,
      rpId: RP.rpId,
      ...overrides,
    });
    const attempt = verifyEnrollment({
      response,
      expectedChallenge: registrationChallenge(SECRET),
      expectedOrigin: RP.origin,
      rpId: RP.rpId,
      memberId: 'alice',
      at: ENROLLED_AT,
    });
    await expect(attempt).rejects.toMatchObject({ details: { passkeyCode: 'PASSKEY.REGISTRATION_INVALID' } });
  });

  it('refuses what is not a registration at all', async () => {
    for (const response of [undefined, 'x', { id: 'a' }, { id: 'a', rawId: 'a', type: 'public-key', response: {} }]) {
      await expect(
        verifyEnrollment({
          response,
          expectedChallenge: 'x',
          expectedOrigin: RP.origin,
          rpId: RP.rpId,
          memberId: 'a',
          at: ENROLLED_AT,
        }),
      ).rejects.toBeInstanceOf(StrongroomError);
    }
  });
});

describe('verifyApprovalAssertion', () => {
  it('verifies an assertion over the decision digest and reports the new counter', async () => {
    const { device, credential } = await enroll();
    await expect(verify(credential, sign(device))).resolves.toEqual({ verified: true, newCounter: 1 });
  });

  it('gives the same answer again later, when the counter has moved on (the Authorize recheck)', async () => {
    const { device, credential } = await enroll();
    const assertion = sign(device);
    await expect(verify(credential, assertion)).resolves.toEqual({ verified: true, newCounter: 1 });
    const later = { ...credential, counter: 7 };
    await expect(verify(later, JSON.parse(JSON.stringify(assertion)), { counterCheck: 'recheck' })).resolves.toEqual({
      verified: true,
      newCounter: 1,
    });
    await expect(verify(later, assertion)).resolves.toEqual({ verified: false, reason: 'counter-not-increased' });
  });

  it("refuses another transfer's digest", async () => {
    const { device, credential } = await enroll();
    const other = challengeOfDigest(transferApprovalDigest({ ...INTENT, transferId: 'tr-2' }));
    await expect(verify(credential, sign(device, { challenge: other }))).resolves.toEqual({
      verified: false,
      reason: 'challenge-mismatch',
    });
  });

  it('refuses a rejection offered as an approval', async () => {
    const { device, credential } = await enroll();
    const reject = challengeOfDigest(transferApprovalDigest({ ...INTENT, decision: 'reject' }));
    await expect(verify(credential, sign(device, { challenge: reject }))).resolves.toMatchObject({
      reason: 'challenge-mismatch',
    });
  });

  it("refuses another member's credential", async () => {
    const alice = await enroll('alice');
    const bob = await enroll('bob');
    await expect(verify(alice.credential, sign(bob.device))).resolves.toEqual({
      verified: false,
      reason: 'credential-mismatch',
    });
  });

  it("refuses a signature by another key under the member's credential id", async () => {
    const alice = await enroll('alice');
    const mallory = await enroll('mallory');
    const forged = { ...sign(mallory.device), id: alice.device.credentialId, rawId: alice.device.credentialId };
    await expect(verify(alice.credential, forged)).resolves.toEqual({ verified: false, reason: 'signature-invalid' });
  });

  it('refuses a tampered signature', async () => {
    const { device, credential } = await enroll();
    const assertion = sign(device);
    const signature = Buffer.from(assertion.response.signature, 'base64url');
    const last = signature.length - 1;
    signature.writeUInt8(signature.readUInt8(last) ^ 0x01, last);
    const tampered: AuthenticationResponseJSON = {
      ...assertion,
      response: { ...assertion.response, signature: signature.toString('base64url') },
    };
    await expect(verify(credential, tampered)).resolves.toEqual({ verified: false, reason: 'signature-invalid' });
  });

  it('refuses tampered authenticator data (a raised counter the key did not sign)', async () => {
    const { device, credential } = await enroll();
    const assertion = sign(device);
    const authData = Buffer.from(assertion.response.authenticatorData, 'base64url');
    authData[36] = 99;
    const tampered = {
      ...assertion,
      response: { ...assertion.response, authenticatorData: authData.toString('base64url') },
    };
    await expect(verify(credential, tampered)).resolves.toEqual({ verified: false, reason: 'signature-invalid' });
  });

  it('refuses an assertion without user verification', async () => {
    const { device, credential } = await enroll();
    await expect(verify(credential, sign(device, { userVerified: false }))).resolves.toEqual({
      verified: false,
      reason: 'user-not-verified',
    });
  });

  it('refuses another origin and another rpId', async () => {
    const { device, credential } = await enroll();
    await expect(verify(credential, sign(device, { origin: 'https://evil.example.com' }))).resolves.toMatchObject({
      reason: 'origin-mismatch',
    });
    await expect(verify(credential, sign(device, { rpId: 'evil.example.com' }))).resolves.toMatchObject({
      reason: 'rp-mismatch',
    });
    await expect(
      verify(credential, sign(device), { expectedOrigin: 'https://other.example.com' }),
    ).resolves.toMatchObject({
      reason: 'origin-mismatch',
    });
  });

  it('refuses a counter that goes back or stays, at decision time; accepts 0 from a counterless passkey', async () => {
    const { device, credential } = await enroll();
    const seen = { ...credential, counter: 5 };
    await expect(verify(seen, sign(device, { counter: 4 }))).resolves.toMatchObject({
      reason: 'counter-not-increased',
    });
    await expect(verify(seen, sign(device, { counter: 5 }))).resolves.toMatchObject({
      reason: 'counter-not-increased',
    });
    await expect(verify(seen, sign(device, { counter: 6 }))).resolves.toEqual({ verified: true, newCounter: 6 });
    await expect(verify(credential, sign(device, { counter: 0 }))).resolves.toEqual({ verified: true, newCounter: 0 });
  });

  it('answers malformed input with a refusal, never a throw', async () => {
    const { device, credential } = await enroll();
    const good = sign(device);
    const bad: unknown[] = [
      undefined,
      null,
      'assertion',
      [],
      {},
      { ...good, type: 'other' },
      { ...good, rawId: 'different' },
      { ...good, response: { ...good.response, clientDataJSON: 'not base64url!' } },
      { ...good, response: { ...good.response, clientDataJSON: Buffer.from('not json').toString('base64url') } },
      { ...good, response: { ...good.response, authenticatorData: 'AAAA' } },
      { ...good, response: { ...good.response, signature: 42 } },
    ];
    for (const assertion of bad) {
      await expect(verify(credential, assertion)).resolves.toMatchObject({ verified: false });
    }
    const typeCreate = device.register({ challenge: CHALLENGE, origin: RP.origin, rpId: RP.rpId });
    await expect(verify(credential, typeCreate)).resolves.toMatchObject({ verified: false, reason: 'malformed' });
  });

  it('reads the credential id an assertion names, or none', () => {
    const device = new SoftwareAuthenticator();
    expect(credentialIdOfAssertion(sign(device))).toBe(device.credentialId);
    expect(credentialIdOfAssertion({ id: 'x' })).toBeUndefined();
  });
});

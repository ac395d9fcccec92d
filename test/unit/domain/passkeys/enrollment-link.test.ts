import { linkSecretHash } from '../../../../lambdas/domain/approvals/approval-link';
import { enrollmentLinkUrl, registrationChallenge } from '../../../../lambdas/domain/passkeys/enrollment-link';

const SECRET = 'A'.repeat(43);

describe('enrollmentLinkUrl', () => {
  it('is <base>/v1/passkeys/enroll/{id}?t=<secret>, the id escaped, one slash after the base', () => {
    expect(enrollmentLinkUrl('https://custody.example.com/live/', 'enr 1', SECRET)).toBe(
      `https://custody.example.com/live/v1/passkeys/enroll/enr%201?t=${SECRET}`,
    );
  });
});

describe('registrationChallenge', () => {
  it('is derived from the secret alone: the same for the same secret, 43 base64url characters', () => {
    expect(registrationChallenge(SECRET)).toBe('v_mOGLWgtdQu9TcPkZ3uS3cQdEH82bvDoPqKHk2a1Y0');
    expect(registrationChallenge(SECRET)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(registrationChallenge('B'.repeat(43))).not.toBe(registrationChallenge(SECRET));
  });

  it('is neither the secret nor its stored hash', () => {
    const challenge = Buffer.from(registrationChallenge(SECRET), 'base64url').toString('hex');
    expect(`0x${challenge}`).not.toBe(linkSecretHash(SECRET));
    expect(registrationChallenge(SECRET)).not.toContain(SECRET);
  });
});

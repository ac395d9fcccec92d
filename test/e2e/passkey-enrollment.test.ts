import { ENROLLMENT_DATA_ID } from '../../lambdas/handlers/api/passkey-page/render-enrollment-page';
import { SoftwareAuthenticator } from '../../local/passkeys/software-authenticator';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';

/**
 * Passkey enrollment (issue 14, scope 5) over HTTP on the local stack: an admin invites a member, the
 * link goes to the member's outbox only, the page (read-only, nonce'd script) carries the creation
 * options, and the registration a (software) authenticator makes over them enrolls the member's
 * passkey once. The browser flow itself, with Chromium's virtual authenticator, is in
 * test/browser/passkey-enrollment.test.ts.
 */

let api: StackUnderTest;
let admin: string;
let logLevel: string | undefined;

beforeAll(async () => {
  // Every log line the handlers can write, so that the test of secrets in logs sees them all.
  logLevel = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  api = await startStackUnderTest();
  admin = await api.token('enroll-admin', ['admin']);
}, 120_000);

afterAll(async () => {
  await api?.stop();
  if (logLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = logLevel;
});

async function invite(memberId: string): Promise<{ enrollmentId: string; link: URL }> {
  const invited = await api.call('POST', '/v1/passkeys/enrollments', {
    token: admin,
    body: { memberId, memberName: `Member ${memberId}` },
  });
  expect(invited.status).toBe(201);
  // The admin learns the id and the expiry, never the link.
  expect(Object.keys(invited.body).sort()).toEqual(['enrollmentId', 'expiresAt', 'memberId']);
  const message = api.stack.outbox.list().find((m) => m.enrollmentId === invited.body.enrollmentId);
  expect(message?.to).toBe(memberId);
  return { enrollmentId: invited.body.enrollmentId as string, link: new URL(message?.link as string) };
}

const options = (html: string): { t: string; publicKey: { challenge: string; rp: { id: string } } } =>
  JSON.parse(
    new RegExp(`<script type="application/json" id="${ENROLLMENT_DATA_ID}">([^<]*)</script>`).exec(html)?.[1] ?? '{}',
  );

it('sends the link to the member only, serves a read-only page, and enrolls one passkey once', async () => {
  const { enrollmentId, link } = await invite('pk-alice');
  const page = await fetch(link);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
  expect(page.headers.get('cache-control')).toBe('no-store');
  const html = await page.text();
  const data = options(html);
  expect(data.publicKey.rp.id).toBe(link.hostname);
  // Opening the page (twice, as a scanner would) enrolls nothing.
  await fetch(link);
  expect(await api.stack.deps.passkeys.credentialsOf('pk-alice')).toEqual([]);

  const device = new SoftwareAuthenticator();
  const response = device.register({ challenge: data.publicKey.challenge, origin: link.origin, rpId: link.hostname });
  const path = `/v1/passkeys/enroll/${enrollmentId}`;
  const enrolled = await api.call('POST', path, { body: { t: link.searchParams.get('t'), response } });
  expect(enrolled.status).toBe(201);
  expect(enrolled.body).toMatchObject({ memberId: 'pk-alice', credentialId: device.credentialId });
  const credentials = await api.stack.deps.passkeys.credentialsOf('pk-alice');
  expect(credentials.map((c) => c.credentialId)).toEqual([device.credentialId]);

  const again = await api.call('POST', path, { body: { t: link.searchParams.get('t'), response } });
  expect([again.status, again.body.error.code]).toEqual([409, 'PASSKEY.ENROLLMENT_COMPLETED']);
  expect((await fetch(link)).status).toBe(409);
});

it('refuses a wrong secret (403), a registration over another challenge, and a non-admin invitation', async () => {
  const { enrollmentId, link } = await invite('pk-bob');
  const wrong = new URL(link);
  wrong.searchParams.set('t', 'A'.repeat(43));
  expect((await fetch(wrong)).status).toBe(403);
  const device = new SoftwareAuthenticator();
  const path = `/v1/passkeys/enroll/${enrollmentId}`;
  const forged = device.register({ challenge: 'A'.repeat(43), origin: link.origin, rpId: link.hostname });
  const refused = await api.call('POST', path, { body: { t: link.searchParams.get('t'), response: forged } });
  expect([refused.status, refused.body.error.code]).toEqual([400, 'PASSKEY.REGISTRATION_INVALID']);
  const byWrongSecret = await api.call('POST', path, { body: { t: 'A'.repeat(43), response: forged } });
  expect([byWrongSecret.status, byWrongSecret.body.error.code]).toEqual([403, 'PASSKEY.ENROLLMENT_LINK_INVALID']);
  expect(await api.stack.deps.passkeys.credentialsOf('pk-bob')).toEqual([]);

  const operator = await api.token('enroll-ops', ['operator']);
  const notAdmin = await api.call('POST', '/v1/passkeys/enrollments', {
    token: operator,
    body: { memberId: 'pk-bob', memberName: 'Bob' },
  });
  expect(notAdmin.status).toBe(403);
  expect((await fetch(new URL('/v1/passkeys/enroll/enr-0000000000000000?t=' + 'A'.repeat(43), link))).status).toBe(404);
});

it('never writes an enrollment link’s secret to a log line: inviting, opening, enrolling, a wrong link', async () => {
  const lines: string[] = [];
  const capture = (chunk: unknown): boolean => lines.push(String(chunk)) > 0;
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  const secrets: string[] = [];
  try {
    const { enrollmentId, link } = await invite('pk-carol');
    const secret = link.searchParams.get('t') as string;
    secrets.push(secret);
    const data = options(await (await fetch(link)).text());
    const response = new SoftwareAuthenticator().register({
      challenge: data.publicKey.challenge,
      origin: link.origin,
      rpId: link.hostname,
    });
    const wrong = new URL(link);
    wrong.searchParams.set('t', `${secret.slice(0, 42)}x`);
    await fetch(wrong);
    await api.call('POST', `/v1/passkeys/enroll/${enrollmentId}`, {
      body: { t: wrong.searchParams.get('t'), response },
    });
    expect(
      (await api.call('POST', `/v1/passkeys/enroll/${enrollmentId}`, { body: { t: secret, response } })).status,
    ).toBe(201);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  expect(lines.join('')).toContain('request handled'); // the handlers did log these requests
  const [secret] = secrets;
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(lines.join('')).not.toContain(secret);
  expect(lines.join('')).not.toContain(secret?.slice(0, 42));
});

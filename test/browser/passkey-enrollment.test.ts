import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  registrationOptions,
  relyingPartyOf,
  verifyApprovalAssertion,
  verifyEnrollment,
} from '../../lambdas/adapters/webauthn/webauthn';
import { LINK_SECRET } from '../../lambdas/domain/approvals/approval-link';
import {
  challengeOfDigest,
  transferApprovalDigest,
  type TransferApprovalInput,
} from '../../lambdas/domain/passkeys/approval-digest';
import { enrollmentLinkUrl, registrationChallenge } from '../../lambdas/domain/passkeys/enrollment-link';
import type { PasskeyCredential } from '../../lambdas/domain/passkeys/passkey-credential';
import { escapeHtml } from '../../lambdas/handlers/api/approval-page/escape-html';
import { htmlDocument } from '../../lambdas/handlers/api/approval-page/html-document';
import { newNonce } from '../../lambdas/handlers/api/approval-page/page-nonce';
import {
  PASSKEY_ASSERTION_FIELD,
  PASSKEY_STATUS_ATTRIBUTE,
  passkeyAssertionScript,
  passkeyChallengeAttribute,
  passkeyFormAttributes,
} from '../../lambdas/handlers/api/passkey-page/passkey-assertion-script';
import { passkeyPageHeaders } from '../../lambdas/handlers/api/passkey-page/passkey-page-headers';
import { renderEnrollmentPage } from '../../lambdas/handlers/api/passkey-page/render-enrollment-page';
import { launchBrowser, pageWithVirtualAuthenticator } from '../support/browser';

// The enrollment page and an approval-like form with the assertion script, in Debian's Chromium with its
// virtual authenticator (CDP WebAuthn domain): the page scripts against a real WebAuthn implementation.
// WebAuthn needs a secure context and a domain as rpId: http://localhost is both (an IP address is not
// an rpId), so the server listens on 127.0.0.1 and the browser opens localhost.
const STAGE = '/live';
const SECRET = 'S'.repeat(43);
const ENROLLMENT_ID = 'enr-1';
// The name reaches the page as text and, inside the options, as JSON in a script element: neither may close it.
const MEMBER = { id: 'alice@example.com', name: 'Alice </script><b>Ops</b> & "Treasury" \u2028' };
const INTENT: Omit<TransferApprovalInput, 'decision'> = {
  deploymentId: 'acct-111122223333/strongroom-prod',
  chainId: 31337,
  approvalRequestId: 'apr-1',
  transferId: 'tr-1',
  walletId: 'w-1',
  from: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  asset: 'native',
  amount: 1_500_000_000_000_000_000n,
  data: '0x',
  expiresAt: new Date('2030-01-01T00:00:00.500Z'),
};
const challengeOf = (decision: 'approve' | 'reject'): string =>
  challengeOfDigest(transferApprovalDigest({ ...INTENT, decision }));

interface Received {
  readonly method: string;
  readonly url: string;
  readonly contentType: string;
  readonly body: string;
}

interface PasskeyServer {
  readonly base: string;
  readonly received: Received[];
  /** What the enrollment POST verified and stored. */
  readonly enrolled: PasskeyCredential[];
  close(): Promise<void>;
}

async function startServer(): Promise<PasskeyServer> {
  const received: Received[] = [];
  const enrolled: PasskeyCredential[] = [];
  const enrollPath = `${STAGE}/v1/passkeys/enroll/${ENROLLMENT_ID}`;
  const approvalPath = `${STAGE}/v1/approvals/${INTENT.approvalRequestId}`;
  let base = '';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const contentType = request.headers['content-type'] ?? '';
        received.push({ method: request.method ?? '', url: request.url ?? '', contentType, body });
        const url = new URL(request.url ?? '/', base);
        const rp = relyingPartyOf(base);
        const nonce = newNonce();
        if (request.method === 'GET' && url.pathname === enrollPath && url.searchParams.get('t') === SECRET) {
          const options = await registrationOptions({
            rpId: rp.rpId,
            rpName: 'strongroom (test)',
            memberId: MEMBER.id,
            memberName: MEMBER.name,
            challenge: registrationChallenge(SECRET),
            excludeCredentialIds: enrolled.map((c) => c.credentialId),
          });
          const page = renderEnrollmentPage({ memberName: MEMBER.name, secret: SECRET, options }, nonce);
          response.writeHead(200, passkeyPageHeaders(nonce)).end(page);
        } else if (request.method === 'POST' && url.pathname === enrollPath) {
          const posted = JSON.parse(body) as { t: string; response: unknown };
          if (!LINK_SECRET.test(posted.t) || posted.t !== SECRET) {
            response.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"wrong link"}');
            return;
          }
          const credential = await verifyEnrollment({
            response: posted.response,
            expectedChallenge: registrationChallenge(posted.t),
            expectedOrigin: rp.origin,
            rpId: rp.rpId,
            memberId: MEMBER.id,
            at: new Date(),
          });
          enrolled.push(credential);
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"enrolled":true}');
        } else if (request.method === 'GET' && url.pathname === approvalPath) {
          response.writeHead(200, passkeyPageHeaders(nonce)).end(approvalForm(approvalPath, rp.rpId, enrolled, nonce));
        } else if (request.method === 'POST' && url.pathname === approvalPath) {
          response.writeHead(200, passkeyPageHeaders(nonce)).end(
            htmlDocument({
              title: 'Recorded',
              nonce,
              body: '<main data-outcome="recorded"><h1>Recorded</h1></main>',
            }),
          );
        } else {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        }
      })().catch((error: unknown) => {
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    enrolled,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** An approval page in miniature: the form's passkey attributes, one challenge per decision, the script. */
function approvalForm(action: string, rpId: string, credentials: readonly PasskeyCredential[], nonce: string): string {
  const body = [
    '<main>',
    '<h1>Approve this transfer?</h1>',
    `<form method="post" action="${escapeHtml(action)}" ${passkeyFormAttributes({ rpId, credentials })}>`,
    `<input type="hidden" name="t" value="${escapeHtml(SECRET)}">`,
    `<input type="hidden" name="${PASSKEY_ASSERTION_FIELD}" value="">`,
    `<button type="submit" name="decision" value="approve" ${passkeyChallengeAttribute(challengeOf('approve'))}>Approve</button>`,
    `<button type="submit" name="decision" value="reject" ${passkeyChallengeAttribute(challengeOf('reject'))}>Reject</button>`,
    `<p ${PASSKEY_STATUS_ATTRIBUTE}></p>`,
    '</form>',
    `<script nonce="${escapeHtml(nonce)}">${passkeyAssertionScript()}</script>`,
    '</main>',
  ];
  return htmlDocument({ title: 'Approve', nonce, body: body.join('\n') });
}

function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

let browser: Browser;
let context: BrowserContext | undefined;
let server: PasskeyServer;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  await server.close();
});

/** A page whose browser has a platform authenticator with user verification: Chromium's virtual one. */
async function pageWithAuthenticator(): Promise<Page> {
  const opened = await pageWithVirtualAuthenticator(browser);
  context = opened.context;
  return opened.page;
}

test('a member enrolls a passkey on the enrollment page, then approves with it; both verify on the server', async () => {
  const page = await pageWithAuthenticator();
  const violations = cspViolations(page);
  const link = enrollmentLinkUrl(`${server.base}${STAGE}`, ENROLLMENT_ID, SECRET);

  await page.goto(link);
  await expect(page.locator('[data-field="member"]').innerText()).resolves.toBe(MEMBER.name);
  // The script took the secret out of the address bar before anything else.
  expect(page.url()).toBe(`${server.base}${STAGE}/v1/passkeys/enroll/${ENROLLMENT_ID}`);
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.locator('#passkey-status[data-outcome="enrolled"]').waitFor();

  const post = server.received.find((r) => r.method === 'POST');
  expect(post).toMatchObject({ url: `${STAGE}/v1/passkeys/enroll/${ENROLLMENT_ID}`, contentType: 'application/json' });
  expect(JSON.parse(post!.body)).toMatchObject({ t: SECRET, response: { type: 'public-key' } });
  expect(server.enrolled).toHaveLength(1);
  const credential = server.enrolled[0]!;
  expect(credential).toMatchObject({ memberId: MEMBER.id, transports: ['internal'] });

  await page.goto(`${server.base}${STAGE}/v1/approvals/${INTENT.approvalRequestId}`);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('main[data-outcome="recorded"]').waitFor();

  const decision = server.received.filter((r) => r.method === 'POST').at(-1)!;
  expect(decision.contentType).toBe('application/x-www-form-urlencoded');
  const form = new URLSearchParams(decision.body);
  expect(form.get('decision')).toBe('approve');
  expect(form.get('t')).toBe(SECRET);
  const assertion: unknown = JSON.parse(form.get(PASSKEY_ASSERTION_FIELD) ?? 'null');
  const rp = relyingPartyOf(server.base);
  const check = (expectedChallenge: string, counterCheck: 'at-decision' | 'recheck' = 'at-decision') =>
    verifyApprovalAssertion({
      credential,
      assertion,
      expectedChallenge,
      expectedOrigin: rp.origin,
      rpId: rp.rpId,
      counterCheck,
    });
  const verdict = await check(challengeOf('approve'));
  expect(verdict).toMatchObject({ verified: true });
  // The Authorize recheck, with the counter moved on, agrees; the same assertion is no rejection.
  const newCounter = verdict.verified ? verdict.newCounter : 0;
  await expect(
    verifyApprovalAssertion({
      credential: { ...credential, counter: newCounter },
      assertion,
      expectedChallenge: challengeOf('approve'),
      expectedOrigin: rp.origin,
      rpId: rp.rpId,
      counterCheck: 'recheck',
    }),
  ).resolves.toEqual({ verified: true, newCounter });
  await expect(check(challengeOf('reject'))).resolves.toEqual({ verified: false, reason: 'challenge-mismatch' });
  expect(violations).toEqual([]);
});

test('rejecting signs the rejection digest, not the approval', async () => {
  const page = await pageWithAuthenticator();
  await page.goto(enrollmentLinkUrl(`${server.base}${STAGE}`, ENROLLMENT_ID, SECRET));
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.locator('#passkey-status[data-outcome="enrolled"]').waitFor();

  await page.goto(`${server.base}${STAGE}/v1/approvals/${INTENT.approvalRequestId}`);
  await page.getByRole('button', { name: 'Reject' }).click();
  await page.locator('main[data-outcome="recorded"]').waitFor();

  const form = new URLSearchParams(server.received.filter((r) => r.method === 'POST').at(-1)!.body);
  expect(form.get('decision')).toBe('reject');
  const rp = relyingPartyOf(server.base);
  const verify = (decision: 'approve' | 'reject') =>
    verifyApprovalAssertion({
      credential: server.enrolled[0]!,
      assertion: JSON.parse(form.get(PASSKEY_ASSERTION_FIELD) ?? 'null'),
      expectedChallenge: challengeOf(decision),
      expectedOrigin: rp.origin,
      rpId: rp.rpId,
      counterCheck: 'at-decision',
    });
  await expect(verify('reject')).resolves.toMatchObject({ verified: true });
  await expect(verify('approve')).resolves.toEqual({ verified: false, reason: 'challenge-mismatch' });
});

test('without a passkey that can sign, nothing is submitted', async () => {
  // An authenticator that holds none of the allowed credentials: the browser reports NotAllowedError.
  const page = await pageWithAuthenticator();
  server.enrolled.push({
    memberId: MEMBER.id,
    credentialId: 'bm90LW9uLXRoaXMtZGV2aWNl',
    publicKey: 'AA',
    counter: 0,
    enrolledAt: new Date(),
  });
  await page.goto(`${server.base}${STAGE}/v1/approvals/${INTENT.approvalRequestId}`);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator(`[${PASSKEY_STATUS_ATTRIBUTE}]`).filter({ hasText: 'did not sign' }).waitFor();
  expect(server.received.filter((r) => r.method === 'POST')).toEqual([]);
});

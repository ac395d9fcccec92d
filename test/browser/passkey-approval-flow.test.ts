import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { parseEther } from 'viem';
import { launchBrowser, pageWithVirtualAuthenticator, screenshotDir } from '../support/browser';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Issue 14, in a real browser against the whole local stack: a member of a group that requires
 * passkeys enrolls one from the enrollment link in the outbox (Chromium's virtual authenticator, driven
 * through the DevTools WebAuthn domain, stands in for the device), then approves a transfer from their
 * approval link with it; the passkey signs the transfer's digest, the server verifies it, Authorize
 * verifies it again, and the transfer completes on anvil.
 *
 * WebAuthn needs a domain as its relying party (an IP address is none), so the stack's links name
 * `localhost` while its server listens on 127.0.0.1.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  [api, browser] = await Promise.all([startStackUnderTest(), launchBrowser()]);
  api.stack.serveAt(api.url.replace('127.0.0.1', 'localhost'));
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.stop();
});

it('enrolls a passkey from the outbox link, approves a transfer with it, and the transfer completes', async () => {
  const admin = await api.token('pk-browser-admin', ['admin']);
  const operator = await api.token('pk-browser-ops', ['operator']);
  const group = await api.ok('POST', '/v1/approval-groups', admin, {
    name: 'passkey signers',
    requirePasskeys: true,
    members: [{ id: 'dana', name: 'Dana' }],
  });
  const wallet = await api.ok('POST', '/v1/wallets', admin, {
    name: 'browser passkeys',
    chainId: 31337,
    keyScheme: 'kms',
  });
  await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [
      {
        id: 'passkey-approval',
        match: {},
        action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: group.id, timeoutSeconds: 600 },
      },
    ],
    limits: {},
  });
  await api.deposit(wallet as { id: string; address: string }, parseEther('2'), admin, 6);

  // Enrollment: the link reaches Dana's outbox only; her browser makes the passkey.
  const invited = await api.ok('POST', '/v1/passkeys/enrollments', admin, { memberId: 'dana', memberName: 'Dana' });
  const enrollment = api.stack.outbox.list().find((m) => m.enrollmentId === invited.enrollmentId);
  expect(new URL(enrollment?.link as string).hostname).toBe('localhost');
  const opened = await pageWithVirtualAuthenticator(browser);
  context = opened.context;
  const page = opened.page;
  await page.goto(enrollment?.link as string);
  expect(page.url()).not.toContain('?t=');
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.locator('#passkey-status[data-outcome="enrolled"]').waitFor();
  expect((await api.stack.deps.passkeys.credentialsOf('dana')).length).toBe(1);

  // Approval: the page asks the passkey to sign the transfer's digest when Dana clicks Approve.
  const accepted = await api.ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId: wallet.id, to: RECIPIENT, asset: 'native', amount: parseEther('0.75').toString() },
    { 'idempotency-key': `pk-browser-${Date.now()}` },
  );
  const message = await poll(
    async () => api.stack.outbox.list().find((m) => m.to === 'dana' && m.approvalRequestId !== undefined),
    'Dana’s approval link',
  );
  await page.goto(message.link);
  expect(await page.locator('[data-field="amount"]').innerText()).toContain('0.75 ETH');
  await page.screenshot({ path: join(screenshotDir(), 'passkey-approval-pending.png'), fullPage: true });
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('main[data-outcome="200"]').waitFor();
  expect(await page.locator('main').innerText()).toContain('recorded');

  const decisions = await api.stack.deps.approvals.decisions(message.approvalRequestId as string);
  expect(decisions).toHaveLength(1);
  expect(decisions[0]?.evidence?.credentialId).toBe(
    (await api.stack.deps.passkeys.credentialsOf('dana'))[0]?.credentialId,
  );
  const done = await poll(async () => {
    const view = await api.ok('GET', `/v1/transactions/${accepted.id}`, operator);
    return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string) ? view : undefined;
  }, 'the transfer to end');
  expect(done.status).toBe('COMPLETED');
}, 120_000);

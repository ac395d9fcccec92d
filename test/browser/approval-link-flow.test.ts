import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parseEther } from 'viem';
import { launchBrowser, phoneContext, screenshotDir } from '../support/browser';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Issue 13, in a real browser: an approver opens the link the local outbox holds (as their mail would),
 * sees the amount and destination, clicks Approve, and the transfer completes on anvil. Screenshots of
 * the pending page (desktop and a 390 px phone) and of the page after the decision are saved under
 * test-output/screenshots.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let browser: Browser;

beforeAll(async () => {
  [api, browser] = await Promise.all([startStackUnderTest(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

const ok: StackUnderTest['ok'] = (...args) => api.ok(...args);

it('approves from the link in the outbox, in Chromium, and the transfer completes', async () => {
  const admin = await api.token('browser-admin', ['admin']);
  const operator = await api.token('browser-ops', ['operator']);
  const group = await ok('POST', '/v1/approval-groups', admin, {
    name: 'treasury',
    requirePasskeys: false,
    members: [{ id: 'alice', name: 'Alice' }],
  });
  const wallet = await ok('POST', '/v1/wallets', admin, { name: 'browser treasury', chainId: 31337, keyScheme: 'kms' });
  await ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [
      {
        id: 'two-person-rule',
        description: 'Counterparty settlement address',
        match: { counterparty: { type: 'allowlist', addresses: [RECIPIENT] } },
        action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: group.id, timeoutSeconds: 600 },
      },
    ],
    limits: {},
  });
  await api.deposit(wallet, parseEther('3'), admin, 4);
  const accepted = await ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId: wallet.id, to: RECIPIENT, asset: 'native', amount: parseEther('1.5').toString() },
    { 'idempotency-key': `browser-${Date.now()}` },
  );
  const message = await poll(async () => api.stack.outbox.list().find((m) => m.to === 'alice'), 'alice’s link');

  const shots = screenshotDir();
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(message.link);
  expect(await page.locator('[data-field="amount"]').innerText()).toContain('1.5 ETH');
  expect(await page.locator('[data-field="destination"]').innerText()).toContain(RECIPIENT);
  expect(await page.locator('[data-field="destination-label"]').innerText()).toContain(
    'Counterparty settlement address (rule two-person-rule)',
  );
  expect(await page.locator('[data-field="rule"]').innerText()).toContain('two-person-rule');
  await page.screenshot({ path: join(shots, 'approval-link-pending-desktop.png'), fullPage: true });

  const phone = await phoneContext(browser);
  const phonePage = await phone.newPage();
  await phonePage.goto(message.link);
  await phonePage.screenshot({ path: join(shots, 'approval-link-pending-phone.png'), fullPage: true });
  await phone.close();

  await page.locator('textarea[name="comment"]').fill('checked with the counterparty');
  await page.locator('button[name="decision"][value="approve"]').click();
  await page.waitForLoadState();
  expect(await page.locator('main').innerText()).toContain('recorded');
  await page.screenshot({ path: join(shots, 'approval-link-approved-desktop.png'), fullPage: true });
  // The page loaded nothing but itself, and the secret went in the POST body only: the URL posted to has no query.
  const origin = new URL(message.link).origin;
  expect(requests.every((url) => url.startsWith(origin))).toBe(true);
  expect(page.url()).not.toContain('?t=');
  await page.close();

  const done = await poll(async () => {
    const view = await ok('GET', `/v1/transactions/${accepted.id}`, operator);
    return view.status === 'COMPLETED' ? view : undefined;
  }, 'the approved transfer to complete');
  expect(done.approverIds).toEqual(['alice']);
}, 120_000);

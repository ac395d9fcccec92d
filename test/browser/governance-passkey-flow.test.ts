import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, pageWithVirtualAuthenticator, screenshotDir } from '../support/browser';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Issue 14 (scope 6), in a real browser against the whole local stack: a governance group that decides
 * with passkeys. Two members enroll a passkey from their enrollment links (Chromium's virtual
 * authenticator through the DevTools WebAuthn domain stands in for their devices); an admin relaxes a
 * wallet's policy, which becomes a change request; each member opens the link the notifier sent them
 * and approves with their passkey, which signs the change's digest; the change is time-locked (its
 * policy untouched), then takes effect when the time-lock ends.
 */

const TIME_LOCK_SECONDS = 10;
let api: StackUnderTest;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [api, browser] = await Promise.all([
    startStackUnderTest({ governanceTimeLockSeconds: TIME_LOCK_SECONDS }),
    launchBrowser(),
  ]);
  // WebAuthn needs a domain as its relying party: the links name localhost.
  api.stack.serveAt(api.url.replace('127.0.0.1', 'localhost'));
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.stop();
});

/** A member's own browser: enrolls a passkey from their enrollment link. */
async function enrolledBrowser(admin: string, memberId: string): Promise<Page> {
  const invited = await api.ok('POST', '/v1/passkeys/enrollments', admin, { memberId, memberName: memberId });
  const link = api.stack.outbox.list().find((m) => m.enrollmentId === invited.enrollmentId)?.link as string;
  const { context, page } = await pageWithVirtualAuthenticator(browser);
  contexts.push(context);
  await page.goto(link);
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await page.locator('#passkey-status[data-outcome="enrolled"]').waitFor();
  return page;
}

it('takes a policy change approved with passkeys from the members’ links into effect after its time-lock', async () => {
  const admin = await api.token('gov-browser-admin', ['admin']);
  const wallet = await api.ok('POST', '/v1/wallets', admin, { name: 'governed', chainId: 31337, keyScheme: 'kms' });
  await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [{ id: 'nothing', match: {}, action: { type: 'BLOCK' } }],
    limits: {},
  });
  await api.ok('POST', '/v1/governance/bootstrap', admin, {
    members: [
      { id: 'gov-browser-admin', name: 'The admin' },
      { id: 'gov-ana', name: 'Ana' },
      { id: 'gov-ben', name: 'Ben' },
    ],
    quorum: 2,
    requirePasskeys: true,
  });
  const browsers = {
    'gov-ana': await enrolledBrowser(admin, 'gov-ana'),
    'gov-ben': await enrolledBrowser(admin, 'gov-ben'),
  };

  const proposed = await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [{ id: 'anything', match: {}, action: { type: 'ALLOW' } }],
    limits: {},
    reason: 'open the wallet for the settlement run',
  });
  expect(proposed.status).toBe('PENDING_GOVERNANCE');
  const linkOf = (memberId: string): string =>
    api.stack.outbox.list().find((m) => m.changeId === proposed.id && m.to === memberId)?.link as string;

  // The proposer's own link offers a veto only.
  const own = await browsers['gov-ana'].context().newPage();
  await own.goto(linkOf('gov-browser-admin'));
  expect(await own.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  expect(await own.getByRole('button', { name: 'Veto' }).count()).toBe(1);
  await own.close();

  for (const [memberId, page] of Object.entries(browsers)) {
    await page.goto(linkOf(memberId));
    expect(page.url()).toContain('/decide?t=');
    expect(await page.locator('[data-field="kind"]').innerText()).toContain(`SET_POLICY of ${wallet.id}`);
    expect(await page.locator('[data-field="reason"]').innerText()).toBe('open the wallet for the settlement run');
    if (memberId === 'gov-ana')
      await page.screenshot({ path: join(screenshotDir(), 'governance-change-pending.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('main[data-outcome="200"]').waitFor();
    // The decision was posted to the path without the secret.
    expect(page.url()).not.toContain('?t=');
  }
  expect(await browsers['gov-ben'].locator('main').innerText()).toContain('TIME_LOCKED');

  // Both approvals carry the passkey assertion the server verified.
  const stored = await api.stack.deps.governance.get(proposed.id as string);
  expect(stored?.decisions.map((d) => [d.memberId, d.decision, d.evidence === undefined])).toEqual([
    ['gov-ana', 'approve', false],
    ['gov-ben', 'approve', false],
  ]);

  // The time-lock holds: read the policy, then the change; while the change is time-locked, the policy is the old one.
  const policyBefore = (await api.ok('GET', `/v1/wallets/${wallet.id}`, admin)).policyVersion;
  const locked = await api.ok('GET', `/v1/governance/changes/${proposed.id}`, admin);
  expect(locked.status).toBe('TIME_LOCKED');
  expect(policyBefore).toBe(1);
  expect(Date.parse(locked.effectiveAt as string) - Date.parse(locked.quorumAt as string)).toBe(
    TIME_LOCK_SECONDS * 1000,
  );

  const applied = await poll(async () => {
    const view = await api.ok('GET', `/v1/governance/changes/${proposed.id}`, admin);
    return view.status === 'APPLIED' || view.status === 'FAILED' ? view : undefined;
  }, 'the change to take effect');
  expect(applied.status).toBe('APPLIED');
  expect(Date.parse(applied.appliedAt as string)).toBeGreaterThanOrEqual(Date.parse(locked.effectiveAt as string));
  expect((await api.ok('GET', `/v1/wallets/${wallet.id}`, admin)).policyVersion).toBe(2);
}, 180_000);

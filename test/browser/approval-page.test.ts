import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { approvalPageHeaders } from '../../lambdas/handlers/api/approval-page/approval-page-headers';
import type { ApprovalNoticeView, ApprovalPageView } from '../../lambdas/handlers/api/approval-page/approval-page-view';
import { newNonce } from '../../lambdas/handlers/api/approval-page/page-nonce';
import { renderApprovalNotice } from '../../lambdas/handlers/api/approval-page/render-approval-notice';
import { renderApprovalPage } from '../../lambdas/handlers/api/approval-page/render-approval-page';
import { launchBrowser, phoneContext, screenshotDir } from '../support/browser';
import { SAMPLE_NOTICES, sampleApprovalPageView } from '../unit/handlers/api/approval-page/fixtures';

// The repository's tsconfig has no DOM library (nothing else here runs in a browser): the browser globals
// that the functions evaluated in the page use.
declare const document: { readonly documentElement: { readonly scrollWidth: number } };
declare function getComputedStyle(element: unknown): {
  readonly marginTop: string;
  readonly lineHeight: string;
  readonly minHeight: string;
};

// The approval page as an approver's browser meets it: served with its real headers under the API's stage
// path (`/live`), so the form's relative action and the CSP are exercised as deployed.
const STAGE = '/live';

interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

interface ApprovalPageServer {
  readonly origin: string;
  /** The link an approver receives: the page's path with the secret in the query. */
  readonly link: string;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for the link routes: GET with the right secret serves the decision page, POST serves the
 * notice; everything is recorded. `html` replaces the page (for checking the checks).
 */
async function startApprovalPageServer(
  view: ApprovalPageView,
  notice: ApprovalNoticeView,
  html?: (nonce: string) => string,
): Promise<ApprovalPageServer> {
  const path = `${STAGE}/v1/approvals/${encodeURIComponent(view.requestId)}`;
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (request.method === 'GET' && url.pathname === path && url.searchParams.get('t') === view.secret) {
        const nonce = newNonce();
        response.writeHead(200, approvalPageHeaders(nonce)).end(html?.(nonce) ?? renderApprovalPage(view, nonce));
      } else if (request.method === 'POST' && url.pathname === path) {
        const nonce = newNonce();
        response.writeHead(notice.status, approvalPageHeaders(nonce)).end(renderApprovalNotice(notice, nonce));
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    link: `${origin}${path}?t=${encodeURIComponent(view.secret)}`,
    received,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** What the browser did on a page: every request it made and every CSP violation it reported. */
interface PageWatch {
  readonly requests: string[];
  readonly cspViolations: string[];
}

function watch(page: Page): PageWatch {
  const seen: PageWatch = { requests: [], cspViolations: [] };
  page.on('request', (request) => seen.requests.push(request.url()));
  // Chromium reports a CSP violation as a console error, whether or not the page may run script.
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.cspViolations.push(message.text());
  });
  return seen;
}

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);

const view = sampleApprovalPageView();
const approvedNotice = SAMPLE_NOTICES.find((notice) => notice.status === 200)!;
const comment = 'Checked the deposit address with Ana & the desk — ok ✓';

let browser: Browser;
let server: ApprovalPageServer;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  server = await startApprovalPageServer(view, approvedNotice);
});

afterEach(async () => {
  await context?.close();
  context = undefined;
  await server.close();
});

test('the link opens a page that shows the amount and destination, with its own style, loading nothing else', async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const seen = watch(page);

  const response = await page.goto(server.link);

  expect(response?.status()).toBe(200);
  await expect(field(page, 'amount').innerText()).resolves.toBe('1.5 ETH');
  await expect(field(page, 'amount-base').innerText()).resolves.toBe('1500000000000000000');
  await expect(field(page, 'destination').innerText()).resolves.toBe(view.destination.address);
  await expect(field(page, 'destination-label').innerText()).resolves.toContain('Exchange deposit');
  // The nonce'd style element applied: a browser's default body margin is 8px, the page's is 0.
  const bodyStyle = await page.locator('body').evaluate((body) => {
    const style = getComputedStyle(body);
    return { margin: style.marginTop, lineHeight: style.lineHeight };
  });
  expect(bodyStyle).toEqual({ margin: '0px', lineHeight: expect.not.stringMatching(/^normal$/) });
  const approve = await page.getByRole('button', { name: 'Approve' }).evaluate((button) => {
    return getComputedStyle(button).minHeight;
  });
  expect(approve).toBe('48px');
  expect(seen.cspViolations).toEqual([]);
  expect(seen.requests).toEqual([server.link]);
  expect(server.received.map((request) => `${request.method} ${request.url}`)).toEqual([
    `GET ${server.link.slice(server.origin.length)}`,
  ]);
  // The secret leaves the page only in the form's body: no link or action carries it.
  const targets = await page.locator('a[href], form[action]').evaluateAll((elements) =>
    elements.map((element) => {
      // Resolved URLs: an empty action would resolve to the page's own URL, secret included.
      const target = element as unknown as { readonly href?: string; readonly action?: string };
      return target.href ?? target.action ?? '';
    }),
  );
  expect(targets).toEqual([`${server.origin}${STAGE}/v1/approvals/${view.requestId}`]);
  await expect(page.getByText(view.secret).count()).resolves.toBe(0);

  await page.screenshot({ path: join(screenshotDir(), 'approval-page-pending-desktop.png'), fullPage: true });
});

test('Approve posts the secret, the decision and the comment in a form body to the path without the query', async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(server.link);

  await page.getByLabel('Comment (optional)').fill(comment);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.waitForURL(`${server.origin}${STAGE}/v1/approvals/${view.requestId}`);

  const posts = server.received.filter((request) => request.method === 'POST');
  expect(posts).toHaveLength(1);
  const [post] = posts;
  expect(post!.url).toBe(`${STAGE}/v1/approvals/${view.requestId}`);
  expect(post!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  // Referrer-Policy: no-referrer keeps the page's URL, and the secret in it, out of the POST's headers.
  expect(post!.headers.referer).toBeUndefined();
  expect(Object.fromEntries(new URLSearchParams(post!.body))).toEqual({
    t: view.secret,
    decision: 'approve',
    comment,
  });
  await expect(page.locator('main[data-outcome="200"] h1').innerText()).resolves.toBe(approvedNotice.title);
  expect(seen.cspViolations).toEqual([]);
  expect(seen.requests.every((url) => url.startsWith(`${server.origin}/`))).toBe(true);

  await page.screenshot({ path: join(screenshotDir(), 'approval-page-approved-desktop.png'), fullPage: true });
});

test('on a phone with JavaScript off the page fits the screen and Reject posts its decision', async () => {
  context = await phoneContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(server.link);

  // Nothing scrolls sideways on the 390 px screen: long addresses wrap.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBe(390);
  await expect(field(page, 'amount').isVisible()).resolves.toBe(true);
  expect(seen.cspViolations).toEqual([]);
  await page.screenshot({ path: join(screenshotDir(), 'approval-page-pending-phone.png'), fullPage: true });

  await page.getByRole('button', { name: 'Reject' }).tap();
  await page.waitForURL(`${server.origin}${STAGE}/v1/approvals/${view.requestId}`);

  const posts = server.received.filter((request) => request.method === 'POST');
  expect(posts.map((request) => Object.fromEntries(new URLSearchParams(request.body)))).toEqual([
    { t: view.secret, decision: 'reject', comment: '' },
  ]);
  expect(seen.requests.every((url) => url.startsWith(`${server.origin}/`))).toBe(true);
});

test('the CSP check sees a style without the nonce (the checks above can fail)', async () => {
  await server.close();
  server = await startApprovalPageServer(view, approvedNotice, () => {
    return '<!DOCTYPE html><html><head><style>body { margin: 0 }</style></head><body><p>x</p></body></html>';
  });
  context = await browser.newContext();
  const page = await context.newPage();
  const seen = watch(page);

  await page.goto(server.link);

  await expect(page.locator('body').evaluate((body) => getComputedStyle(body).marginTop)).resolves.toBe('8px');
  expect(seen.cspViolations).toEqual([expect.stringContaining("style-src 'nonce-")]);
});

import { parseEther } from 'viem';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Approvers' links (issue 13) over HTTP on the local stack: one link per member in the outbox, a page
 * that GET and HEAD (and a scanner's prefetch) only read, decisions posted from the page's form as
 * the member the link names, and every status of a link that cannot decide.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let admin: string;
let operator: string;
let auditor: string;

let logLevel: string | undefined;

beforeAll(async () => {
  // Every log line the handlers can write, so that the test of secrets in logs sees them all.
  logLevel = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  api = await startStackUnderTest();
  admin = await api.token('links-admin', ['admin']);
  operator = await api.token('links-ops', ['operator']);
  auditor = await api.token('links-auditor', ['auditor']);
}, 120_000);

afterAll(async () => {
  await api?.stop();
  if (logLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = logLevel;
});

const ok: StackUnderTest['ok'] = (...args) => api.ok(...args);

let keys = 0;
/** A funded wallet whose every transfer needs `quorum` of the group (alice, bob, and links-ops, the requester). */
async function walletNeedingApproval(quorum: number, timeoutSeconds = 600): Promise<string> {
  const group = await ok('POST', '/v1/approval-groups', admin, {
    name: `links ${++keys}`,
    requirePasskeys: false,
    members: [
      { id: 'alice', name: 'Alice' },
      { id: 'bob', name: 'Bob' },
      { id: 'links-ops', name: 'The requester' },
    ],
  });
  const wallet = await ok('POST', '/v1/wallets', admin, { name: `links ${keys}`, chainId: 31337, keyScheme: 'kms' });
  await ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
    rules: [
      {
        id: 'needs-approval',
        match: {},
        action: { type: 'REQUIRE_APPROVAL', quorum, approverGroup: group.id, timeoutSeconds },
      },
    ],
    limits: {},
  });
  await api.deposit(wallet, parseEther('3'), admin, 3);
  return wallet.id as string;
}

/** Submits a transfer and waits for its links: member id → link, from the outbox. */
async function submitForApproval(
  walletId: string,
): Promise<{ id: string; requestId: string; links: Map<string, URL> }> {
  const accepted = await ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId, to: RECIPIENT, asset: 'native', amount: parseEther('0.25').toString() },
    { 'idempotency-key': `links-${Date.now()}-${++keys}` },
  );
  const requestId = (
    await poll(async () => {
      const view = await ok('GET', `/v1/transactions/${accepted.id}`, operator);
      return typeof view.approvalRequestId === 'string' ? view : undefined;
    }, 'the approval request')
  ).approvalRequestId as string;
  const messages = await poll(async () => {
    const found = api.stack.outbox.list().filter((m) => m.approvalRequestId === requestId);
    return found.length >= 2 ? found : undefined;
  }, 'the approvers to be told');
  return { id: accepted.id as string, requestId, links: new Map(messages.map((m) => [m.to, new URL(m.link)])) };
}

/** Fetches a link as a browser or a scanner would: no token, the secret in the query. */
const fetchLink = (link: URL, method = 'GET') => fetch(link, { method, redirect: 'manual' });

/** Posts the page's form as the browser would: the secret in the body, to the path without the query. */
function postForm(link: URL, fields: Record<string, string>) {
  const target = new URL(link.pathname, link);
  return fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t: link.searchParams.get('t') ?? '', ...fields }).toString(),
  });
}

const decisionsOf = async (requestId: string) => (await ok('GET', `/v1/approvals/${requestId}`, auditor)).decisions;

describe('approvers’ links', () => {
  it('sends each member their own link (none to the requester), and a page that only reads, whatever fetches it', async () => {
    const walletId = await walletNeedingApproval(2);
    const { id, requestId, links } = await submitForApproval(walletId);
    expect([...links.keys()].sort()).toEqual(['alice', 'bob']);
    const alice = links.get('alice') as URL;
    const bob = links.get('bob') as URL;
    expect(alice.searchParams.get('t')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(alice.searchParams.get('t')).not.toBe(bob.searchParams.get('t'));
    // The message says what is asked, in human units, and carries only its member's link.
    const message = api.stack.outbox.list().find((m) => m.approvalRequestId === requestId && m.to === 'alice');
    expect(message?.text).toContain('0.25 ETH');
    expect(message?.text).toContain(RECIPIENT);
    expect(message?.text).toContain('links-ops');
    expect(message?.text).not.toContain(bob.searchParams.get('t') as string);

    const page = await fetchLink(alice);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('0.25');
    expect(html).toContain(RECIPIENT);

    // A scanner: GET and HEAD every link in the outbox, twice. Nothing is decided.
    for (const message of api.stack.outbox.list()) {
      await fetchLink(new URL(message.link));
      // HEAD is declared by no route: 405 locally (a 404 from API Gateway), read-only either way.
      expect((await fetchLink(new URL(message.link), 'HEAD')).status).toBe(405);
      await fetchLink(new URL(message.link));
    }
    expect(await decisionsOf(requestId)).toEqual([]);
    expect((await ok('GET', `/v1/transactions/${id}`, operator)).status).toBe('PENDING_AUTHORIZATION');
  });

  it('decides from the form as the link’s member, refuses a replay, and the transfer completes', async () => {
    const walletId = await walletNeedingApproval(2);
    const { id, requestId, links } = await submitForApproval(walletId);
    const alice = links.get('alice') as URL;
    const first = await postForm(alice, { decision: 'approve', comment: 'fine by me' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('recorded');
    expect(await decisionsOf(requestId)).toEqual([
      expect.objectContaining({ approverId: 'alice', decision: 'approve' }),
    ]);

    const replay = await postForm(alice, { decision: 'approve' });
    expect(replay.status).toBe(409);
    const reopened = await fetchLink(alice);
    expect(reopened.status).toBe(409);
    expect(await reopened.text()).toContain('decided already');

    expect((await postForm(links.get('bob') as URL, { decision: 'approve', comment: '' })).status).toBe(200);
    await poll(async () => {
      const view = await ok('GET', `/v1/transactions/${id}`, operator);
      return view.status === 'COMPLETED' ? view : undefined;
    }, 'the approved transfer to complete');
    // Resolved: every link now says so, and by whom, with 409.
    const after = await fetchLink(alice);
    expect(after.status).toBe(409);
    expect(await after.text()).toContain('approved');
  });

  it('answers a wrong secret with 403, an unknown request with 404 and an expired one with 410, changing nothing', async () => {
    const walletId = await walletNeedingApproval(1, 1);
    const { requestId, links } = await submitForApproval(walletId);
    const alice = links.get('alice') as URL;
    const wrong = new URL(alice);
    wrong.searchParams.set('t', 'A'.repeat(43));
    expect((await fetchLink(wrong)).status).toBe(403);
    expect((await postForm(wrong, { decision: 'approve' })).status).toBe(403);
    const unknown = new URL(alice.href.replace(requestId, 'apr-tx-unknown'));
    expect((await fetchLink(unknown)).status).toBe(404);
    // The request expires after a second; the sweep resolves it EXPIRED soon after.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await fetchLink(alice)).status).toBe(410);
    const late = await postForm(alice, { decision: 'approve' });
    expect(late.status).toBe(410);
    expect(await decisionsOf(requestId)).toEqual([]);
  });

  it('keeps the API path for approvers with a token, and refuses a link posted without its secret', async () => {
    const walletId = await walletNeedingApproval(1);
    const { id, requestId } = await submitForApproval(walletId);
    const noSecret = await api.call('POST', `/v1/approvals/${requestId}`, {
      rawBody: 'decision=approve',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(noSecret.status).toBe(400);
    const bob = await api.token('bob', ['approver']);
    expect(
      (await api.call('POST', `/v1/approvals/${requestId}`, { token: bob, body: { decision: 'approve' } })).status,
    ).toBe(200);
    await poll(async () => {
      const view = await ok('GET', `/v1/transactions/${id}`, operator);
      return view.status === 'COMPLETED' ? view : undefined;
    }, 'the transfer approved through the API to complete');
  });

  it('never writes a link’s secret to a log line: opening, deciding, a wrong link, a replay', async () => {
    const walletId = await walletNeedingApproval(2);
    const { links } = await submitForApproval(walletId);
    const alice = links.get('alice') as URL;
    const secret = alice.searchParams.get('t') as string;
    const lines: string[] = [];
    const capture = (chunk: unknown): boolean => lines.push(String(chunk)) > 0;
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await fetchLink(alice);
      await postForm(alice, { decision: 'approve', comment: 'logged?' });
      await postForm(alice, { decision: 'approve' });
      const wrong = new URL(alice);
      wrong.searchParams.set('t', `${secret.slice(0, 42)}x`);
      await fetchLink(wrong);
      await postForm(wrong, { decision: 'reject' });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(lines.join('')).toContain('request handled'); // the handlers did log these requests
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).not.toContain(secret.slice(0, 42));
  });
});

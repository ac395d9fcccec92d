import { parseEther } from 'viem';
import { ENROLLMENT_DATA_ID } from '../../lambdas/handlers/api/passkey-page/render-enrollment-page';
import { loadTransfer } from '../../lambdas/use-cases/transfers/load-transfer';
import { resumeWaitingTask } from '../../lambdas/use-cases/transfers/resume-waiting-task';
import { eventsAfter } from '../../lambdas/use-cases/transfers/transfer-events-builder';
import { SoftwareAuthenticator } from '../../local/passkeys/software-authenticator';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Passkey-signed approvals (issue 14, scope 5) over HTTP on the local stack. The group requires
 * passkeys; alice and bob enrol one each (a software authenticator stands in for their devices; the
 * Chromium flow is in the browser tests). A decision is a WebAuthn assertion over the digest of exactly
 * that decision on that transfer, checked when made and again by Authorize: a decision without one,
 * over another decision, or with another member's passkey is refused, and an approval written straight
 * into the approvals table (an insider, or a compromised function) never counts.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let admin: string;
let operator: string;
let walletId: string;
const devices = new Map<string, SoftwareAuthenticator>();

beforeAll(async () => {
  api = await startStackUnderTest();
  admin = await api.token('pk-admin', ['admin']);
  operator = await api.token('pk-ops', ['operator']);
  const group = await api.ok('POST', '/v1/approval-groups', admin, {
    name: 'passkey treasury',
    requirePasskeys: true,
    members: [
      { id: 'alice', name: 'Alice' },
      { id: 'bob', name: 'Bob' },
      { id: 'carol', name: 'Carol' },
    ],
  });
  expect(group.requirePasskeys).toBe(true);
  const wallet = await api.ok('POST', '/v1/wallets', admin, { name: 'passkeys', chainId: 31337, keyScheme: 'kms' });
  walletId = wallet.id as string;
  await api.ok('PUT', `/v1/wallets/${walletId}/policy`, admin, {
    rules: [
      {
        id: 'two-passkeys',
        match: {},
        action: { type: 'REQUIRE_APPROVAL', quorum: 2, approverGroup: group.id, timeoutSeconds: 600 },
      },
    ],
    limits: {},
  });
  await api.deposit(wallet as { id: string; address: string }, parseEther('3'), admin, 5);
  for (const member of ['alice', 'bob']) devices.set(member, await enrol(member));
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

/** Enrols a software authenticator for `member` through the enrollment link the outbox received. */
async function enrol(member: string): Promise<SoftwareAuthenticator> {
  const invited = await api.ok('POST', '/v1/passkeys/enrollments', admin, { memberId: member, memberName: member });
  const message = api.stack.outbox.list().find((m) => m.enrollmentId === invited.enrollmentId);
  const link = new URL(message?.link as string);
  const html = await (await fetch(link)).text();
  const data = JSON.parse(new RegExp(`id="${ENROLLMENT_DATA_ID}">([^<]*)</script>`).exec(html)?.[1] ?? '{}') as {
    publicKey: { challenge: string };
  };
  const device = new SoftwareAuthenticator();
  const response = device.register({ challenge: data.publicKey.challenge, origin: link.origin, rpId: link.hostname });
  await api.ok('POST', `/v1/passkeys/enroll/${invited.enrollmentId}`, admin, {
    t: link.searchParams.get('t'),
    response,
  });
  return device;
}

let keys = 0;
async function submitForApproval(): Promise<{ id: string; links: Map<string, URL> }> {
  const accepted = await api.ok(
    'POST',
    '/v1/transactions',
    operator,
    { walletId, to: RECIPIENT, asset: 'native', amount: parseEther('0.2').toString() },
    { 'idempotency-key': `pk-${Date.now()}-${++keys}` },
  );
  const view = await poll(async () => {
    const found = await api.ok('GET', `/v1/transactions/${accepted.id}`, operator);
    return typeof found.approvalRequestId === 'string' ? found : undefined;
  }, 'the approval request');
  const messages = await poll(async () => {
    const found = api.stack.outbox.list().filter((m) => m.approvalRequestId === view.approvalRequestId);
    return found.length >= 3 ? found : undefined;
  }, 'the approvers to be told');
  return { id: accepted.id as string, links: new Map(messages.map((m) => [m.to, new URL(m.link)])) };
}

/** The page's challenge for each decision, read from its buttons. */
async function challengesOf(link: URL): Promise<{ approve: string; reject: string; csp: string }> {
  const page = await fetch(link);
  const html = await page.text();
  const of = (decision: string) =>
    new RegExp(`value="${decision}" data-passkey-challenge="([A-Za-z0-9_-]+)"`).exec(html)?.[1] ?? '';
  return { approve: of('approve'), reject: of('reject'), csp: page.headers.get('content-security-policy') ?? '' };
}

/** Posts the page's form as the browser would, with an assertion (JSON text in the `assertion` field). */
function decide(link: URL, decision: 'approve' | 'reject', assertion?: unknown) {
  return fetch(new URL(link.pathname, link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      t: link.searchParams.get('t') as string,
      decision,
      ...(assertion === undefined ? {} : { assertion: JSON.stringify(assertion) }),
    }),
  });
}

const sign = (member: string, link: URL, challenge: string) =>
  (devices.get(member) as SoftwareAuthenticator).assert({ challenge, origin: link.origin, rpId: link.hostname });

const decisionsOf = async (id: string) => {
  const view = await api.ok('GET', `/v1/transactions/${id}`, operator);
  return (await api.stack.deps.approvals.decisions(view.approvalRequestId as string)).map((d) => d.approverId);
};

it('signs each decision with the member’s passkey, refuses every other decision, and completes', async () => {
  const { id, links } = await submitForApproval();
  const alice = links.get('alice') as URL;
  const bob = links.get('bob') as URL;
  const challenges = await challengesOf(alice);
  expect(challenges.approve).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(challenges.approve).not.toBe(challenges.reject);
  expect(challenges.csp).toMatch(/script-src 'nonce-/);

  const unsigned = await decide(alice, 'approve');
  expect(unsigned.status).toBe(403);
  expect(await unsigned.text()).toContain('PASSKEY.ASSERTION_REQUIRED');
  // A signature over the reject decision does not approve; bob's passkey does not sign for alice.
  expect((await decide(alice, 'approve', sign('alice', alice, challenges.reject))).status).toBe(403);
  expect((await decide(alice, 'approve', sign('bob', alice, challenges.approve))).status).toBe(403);
  // Carol has no passkey: she cannot decide at all.
  const carol = await decide(links.get('carol') as URL, 'approve', sign('alice', alice, challenges.approve));
  expect(carol.status).toBe(403);
  expect(await decisionsOf(id)).toEqual([]);

  const signed = sign('alice', alice, challenges.approve);
  expect((await decide(alice, 'approve', signed)).status).toBe(200);
  // The same signed decision again: alice has decided.
  expect((await decide(alice, 'approve', signed)).status).toBe(409);
  const bobs = await challengesOf(bob);
  // Every member signs the same digest (the same transfer, the same decision); the credential says who.
  expect(bobs.approve).toBe(challenges.approve);
  expect((await decide(bob, 'approve', sign('bob', bob, bobs.approve))).status).toBe(200);
  const done = await poll(async () => {
    const view = await api.ok('GET', `/v1/transactions/${id}`, operator);
    return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string) ? view : undefined;
  }, 'the transfer to end');
  expect(done.status).toBe('COMPLETED');
});

it('never counts an approval written straight into the approvals table, even with the workflow resumed', async () => {
  const { id, links } = await submitForApproval();
  const alice = links.get('alice') as URL;
  expect((await decide(alice, 'approve', sign('alice', alice, (await challengesOf(alice)).approve))).status).toBe(200);
  // An insider with the approvals table, the event stream and the workflow's callback: carol's approval
  // without an assertion, the quorum recorded and the workflow resumed. Authorize counts again.
  const { deps } = api.stack;
  const state = await loadTransfer(deps.events, id);
  const requestId = state.approvalRequestId as string;
  await deps.approvals.decide({ requestId, approverId: 'carol', decision: 'approve', at: new Date() });
  await deps.approvals.resolve({ requestId, outcome: 'APPROVED', at: new Date() });
  const granted = await deps.events.append(
    state,
    eventsAfter(state, 'insider', new Date(), [
      { type: 'APPROVAL_GRANTED', data: { approvalRequestId: requestId, approverIds: ['alice', 'carol'] } },
    ]),
  );
  await resumeWaitingTask(deps, granted, 'APPROVED');
  const ended = await poll(async () => {
    const view = await api.ok('GET', `/v1/transactions/${id}`, operator);
    return ['COMPLETED', 'REJECTED', 'FAILED'].includes(view.status as string) ? view : undefined;
  }, 'the transfer to end');
  // Refused at Authorize: nothing is signed, and the reserved funds are released.
  expect(ended.status).toBe('FAILED');
  expect(ended.failure).toMatchObject({ errorName: 'TransferHaltedError' });
  expect((ended.failure as { reason: string }).reason).toContain('not counted: carol: no-assertion');
  const balance = await api.ok('GET', `/v1/wallets/${walletId}`, admin);
  const native = (balance.balances as { asset: string; reserved: string }[]).find((b) => b.asset === 'native');
  expect(native?.reserved).toBe('0');
});

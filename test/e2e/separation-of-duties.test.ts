import { parseEther } from 'viem';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Separation of duties (issue 14, scope 2) over HTTP on the local stack, as an insider would try it:
 * an admin who is also in an approval group cannot approve a transfer, and an operator (or an AI
 * agent's API client) whose token names wallets acts on, and reads, those wallets only.
 */

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let admin: string;
let operator: string;
type Wallet = { id: string; address: string };
let walletA: Wallet;
let walletB: Wallet;
let groupId: string;

beforeAll(async () => {
  api = await startStackUnderTest();
  admin = await api.token('sod-admin', ['admin']);
  operator = await api.token('sod-ops', ['operator']);
  const group = await api.ok('POST', '/v1/approval-groups', admin, {
    name: 'sod treasury',
    requirePasskeys: false,
    members: [
      { id: 'sod-admin', name: 'The admin, listed by mistake (or on purpose)' },
      { id: 'sod-alice', name: 'Alice' },
    ],
  });
  groupId = group.id as string;
  walletA = (await api.ok('POST', '/v1/wallets', admin, {
    name: 'agent A',
    chainId: 31337,
    keyScheme: 'kms',
  })) as Wallet;
  walletB = (await api.ok('POST', '/v1/wallets', admin, {
    name: 'treasury B',
    chainId: 31337,
    keyScheme: 'kms',
  })) as Wallet;
  for (const wallet of [walletA, walletB]) {
    await api.ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, {
      rules: [
        {
          id: 'approve-everything',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: groupId, timeoutSeconds: 600 },
        },
      ],
      limits: {},
    });
    await api.deposit(wallet, parseEther('2'), admin, 2);
  }
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

let keys = 0;
const submit = (token: string, walletId: string) =>
  api.call('POST', '/v1/transactions', {
    token,
    body: { walletId, to: RECIPIENT, asset: 'native', amount: parseEther('0.1').toString() },
    headers: { 'idempotency-key': `sod-${Date.now()}-${++keys}` },
  });

async function approvalRequestOf(transferId: string, token: string): Promise<string> {
  const view = await poll(async () => {
    const found = await api.ok('GET', `/v1/transactions/${transferId}`, token);
    return typeof found.approvalRequestId === 'string' ? found : undefined;
  }, 'the approval request');
  return view.approvalRequestId as string;
}

describe('an admin never approves a transfer', () => {
  it('refuses an admin who is a member of the group, whatever other roles the token carries', async () => {
    const accepted = await api.ok(
      'POST',
      '/v1/transactions',
      operator,
      { walletId: walletA.id, to: RECIPIENT, asset: 'native', amount: parseEther('0.1').toString() },
      { 'idempotency-key': `sod-admin-${Date.now()}` },
    );
    const requestId = await approvalRequestOf(accepted.id as string, operator);

    const adminOnly = await api.call('POST', `/v1/approvals/${requestId}`, {
      token: admin,
      body: { decision: 'approve' },
    });
    expect(adminOnly.status).toBe(403);
    expect(adminOnly.body.error.code).toBe('AUTH.FORBIDDEN');

    const adminApprover = await api.token('sod-admin', ['admin', 'approver']);
    const both = await api.call('POST', `/v1/approvals/${requestId}`, {
      token: adminApprover,
      body: { decision: 'approve' },
    });
    expect(both.status).toBe(403);
    expect(both.body.error.code).toBe('APPROVAL.ADMIN_CANNOT_APPROVE');

    const request = await api.ok('GET', `/v1/approvals/${requestId}`, admin);
    expect(request.decisions).toEqual([]);

    // Alice, an approver and not an admin, still decides.
    const alice = await api.token('sod-alice', ['approver']);
    const decided = await api.ok('POST', `/v1/approvals/${requestId}`, alice, { decision: 'approve' });
    expect(decided.outcome).toBe('APPROVED');
  });
});

describe('a token scoped to named wallets', () => {
  let agent: string;
  let otherTransfer: string;

  beforeAll(async () => {
    agent = await api.token('sod-agent', ['operator'], [walletA.id]);
    const accepted = await submit(operator, walletB.id);
    expect(accepted.status).toBe(202);
    otherTransfer = accepted.body.id as string;
  });

  it('submits on its wallet and is refused on any other, before anything is reserved', async () => {
    const own = await submit(agent, walletA.id);
    expect(own.status).toBe(202);
    const before = await api.ok('GET', `/v1/wallets/${walletB.id}`, admin);
    const other = await submit(agent, walletB.id);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('AUTH.WALLET_NOT_IN_SCOPE');
    expect(other.body.error.details.walletId).toBe(walletB.id);
    expect(await api.ok('GET', `/v1/wallets/${walletB.id}`, admin)).toEqual(before);
  });

  it('reads only its wallets and their transfers', async () => {
    const listed = await api.ok('GET', '/v1/wallets', agent);
    expect((listed.items as { id: string }[]).map((w) => w.id)).toEqual([walletA.id]);
    expect((await api.call('GET', `/v1/wallets/${walletA.id}`, { token: agent })).status).toBe(200);
    for (const [method, path] of [
      ['GET', `/v1/wallets/${walletB.id}`],
      ['GET', `/v1/transactions/${otherTransfer}`],
      ['GET', `/v1/transactions?walletId=${walletB.id}`],
      ['GET', '/v1/transactions?status=PENDING_AUTHORIZATION'],
    ] as const) {
      const refused = await api.call(method, path, { token: agent });
      expect({ path, status: refused.status, code: refused.body.error?.code }).toEqual({
        path,
        status: 403,
        code: 'AUTH.WALLET_NOT_IN_SCOPE',
      });
    }
    expect((await api.call('GET', `/v1/transactions?walletId=${walletA.id}`, { token: agent })).status).toBe(200);
  });

  it('cannot cancel, freeze or change another wallet, nor create one', async () => {
    const scopedAdmin = await api.token('sod-scoped-admin', ['admin'], [walletA.id]);
    const attempts = [
      await api.call('POST', `/v1/transactions/${otherTransfer}/cancel`, { token: agent, body: {} }),
      await api.call('POST', `/v1/wallets/${walletB.id}/freeze`, { token: agent, body: { reason: 'not mine' } }),
      await api.call('PUT', `/v1/wallets/${walletB.id}/policy`, {
        token: scopedAdmin,
        body: { rules: [], limits: {} },
      }),
      await api.call('POST', '/v1/wallets', {
        token: scopedAdmin,
        body: { name: 'more', chainId: 31337, keyScheme: 'kms' },
      }),
    ];
    expect(attempts.map((a) => [a.status, a.body.error?.code])).toEqual(
      attempts.map(() => [403, 'AUTH.WALLET_NOT_IN_SCOPE']),
    );
    const other = await api.ok('GET', `/v1/transactions/${otherTransfer}`, operator);
    expect(other.cancelRequested).toBeUndefined();
    expect((await api.ok('GET', `/v1/wallets/${walletB.id}`, admin)).status).toBe('ACTIVE');
  });

  it('reads no audit trail and no reconciliation exception beyond its wallets, and resolves none', async () => {
    const scopedAuditor = await api.token('sod-scoped-auditor', ['auditor'], [walletA.id]);
    const scopedAdmin = await api.token('sod-scoped-admin-2', ['admin'], [walletA.id]);
    const trace = (await api.ok('GET', `/v1/transactions/${otherTransfer}`, operator)).traceId as string;
    const refused = [
      await api.call('GET', `/v1/audit/${trace}`, { token: scopedAuditor }),
      await api.call('GET', '/v1/reconciliation/exceptions', { token: scopedAuditor }),
      await api.call('GET', `/v1/reconciliation/exceptions?walletId=${walletB.id}`, { token: scopedAuditor }),
      await api.call('POST', '/v1/reconciliation/exceptions/rx-1/resolve', {
        token: scopedAdmin,
        body: { reason: 'not mine' },
      }),
    ];
    expect(refused.map((a) => [a.status, a.body.error?.code])).toEqual(
      refused.map(() => [403, 'AUTH.WALLET_NOT_IN_SCOPE']),
    );
    // Its own wallet's exceptions it may list.
    expect(
      (await api.call('GET', `/v1/reconciliation/exceptions?walletId=${walletA.id}`, { token: scopedAuditor })).status,
    ).toBe(200);
  });
});

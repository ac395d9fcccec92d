import { parseEther } from 'viem';
import { startStackUnderTest, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

/**
 * Governance (issue 14, scopes 1 and 4) over HTTP on the local stack, as an insider would try it: one
 * admin alone tries to relax a policy to allow everything, to add themselves to an approval group and
 * to unfreeze a frozen wallet. Each becomes a change request that needs two other governance members,
 * then a time-lock (3 s here; 24 h by default) during which one veto stops it. Tightening applies at
 * once. The tests run in order: set-up before bootstrap, then the insider's attempts.
 */

const TIME_LOCK_SECONDS = 3;
const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
let api: StackUnderTest;
let insider: string; // an admin, and a governance member
let gov2: string;
let gov3: string;
let gov4: string;
let operator: string;
let groupId: string;
let walletId: string;
let frozenWalletId: string;

beforeAll(async () => {
  api = await startStackUnderTest({ governanceTimeLockSeconds: TIME_LOCK_SECONDS });
  insider = await api.token('gov-insider', ['admin']);
  gov2 = await api.token('gov-2', ['auditor']);
  gov3 = await api.token('gov-3', ['admin']);
  gov4 = await api.token('gov-4', ['approver']);
  operator = await api.token('gov-ops', ['operator']);
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

const ALLOW_EVERYTHING = { rules: [{ id: 'anything', match: {}, action: { type: 'ALLOW' } }], limits: {} };
const approvalPolicy = (perTransaction: bigint) => ({
  rules: [
    {
      id: 'two-eyes',
      match: {},
      action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: groupId, timeoutSeconds: 600 },
    },
  ],
  limits: { perAsset: { native: { perTransaction: perTransaction.toString() } } },
  escalation: { medium: 'FREEZE' },
});

const change = (id: string) => api.ok('GET', `/v1/governance/changes/${id}`, gov2);
const decide = (token: string, id: string, decision: 'approve' | 'veto', reason?: string) =>
  api.call('POST', `/v1/governance/changes/${id}`, { token, body: { decision, ...(reason ? { reason } : {}) } });
const policyVersion = async (id: string) => (await api.ok('GET', `/v1/wallets/${id}`, insider)).policyVersion;

it('applies changes at once before governance exists, and says so', async () => {
  expect(await api.ok('GET', '/v1/governance', gov2)).toEqual({ bootstrapped: false });
  const group = await api.ok('POST', '/v1/approval-groups', insider, {
    name: 'treasury',
    members: [
      { id: 'alice', name: 'Alice' },
      { id: 'bob', name: 'Bob' },
    ],
  });
  groupId = group.id as string;
  for (const name of ['treasury', 'frozen']) {
    const wallet = await api.ok('POST', '/v1/wallets', insider, { name, chainId: 31337, keyScheme: 'kms' });
    const set = await api.call('PUT', `/v1/wallets/${wallet.id}/policy`, {
      token: insider,
      body: approvalPolicy(parseEther('1')),
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ version: 1, governance: 'NOT_BOOTSTRAPPED' });
    if (name === 'treasury') walletId = wallet.id as string;
    else frozenWalletId = wallet.id as string;
  }
});

it('bootstraps the governance group once; a second bootstrap is refused', async () => {
  const invalid = await api.call('POST', '/v1/governance/bootstrap', {
    token: insider,
    body: { members: [{ id: 'solo', name: 'Solo' }], quorum: 1 },
  });
  expect(invalid.status).toBe(400);
  const members = [
    { id: 'gov-insider', name: 'The insider' },
    { id: 'gov-2', name: 'Second' },
    { id: 'gov-3', name: 'Third' },
    { id: 'gov-4', name: 'Fourth' },
  ];
  // Tokens here (governance-passkeys.test.ts and the browser test decide with passkeys, the default).
  const first = await api.call('POST', '/v1/governance/bootstrap', {
    token: insider,
    body: { members, quorum: 2, requirePasskeys: false },
  });
  expect(first.status).toBe(201);
  const again = await api.call('POST', '/v1/governance/bootstrap', {
    token: gov3,
    body: {
      members: [
        { id: 'gov-3', name: 'Me' },
        { id: 'x', name: 'X' },
      ],
      quorum: 1,
    },
  });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('GOVERNANCE.ALREADY_BOOTSTRAPPED');
  expect(await api.ok('GET', '/v1/governance', gov2)).toMatchObject({
    bootstrapped: true,
    quorum: 2,
    version: 1,
    requirePasskeys: false,
  });
});

it('applies a tightening at once: a lower limit, a removed member', async () => {
  const lower = await api.call('PUT', `/v1/wallets/${walletId}/policy`, {
    token: insider,
    body: approvalPolicy(parseEther('0.5')),
  });
  expect(lower.status).toBe(200);
  expect(lower.body).toMatchObject({ version: 2, governance: 'TIGHTENING' });
  const removed = await api.call('PUT', `/v1/approval-groups/${groupId}/members`, {
    token: insider,
    body: { members: [{ id: 'alice', name: 'Alice' }] },
  });
  expect(removed.status).toBe(200);
  expect(removed.body).toMatchObject({ version: 2, governance: 'TIGHTENING', members: [{ id: 'alice' }] });
});

it('holds an allow-everything policy for two other members and the time-lock; the proposer never counts', async () => {
  const proposed = await api.call('PUT', `/v1/wallets/${walletId}/policy`, {
    token: insider,
    body: { ...ALLOW_EVERYTHING, reason: 'speed up payouts' },
  });
  expect(proposed.status).toBe(202);
  expect(proposed.body).toMatchObject({ status: 'PENDING_GOVERNANCE', action: { kind: 'SET_POLICY' } });
  expect(proposed.body.weakening.length).toBeGreaterThan(0);
  const id = proposed.body.id as string;
  expect(await policyVersion(walletId)).toBe(2);

  const own = await decide(insider, id, 'approve');
  expect([own.status, own.body.error.code]).toEqual([403, 'GOVERNANCE.PROPOSER_CANNOT_APPROVE']);
  const outsider = await decide(operator, id, 'approve');
  expect([outsider.status, outsider.body.error.code]).toEqual([403, 'GOVERNANCE.NOT_A_MEMBER']);

  expect((await decide(gov2, id, 'approve')).status).toBe(200);
  expect((await change(id)).status).toBe('PENDING_GOVERNANCE');
  const twice = await decide(gov2, id, 'approve');
  expect([twice.status, twice.body.error.code]).toEqual([409, 'GOVERNANCE.DUPLICATE_DECISION']);
  const locked = await decide(gov3, id, 'approve');
  expect(locked.status).toBe(200);
  expect(locked.body.status).toBe('TIME_LOCKED');
  const effectiveAt = new Date(locked.body.effectiveAt as string).getTime();
  expect(effectiveAt - new Date(locked.body.quorumAt as string).getTime()).toBe(TIME_LOCK_SECONDS * 1000);

  // During the time-lock nothing has changed: a transfer still needs an approver.
  expect(await policyVersion(walletId)).toBe(2);
  const applied = await poll(async () => {
    const now = await change(id);
    return now.status === 'APPLIED' ? now : undefined;
  }, 'the change to apply after its time-lock');
  expect(new Date(applied.appliedAt as string).getTime()).toBeGreaterThanOrEqual(effectiveAt);
  expect(await policyVersion(walletId)).toBe(3);
  const trail = await api.ok('GET', `/v1/audit/change.${id}`, gov2);
  expect((trail.records as { action: string }[]).map((r) => r.action)).toEqual([
    'GOVERNANCE_CHANGE_PROPOSED',
    'GOVERNANCE_CHANGE_APPROVED',
    'GOVERNANCE_CHANGE_APPROVED',
    'GOVERNANCE_CHANGE_APPLIED',
  ]);
});

it('lets one member veto a change during its time-lock: it never applies', async () => {
  const proposed = await api.ok('PUT', `/v1/wallets/${frozenWalletId}/policy`, insider, {
    ...approvalPolicy(parseEther('100')),
    reason: 'a higher limit',
  });
  expect(proposed.status).toBe('PENDING_GOVERNANCE');
  const id = proposed.id as string;
  await decide(gov2, id, 'approve');
  expect((await decide(gov3, id, 'approve')).body.status).toBe('TIME_LOCKED');
  const vetoed = await decide(gov4, id, 'veto', 'the limit is too high');
  expect(vetoed.status).toBe(200);
  expect(vetoed.body).toMatchObject({ status: 'VETOED', vetoedBy: { memberId: 'gov-4' } });
  await new Promise((resolve) => setTimeout(resolve, TIME_LOCK_SECONDS * 1000 + 1_000));
  expect((await change(id)).status).toBe('VETOED');
  expect(await policyVersion(frozenWalletId)).toBe(1);
});

it('lets members decide from the links the notifier sent them: reading decides nothing, a wrong link nothing', async () => {
  const proposed = await api.ok('PUT', `/v1/wallets/${frozenWalletId}/policy`, insider, {
    ...approvalPolicy(parseEther('50')),
    reason: 'a higher limit, by link',
  });
  const id = proposed.id as string;
  const sent = api.stack.outbox.list().filter((m) => m.changeId === id);
  expect(sent.map((m) => m.to).sort()).toEqual(['gov-2', 'gov-3', 'gov-4', 'gov-insider']);
  const link = (member: string) => new URL(sent.find((m) => m.to === member)?.link as string);
  const path = `/v1/governance/changes/${id}/decide`;
  expect(link('gov-2').pathname).toBe(path);

  const wrong = await api.call('GET', `${path}?t=${'x'.repeat(43)}`);
  expect(wrong.status).toBe(403);
  const page = await api.call('GET', `${path}${link('gov-2').search}`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('SET_POLICY of');
  expect(page.body).toContain('>Approve</button>');
  const proposerPage = await api.call('GET', `${path}${link('gov-insider').search}`);
  expect(proposerPage.body).not.toContain('>Approve</button>');
  expect(proposerPage.body).toContain('>Veto</button>');
  expect((await change(id)).approvals).toEqual([]);

  const secret = (member: string) => link(member).searchParams.get('t') as string;
  expect((await api.call('POST', path, { body: { decision: 'approve' } })).body.error).toMatchObject({
    code: 'REQUEST.MISSING_FIELD',
    details: { field: 't' },
  });
  const forged = await api.call('POST', path, { body: { t: 'y'.repeat(43), decision: 'approve' } });
  expect([forged.status, forged.body.error?.code]).toEqual([403, 'GOVERNANCE.LINK_INVALID']);
  const byLink = await api.call('POST', path, { body: { t: secret('gov-2'), decision: 'approve' } });
  expect(byLink.status).toBe(200);
  expect(byLink.body.approvals).toMatchObject([{ memberId: 'gov-2' }]);
  const vetoed = await api.call('POST', path, {
    rawBody: new URLSearchParams({ t: secret('gov-4'), decision: 'veto', reason: '' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(vetoed.status).toBe(200);
  expect(vetoed.body).toContain('Your veto is recorded');
  expect(await change(id)).toMatchObject({ status: 'VETOED', vetoedBy: { memberId: 'gov-4' } });
  const again = await api.call('GET', `${path}${link('gov-3').search}`);
  expect(again.status).toBe(409);
  expect(await policyVersion(frozenWalletId)).toBe(1);
});

it('makes adding a member to an approval group a change in which the added member never counts', async () => {
  const members = [
    { id: 'alice', name: 'Alice' },
    { id: 'gov-insider', name: 'The insider' },
  ];
  const own = await api.call('PUT', `/v1/approval-groups/${groupId}/members`, {
    token: insider,
    body: { members, reason: 'cover for holidays' },
  });
  expect(own.status).toBe(202);
  const self = await decide(insider, own.body.id as string, 'approve');
  expect([self.status, self.body.error.code]).toEqual([403, 'GOVERNANCE.PROPOSER_CANNOT_APPROVE']);
  // Proposed by another admin, the insider is still the member it adds: their vote never counts.
  const byOther = await api.call('PUT', `/v1/approval-groups/${groupId}/members`, {
    token: gov3,
    body: { members, reason: 'cover for holidays' },
  });
  expect(byOther.status).toBe(202);
  expect(byOther.body.excludedMemberIds).toEqual(expect.arrayContaining(['gov-3', 'gov-insider']));
  const added = await decide(insider, byOther.body.id as string, 'approve');
  expect([added.status, added.body.error.code]).toEqual([403, 'GOVERNANCE.ADDED_MEMBER_CANNOT_APPROVE']);
  expect((await api.ok('GET', `/v1/approval-groups/${groupId}`, insider)).members).toEqual([
    { id: 'alice', name: 'Alice' },
  ]);
});

it('makes unfreezing a change request; freezing applies at once', async () => {
  const frozen = await api.call('POST', `/v1/wallets/${frozenWalletId}/freeze`, {
    token: operator,
    body: { reason: 'suspicious activity' },
  });
  expect(frozen.status).toBe(200);
  const unfreeze = await api.call('POST', `/v1/wallets/${frozenWalletId}/unfreeze`, {
    token: insider,
    body: { reason: 'false alarm' },
  });
  expect(unfreeze.status).toBe(202);
  expect(unfreeze.body).toMatchObject({ status: 'PENDING_GOVERNANCE', action: { kind: 'UNFREEZE_WALLET' } });
  expect((await api.ok('GET', `/v1/wallets/${frozenWalletId}`, insider)).status).toBe('FROZEN');
  const submit = await api.call('POST', '/v1/transactions', {
    token: operator,
    body: { walletId: frozenWalletId, to: RECIPIENT, asset: 'native', amount: '1' },
    headers: { 'idempotency-key': `gov-frozen-${Date.now()}` },
  });
  expect([submit.status, submit.body.error.code]).toEqual([422, 'WALLET.NOT_ACTIVE']);
});

it('makes replacing the governance group itself a governance change', async () => {
  const replaced = await api.call('PUT', '/v1/governance', {
    token: insider,
    body: {
      members: [
        { id: 'gov-insider', name: 'The insider' },
        { id: 'sock-puppet', name: 'Also the insider' },
      ],
      quorum: 1,
      reason: 'fewer meetings',
    },
  });
  expect(replaced.status).toBe(202);
  expect(replaced.body.excludedMemberIds).toEqual(expect.arrayContaining(['gov-insider', 'sock-puppet']));
  expect(await api.ok('GET', '/v1/governance', gov2)).toMatchObject({ quorum: 2, version: 1 });
  const listed = await api.ok('GET', '/v1/governance/changes?status=PENDING_GOVERNANCE', gov2);
  expect((listed.items as { id: string }[]).map((c) => c.id)).toContain(replaced.body.id);
});

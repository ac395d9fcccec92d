import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, http, parseEther, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startStackUnderTest, type ApiBody, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

// A restart with a data directory, over HTTP: a transfer waiting for approval when the stack stops
// is resumed by the next stack on the same data, approved there and completed; the wallet, its
// group and policy are still there; the ledger agrees with the chain.

const CHAIN_ID = 31337;
const AMOUNT = parseEther('0.5');
const FUNDING = parseEther('2');
const TERMINAL = ['COMPLETED', 'REJECTED', 'FAILED', 'EXPIRED', 'CANCELLED'];
const recipient = privateKeyToAccount(generatePrivateKey()).address;

let dataDir: string;
let sut: StackUnderTest | undefined;
// The first run's in-memory execution, still waiting for its callback after stop() (a real restart would have killed it).
let orphan: { readonly stack: StackUnderTest; readonly transferId: string; readonly token: string } | undefined;

async function ok(
  stack: StackUnderTest,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<ApiBody> {
  const answer = await stack.call(method, path, {
    token,
    ...(body === undefined ? {} : { body }),
    ...(headers === undefined ? {} : { headers }),
  });
  if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const chainOf = (stack: StackUnderTest) =>
  ({
    id: CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [stack.stack.anvil.rpcUrl] } },
  }) as const;
const nativeOf = (wallet: ApiBody): ApiBody =>
  (wallet.balances as { asset: string }[]).find((b) => b.asset === 'native');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strongroom-e2e-restart-'));
});

afterAll(async () => {
  // Only if the test failed before stopping the first runtime: its waiting execution would hold the process open.
  if (orphan !== undefined)
    await orphan.stack.stack.engine.sendTaskFailure(orphan.token, 'RuntimeRestarted', '{}').catch(() => undefined);
  await sut?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

it('a transfer waiting for approval survives a restart on the same data directory and completes once approved', async () => {
  // The first run: wallet, group, a policy that wants one approval, a deposit, a submit.
  const first = await startStackUnderTest({ dataDir });
  sut = first;
  const admin = await first.token('restart-admin', ['admin']);
  const operator = await first.token('restart-operator', ['operator']);
  const created = await ok(first, 'POST', '/v1/wallets', admin, {
    name: 'restart e2e',
    chainId: CHAIN_ID,
    keyScheme: 'kms',
  });
  const walletId = created.id as string;
  const walletAddress = created.address as Address;
  const group = await ok(first, 'POST', '/v1/approval-groups', admin, {
    name: 'restart approvers',
    requirePasskeys: false,
    members: [
      { id: 'restart-alice', name: 'Alice' },
      { id: 'restart-bob', name: 'Bob' },
    ],
  });
  const policy = await ok(first, 'PUT', `/v1/wallets/${walletId}/policy`, admin, {
    rules: [
      {
        id: 'one-approval',
        match: { assets: ['native'] },
        action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: group.id, timeoutSeconds: 3600 },
      },
    ],
    limits: {},
  });

  const funder = createWalletClient({
    account: privateKeyToAccount(first.stack.anvil.accounts[3]!.privateKey as Hex),
    chain: chainOf(first),
    transport: http(first.stack.anvil.rpcUrl),
  });
  const fundHash = await funder.sendTransaction({ to: walletAddress, value: FUNDING });
  await createPublicClient({
    chain: chainOf(first),
    transport: http(first.stack.anvil.rpcUrl),
  }).waitForTransactionReceipt({ hash: fundHash });
  await poll(
    async () =>
      BigInt(nativeOf(await ok(first, 'GET', `/v1/wallets/${walletId}`, admin)).available) === FUNDING
        ? true
        : undefined,
    'the deposit to be credited',
  );

  const accepted = await ok(
    first,
    'POST',
    '/v1/transactions',
    operator,
    { walletId, to: recipient, asset: 'native', amount: AMOUNT.toString() },
    { 'idempotency-key': 'restart-transfer-0001' },
  );
  const transferId = accepted.id as string;
  const waiting = await poll(async () => {
    const view = await ok(first, 'GET', `/v1/transactions/${transferId}`, operator);
    return view.status === 'PENDING_AUTHORIZATION' && typeof view.approvalRequestId === 'string'
      ? view
      : TERMINAL.includes(view.status)
        ? view
        : undefined;
  }, 'the transfer to wait for approval');
  expect(waiting.status).toBe('PENDING_AUTHORIZATION');
  const requestId = waiting.approvalRequestId as string;
  const walletBefore = await ok(first, 'GET', `/v1/wallets/${walletId}`, admin);
  const groupBefore = await ok(first, 'GET', `/v1/approval-groups/${group.id as string}`, admin);
  const reservedBefore = nativeOf(walletBefore);
  expect(BigInt(reservedBefore.reserved)).toBeGreaterThan(AMOUNT);

  orphan = { stack: first, transferId, token: await first.stack.deps.approvals.callbackToken(requestId) };
  await first.stop();
  sut = undefined;

  // The second run on the same data: every token is minted anew.
  const second = await startStackUnderTest({ dataDir });
  sut = second;
  expect(second.stack.resumed).toContain(transferId);
  const admin2 = await second.token('restart-admin', ['admin']);
  const operator2 = await second.token('restart-operator', ['operator']);
  const auditor2 = await second.token('restart-auditor', ['auditor']);
  const alice2 = await second.token('restart-alice', ['approver']);
  // A token of the first run is void: its key died with it.
  expect((await second.call('GET', `/v1/wallets/${walletId}`, { token: admin })).status).toBe(401);

  // The wallet, its group and its policy survived.
  const walletAfter = await ok(second, 'GET', `/v1/wallets/${walletId}`, admin2);
  expect(walletAfter).toMatchObject({
    id: walletId,
    address: walletAddress,
    status: 'ACTIVE',
    policyVersion: policy.version,
    policy: walletBefore.policy,
  });
  expect(nativeOf(walletAfter)).toEqual(reservedBefore);
  expect(await ok(second, 'GET', `/v1/approval-groups/${group.id as string}`, admin2)).toEqual(groupBefore);
  expect((await ok(second, 'GET', '/v1/wallets', admin2)).items.map((w: { id: string }) => w.id)).toEqual([walletId]);
  expect(await ok(second, 'GET', `/v1/transactions/${transferId}`, operator2)).toMatchObject({
    status: 'PENDING_AUTHORIZATION',
    approvalRequestId: requestId,
  });

  // Approved through the API of the new run: the resumed workflow takes it to COMPLETED.
  const decided = await second.call('POST', `/v1/approvals/${requestId}`, {
    token: alice2,
    body: { decision: 'approve', comment: 'after the restart' },
  });
  expect(decided.status).toBe(200);
  const done = await poll(async () => {
    const view = await ok(second, 'GET', `/v1/transactions/${transferId}`, operator2);
    return TERMINAL.includes(view.status) ? view : undefined;
  }, 'the transfer to finish');
  expect(done).toMatchObject({ status: 'COMPLETED', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });

  // Balances: settled, nothing reserved or in flight, the same as the chain.
  const publicClient = createPublicClient({ chain: chainOf(second), transport: http(second.stack.anvil.rpcUrl) });
  const settled = await poll(async () => {
    const b = nativeOf(await ok(second, 'GET', `/v1/wallets/${walletId}`, admin2));
    return b.reserved === '0' && b.pendingOut === '0' && b.pendingIn === '0' ? b : undefined;
  }, 'the wallet to settle');
  const onChain = await publicClient.getBalance({ address: walletAddress });
  expect({ settled: BigInt(settled.settled), available: BigInt(settled.available) }).toEqual({
    settled: onChain,
    available: onChain,
  });
  expect(onChain).toBe(FUNDING - AMOUNT - BigInt(done.fee as string));
  expect(await publicClient.getBalance({ address: recipient })).toBe(AMOUNT);

  // The audit trail spans both runs and still verifies.
  const trail = await poll(async () => {
    const t = await ok(second, 'GET', `/v1/audit/${accepted.traceId as string}`, auditor2);
    return t.checkpointId !== undefined && t.records.some((r: { action: string }) => r.action === 'SETTLED_COMPLETED')
      ? t
      : undefined;
  }, 'a checkpoint covering the finished trail');
  expect(trail.verified).toBe(true);
  const actions = trail.records.map((r: { action: string; actor: string }) => `${r.action} by ${r.actor}`);
  expect(actions).toEqual(
    expect.arrayContaining(['TRANSFER_SUBMITTED by restart-operator', 'APPROVAL_APPROVE by restart-alice']),
  );

  // The first run's execution was stopped with its runtime: its token is refused, the transfer is as the second run left it.
  const dead = orphan;
  orphan = undefined;
  expect(dead.stack.stack.engine.describe(dead.transferId)?.status).toBe('FAILED');
  await expect(dead.stack.stack.engine.sendTaskFailure(dead.token, 'RuntimeRestarted', '{}')).rejects.toMatchObject({
    details: { reason: 'TaskDoesNotExist' },
  });
  expect((await ok(second, 'GET', `/v1/transactions/${transferId}`, operator2)).status).toBe('COMPLETED');
  expect(nativeOf(await ok(second, 'GET', `/v1/wallets/${walletId}`, admin2))).toEqual(settled);
}, 420_000);

import { createPublicClient, createWalletClient, http, parseEther, parseGwei, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startStackUnderTest, type ApiBody, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

// Many requests against one balance, over HTTP against the whole local stack: the ledger reserves
// atomically, so exactly as many transfers as the balance covers are accepted and the rest are
// refused with nothing written; afterwards the ledger agrees with the chain to the wei.

const CHAIN_ID = 31337;
const AMOUNT = parseEther('0.01');
// 21 000 gas × the chain's fee ceiling (200 gwei): what a native transfer reserves on top of its amount.
const FEE_ALLOWANCE = 21_000n * parseGwei('200');
const COVERED = 10;
const SUBMITS = 30;
const FUNDING = BigInt(COVERED) * (AMOUNT + FEE_ALLOWANCE);
const TERMINAL = ['COMPLETED', 'REJECTED', 'FAILED', 'EXPIRED', 'CANCELLED'];

let sut: StackUnderTest;
let admin: string;
let operator: string;
let walletId: string;
let walletAddress: Address;
// A fresh address: what it holds afterwards is exactly what the stack sent it.
const recipient = privateKeyToAccount(generatePrivateKey()).address;
let publicClient: ReturnType<typeof createPublicClient>;

async function ok(method: string, path: string, token: string, body?: unknown): Promise<ApiBody> {
  const answer = await sut.call(method, path, { token, ...(body === undefined ? {} : { body }) });
  if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const nativeBalances = async (): Promise<ApiBody> =>
  (await ok('GET', `/v1/wallets/${walletId}`, admin)).balances.find((b: { asset: string }) => b.asset === 'native');
const submit = (key: string, amount: bigint = AMOUNT) =>
  sut.call('POST', '/v1/transactions', {
    token: operator,
    headers: { 'idempotency-key': key },
    body: { walletId, to: recipient, asset: 'native', amount: amount.toString() },
  });
const finished = (id: string): Promise<ApiBody> =>
  poll(async () => {
    const view = await ok('GET', `/v1/transactions/${id}`, operator);
    return TERMINAL.includes(view.status) ? view : undefined;
  }, `transfer ${id} to finish`);

/** Settled, nothing reserved or in flight, and equal to what the chain says the address holds. */
async function expectLedgerMatchesChain(): Promise<bigint> {
  const native = await poll(async () => {
    const b = await nativeBalances();
    return b.reserved === '0' && b.pendingOut === '0' && b.pendingIn === '0' ? b : undefined;
  }, 'the wallet to settle');
  const onChain = await publicClient.getBalance({ address: walletAddress });
  expect({ settled: BigInt(native.settled), available: BigInt(native.available) }).toEqual({
    settled: onChain,
    available: onChain,
  });
  return onChain;
}

beforeAll(async () => {
  sut = await startStackUnderTest();
  admin = await sut.token('conc-admin', ['admin']);
  operator = await sut.token('conc-operator', ['operator']);
  const wallet = await ok('POST', '/v1/wallets', admin, {
    name: 'concurrency e2e',
    chainId: CHAIN_ID,
    keyScheme: 'kms',
  });
  walletId = wallet.id;
  walletAddress = wallet.address;
  await ok('PUT', `/v1/wallets/${walletId}/policy`, admin, {
    rules: [
      {
        id: 'allow-small-eth',
        match: { assets: ['native'], amount: { max: AMOUNT.toString() } },
        action: { type: 'ALLOW' },
      },
    ],
    limits: {},
  });

  const chain = {
    id: CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [sut.stack.anvil.rpcUrl] } },
  } as const;
  publicClient = createPublicClient({ chain, transport: http(sut.stack.anvil.rpcUrl) });
  const funder = createWalletClient({
    account: privateKeyToAccount(sut.stack.anvil.accounts[2]!.privateKey as Hex),
    chain,
    transport: http(sut.stack.anvil.rpcUrl),
  });
  const hash = await funder.sendTransaction({ to: walletAddress, value: FUNDING });
  await publicClient.waitForTransactionReceipt({ hash });
  const credited = await poll(async () => {
    const b = await nativeBalances();
    return b.pendingIn === '0' && BigInt(b.available) > 0n ? b : undefined;
  }, 'the deposit to be credited');
  expect(BigInt(credited.available)).toBe(FUNDING);
}, 240_000);

afterAll(async () => {
  await sut?.stop();
}, 60_000);

it(`${SUBMITS} concurrent submits against a balance for ${COVERED}: ${COVERED} accepted, the rest 422, all accepted ones complete, ledger = chain`, async () => {
  const answers = await Promise.all(
    Array.from({ length: SUBMITS }, (_, i) => submit(`concurrent-${String(i).padStart(3, '0')}`)),
  );

  const accepted = answers.filter((a) => a.status === 202);
  const refused = answers.filter((a) => a.status !== 202);
  expect(answers.map((a) => a.status).sort()).toEqual([
    ...Array<number>(COVERED).fill(202),
    ...Array<number>(SUBMITS - COVERED).fill(422),
  ]);
  for (const a of refused) {
    expect(a.body).toEqual({
      error: {
        code: 'LEDGER.INSUFFICIENT_FUNDS',
        message: expect.any(String),
        details: expect.any(Object),
        traceId: a.headers.get('x-strongroom-trace-id'),
      },
    });
  }
  const ids = accepted.map((a) => a.body.id as string);
  expect(new Set(ids).size).toBe(COVERED);

  // Everything is reserved, nothing more: available never went below zero.
  const reservedNow = await nativeBalances();
  expect(BigInt(reservedNow.available)).toBeGreaterThanOrEqual(0n);
  expect(BigInt(reservedNow.available) + BigInt(reservedNow.reserved) + BigInt(reservedNow.pendingOut)).toBe(
    BigInt(reservedNow.settled),
  );

  const views = await Promise.all(ids.map(finished));
  expect(views.map((v) => [v.id, v.status])).toEqual(ids.map((id) => [id, 'COMPLETED']));
  expect(new Set(views.map((v) => v.txHash)).size).toBe(COVERED);

  // The refused requests wrote nothing: the wallet lists exactly the accepted transfers.
  const listed = await ok('GET', `/v1/transactions?walletId=${walletId}&limit=100`, operator);
  expect((listed.items as { id: string }[]).map((t) => t.id).sort()).toEqual([...ids].sort());

  const onChain = await expectLedgerMatchesChain();
  const fees = views.reduce((sum, v) => sum + BigInt(v.fee as string), 0n);
  expect(fees).toBeGreaterThan(0n);
  expect(onChain).toBe(FUNDING - BigInt(COVERED) * AMOUNT - fees);
  expect(await publicClient.getBalance({ address: recipient })).toBe(BigInt(COVERED) * AMOUNT);
}, 300_000);

it('the same Idempotency-Key and body twice is one transfer; the same key with another body is 409 IDEMPOTENCY.KEY_REUSED', async () => {
  const first = await submit('idempotent-0001', 1_000n);
  expect(first.status).toBe(202);
  const again = await submit('idempotent-0001', 1_000n);
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ id: first.body.id, traceId: first.body.traceId });

  const reused = await submit('idempotent-0001', 2_000n);
  expect(reused.status).toBe(409);
  expect(reused.body).toEqual({
    error: {
      code: 'IDEMPOTENCY.KEY_REUSED',
      message: expect.any(String),
      details: expect.any(Object),
      traceId: reused.headers.get('x-strongroom-trace-id'),
    },
  });

  const done = await finished(first.body.id as string);
  expect(done.status).toBe('COMPLETED');
  // Still one transfer for that key, and the ledger agrees with the chain.
  const listed = await ok('GET', `/v1/transactions?walletId=${walletId}&limit=100`, operator);
  expect((listed.items as { id: string }[]).filter((t) => t.id === first.body.id)).toHaveLength(1);
  expect(listed.items).toHaveLength(COVERED + 1);
  await expectLedgerMatchesChain();
  expect(await publicClient.getBalance({ address: recipient })).toBe(BigInt(COVERED) * AMOUNT + 1_000n);
}, 240_000);

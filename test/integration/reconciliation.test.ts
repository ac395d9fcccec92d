import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  getContractAddress,
  http,
  parseEther,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { StaticChainRegistry } from '../../lambdas/adapters/chain/static-chain-registry';
import { ViemChainGateway } from '../../lambdas/adapters/chain/viem-chain-gateway';
import { RecordingAlarmSink } from '../../lambdas/adapters/alarms/recording-alarm-sink';
import type { Principal, Role } from '../../lambdas/domain/principal';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import type { ApiLambdaHandler } from '../../lambdas/handlers/api/http/api-handler';
import { watchDepositsFunction } from '../../lambdas/handlers/scheduled/watch-deposits';
import { reconcileBalancesFunction } from '../../lambdas/handlers/scheduled/reconcile-balances';
import { reconciliationFunction } from '../../lambdas/handlers/api/reconciliation';
import { listExceptions } from '../../lambdas/use-cases/reconciliation/list-exceptions';
import { submitTransfer } from '../../lambdas/use-cases/transfers/submit-transfer';
import { scannedThrough, watchDeposits } from '../../lambdas/use-cases/watch-deposits';
import { createDevTokenIssuer, type DevTokenIssuer } from '../../local/dev-tokens';
import { apiGatewayEvent, lambdaContext } from '../support/api-gateway-event';
import { reorg } from '../support/anvil';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack';
import { deployTestToken } from '../support/test-token';
import { MemoryCursorStore } from '../support/reconciliation-fakes';

// Issue 10, Why 3: funds leave a custody address behind the stack's back (an allowance pulled with
// transferFrom, a transaction signed with the custody key outside the workflow, a balance changed on
// the node): the watcher or the reconciliation finds it, the books follow the chain, the wallet is
// frozen, and the exception queue shows it.

const OPERATOR: Principal = { id: 'ops-1', roles: ['operator'] };
const OUTSIDER: Address = '0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199';
// The registry token's deployer: a fresh key, so the token's address is known before the stack starts.
const deployer = privateKeyToAccount(generatePrivateKey());
const LUSD = getContractAddress({ from: deployer.address, nonce: 0n });
const alarms = new RecordingAlarmSink();

let stack: WorkflowStack;
let issuer: DevTokenIssuer;
let api: ApiLambdaHandler;
let watchChain: typeof watchDepositsFunction.handler;
let reconcile: typeof reconcileBalancesFunction.handler;
let keys = 0;

beforeAll(async () => {
  stack = await startWorkflowStack({
    provide: ({ config }) => ({
      alarms,
      chains: new StaticChainRegistry([
        new ViemChainGateway({ ...config, tokens: [{ address: LUSD, symbol: 'LUSD', decimals: 18 }] }),
      ]),
    }),
  });
  await stack.chain.testClient.setBalance({ address: deployer.address, value: parseEther('10') });
  const deployed = await deployTestToken(walletClientOf(deployer), stack.chain.publicClient, {
    initialSupply: 10n ** 27n,
    name: 'Local USD',
    symbol: 'LUSD',
  });
  if (deployed.toLowerCase() !== LUSD.toLowerCase()) throw new Error('the registry token is not where expected');
  issuer = await createDevTokenIssuer({ issuer: 'strongroom-test', audience: 'strongroom-api' });
  Object.assign(process.env, issuer.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
  // Built through their factories over the stack's composer, once the environment (auth configuration) is set.
  const { composer } = stack;
  api = reconciliationFunction.create(await composer.compose(reconciliationFunction.manifest));
  watchChain = watchDepositsFunction.create(await composer.compose(watchDepositsFunction.manifest));
  reconcile = reconcileBalancesFunction.create(await composer.compose(reconcileBalancesFunction.manifest));
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

const walletClientOf = (account: PrivateKeyAccount) =>
  createWalletClient({ account, chain: stack.chain.chain, transport: http(stack.chain.rpcUrl) });

/** Runs the chain watcher until it has scanned the head. */
async function watchToHead(): Promise<void> {
  const head = await stack.chain.publicClient.getBlockNumber({ cacheTime: 0 });
  for (let pass = 0; pass < 20; pass++) {
    await watchChain();
    const scanned = await scannedThrough(stack.deps.cursors, stack.chain.chain.id);
    if (scanned !== undefined && scanned.block >= head) return;
  }
  throw new Error('the watcher did not reach the head');
}

/** A second scanner over the same stores with a cursor of its own: it scans every block again. */
async function rescanFromStart(): Promise<{ explained: number; unexplained: readonly unknown[] }> {
  const { deps } = stack;
  const chain = deps.chains.get(stack.chain.chain.id);
  const cursors = new MemoryCursorStore();
  const head = await chain.headBlockNumber();
  let explained = 0;
  const unexplained: unknown[] = [];
  for (let pass = 0; pass < 20; pass++) {
    const report = await watchDeposits({
      chain,
      cursors,
      ledger: deps.ledger,
      custodyAddresses: () => deps.wallets.addressesOnChain(chain.config.chainId),
      outflows: deps,
      clock: deps.clock,
    });
    explained += report.outflows.explained;
    unexplained.push(...report.outflows.unexplained);
    if ((report.scanned?.toBlock ?? -1n) >= head) return { explained, unexplained };
  }
  throw new Error('the second scanner did not reach the head');
}

/** Submits a transfer through the workflow and waits for its end; its final status. */
async function completed(body: Record<string, unknown>): Promise<string | undefined> {
  const { id } = await submitTransfer(stack.deps, {
    principal: OPERATOR,
    idempotencyKey: `reconciliation-${++keys}-${Date.now()}`,
    body,
    traceId: `trace-${keys}`,
  });
  const execution = await stack.engine.waitForCompletion(id, 90_000);
  if (execution.status !== 'SUCCEEDED') {
    const events = (await stack.deps.events.read(id)).map(
      (e) => `${e.type} ${JSON.stringify(e.data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
    );
    throw new Error(`execution ${execution.status}: ${execution.error} ${execution.cause}\n${events.join('\n')}`);
  }
  return (await stack.deps.events.load(id))?.status;
}

async function mined(hash: Hex): Promise<void> {
  const receipt = await stack.chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
}

const lusdOf = (address: Address): Promise<bigint> =>
  stack.chain.publicClient.readContract({ address: LUSD, abi: erc20Abi, functionName: 'balanceOf', args: [address] });

const exceptionsOf = async (walletId: string) =>
  (await listExceptions(stack.deps, { walletId, page: { limit: 100 } })).items;

async function walletWithPolicy(name: string, policy: object): Promise<Wallet> {
  const wallet = await stack.createWallet(name);
  await stack.setPolicy(wallet, policy);
  await stack.fund(wallet, 'native', parseEther('20'));
  return wallet;
}

async function send(route: string, token: string | null, options: { id?: string; query?: object; body?: string }) {
  const [method = 'GET', resource = '/'] = route.split(' ');
  const path = resource.replace('{id}', options.id ?? '');
  const result = (await api(
    apiGatewayEvent({
      httpMethod: method,
      resource,
      path,
      pathParameters: options.id === undefined ? null : { id: options.id },
      queryStringParameters: (options.query as Record<string, string> | undefined) ?? null,
      headers: {
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: options.body ?? null,
    }),
    lambdaContext(),
  )) as APIGatewayProxyResult;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are inspected field by field
  return { status: result.statusCode, body: JSON.parse(result.body) as any };
}

const mint = (sub: string, ...roles: Role[]) => issuer.mint({ sub, roles });

describe('unexplained outflows and reconciliation on anvil and DynamoDB Local', () => {
  let pulledWallet: Wallet;

  it('detects a spender pulling an allowance with transferFrom: booked, wallet frozen, ledger = chain, listed', async () => {
    const spender = privateKeyToAccount(generatePrivateKey());
    const wallet = await walletWithPolicy('allowance', {
      rules: [
        { id: 'lusd', match: { assets: [LUSD] }, action: { type: 'ALLOW' } },
        {
          id: 'spender',
          match: { operations: ['approve'], allowance: { spenders: [spender.address], maxAllowance: '1000' } },
          action: { type: 'ALLOW' },
        },
      ],
      limits: {},
    });
    pulledWallet = wallet;
    // 1 000 LUSD reach the wallet on chain; the watcher credits them as a deposit.
    await mined(
      await walletClientOf(deployer).writeContract({
        address: LUSD,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [wallet.address, 1_000n],
      }),
    );
    await watchToHead();
    expect((await stack.deps.ledger.balances(wallet.id, LUSD)).settled).toBe(1_000n);

    // A token transfer and approve(spender, 100), both through the real workflow: our own transactions
    // (the Transfer log, the fees) are explained and change nothing on the books.
    expect(await completed({ walletId: wallet.id, to: OUTSIDER, asset: LUSD, amount: '50' })).toBe('COMPLETED');
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender.address, 100n] });
    expect(await completed({ walletId: wallet.id, to: LUSD, asset: 'native', amount: '0', data: approve })).toBe(
      'COMPLETED',
    );
    await watchToHead();
    expect(await exceptionsOf(wallet.id)).toEqual([]);
    expect((await stack.deps.ledger.balances(wallet.id, LUSD)).settled).toBe(950n);

    // The spender pulls directly on anvil.
    await stack.chain.testClient.setBalance({ address: spender.address, value: parseEther('1') });
    const pull = await walletClientOf(spender).writeContract({
      address: LUSD,
      abi: erc20Abi,
      functionName: 'transferFrom',
      args: [wallet.address, spender.address, 100n],
      chain: stack.chain.chain,
    });
    await mined(pull);
    await watchToHead();

    expect((await stack.deps.wallets.get(wallet.id))?.status).toBe('FROZEN');
    const ledger = await stack.deps.ledger.balances(wallet.id, LUSD);
    expect(ledger.settled).toBe(850n);
    expect(await lusdOf(wallet.address)).toBe(ledger.settled);
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).settled).toBe(
      await stack.chain.publicClient.getBalance({ address: wallet.address }),
    );
    const exceptions = await exceptionsOf(wallet.id);
    expect(exceptions).toEqual([
      expect.objectContaining({
        kind: 'UNEXPLAINED_OUTFLOW',
        status: 'open',
        asset: LUSD,
        booking: expect.objectContaining({ booked: true }),
        evidence: expect.objectContaining({
          txHash: pull,
          amount: 100n,
          from: wallet.address,
          to: spender.address,
          txFrom: spender.address,
          logIndex: expect.any(Number),
          blockNumber: expect.any(BigInt),
          blockHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        }),
      }),
    ]);
    expect(alarms.list()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'UNEXPLAINED_OUTFLOW', walletId: wallet.id, exceptionId: exceptions[0]?.id }),
      ]),
    );
    // A frozen wallet takes no new transfers.
    await expect(
      submitTransfer(stack.deps, {
        principal: OPERATOR,
        idempotencyKey: `reconciliation-after-${++keys}`,
        body: { walletId: wallet.id, to: OUTSIDER, asset: 'native', amount: '1' },
        traceId: `trace-after-${keys}`,
      }),
    ).rejects.toMatchObject({ code: 'WALLET.NOT_ACTIVE' });

    // Scanning the same blocks again (a scanner without a cursor starts over) books nothing twice.
    const rescan = await rescanFromStart();
    expect(rescan.unexplained).toEqual([]);
    expect(rescan.explained).toBeGreaterThan(0);
    expect(await exceptionsOf(wallet.id)).toHaveLength(1);
    expect((await stack.deps.ledger.balances(wallet.id, LUSD)).settled).toBe(850n);

    // The books match the chain again: the reconciliation finds nothing for this wallet.
    await reconcile();
    expect(await exceptionsOf(wallet.id)).toHaveLength(1);
  }, 180_000);

  it('detects a native transfer signed with the custody key outside the workflow: value and fee booked, frozen', async () => {
    const wallet = await walletWithPolicy('side-door', { rules: [], limits: {} });
    await watchToHead();
    await stack.chain.testClient.impersonateAccount({ address: wallet.address });
    const hash = await stack.chain.testClient.sendUnsignedTransaction({
      from: wallet.address,
      to: OUTSIDER,
      value: parseEther('1'),
    });
    await stack.chain.testClient.stopImpersonatingAccount({ address: wallet.address });
    await mined(hash);
    await watchToHead();

    const onChain = await stack.chain.publicClient.getBalance({ address: wallet.address });
    expect(onChain).toBeLessThan(parseEther('19'));
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).settled).toBe(onChain);
    expect((await stack.deps.wallets.get(wallet.id))?.status).toBe('FROZEN');
    expect(await exceptionsOf(wallet.id)).toEqual([
      expect.objectContaining({
        kind: 'UNEXPLAINED_OUTFLOW',
        asset: 'native',
        evidence: expect.objectContaining({
          txHash: hash,
          amount: parseEther('20') - onChain,
          from: wallet.address,
          to: OUTSIDER,
          txFrom: wallet.address,
        }),
      }),
    ]);
  }, 120_000);

  it('records a mismatch the watcher cannot see (a balance changed on the node) once per state, nothing when books match', async () => {
    const wallet = await walletWithPolicy('drained', { rules: [], limits: {} });
    const matching = await walletWithPolicy('matching', { rules: [], limits: {} });
    await stack.chain.testClient.setBalance({ address: wallet.address, value: parseEther('19') });
    await stack.chain.testClient.mine({ blocks: 1 });
    await watchToHead();
    await reconcile();
    await reconcile(); // the same block again
    await stack.chain.testClient.mine({ blocks: 1 });
    await watchToHead();
    await reconcile(); // a later block, the same discrepancy

    const exceptions = await exceptionsOf(wallet.id);
    expect(exceptions).toEqual([
      expect.objectContaining({
        kind: 'BALANCE_MISMATCH',
        status: 'open',
        asset: 'native',
        chainBalance: parseEther('19'),
        ledger: expect.objectContaining({ settled: parseEther('20') }),
        expected: { min: parseEther('20'), max: parseEther('20') },
        difference: -parseEther('1'),
      }),
    ]);
    expect(await exceptionsOf(matching.id)).toEqual([]);
    expect((await stack.deps.wallets.get(wallet.id))?.status).toBe('ACTIVE');
    expect(alarms.list().filter((a) => a.walletId === wallet.id)).toEqual([
      expect.objectContaining({ kind: 'BALANCE_MISMATCH', exceptionId: exceptions[0]?.id }),
    ]);
  }, 120_000);

  it('serves the queue: auditor lists, operator is refused, admin resolves with a reason once', async () => {
    const [auditor, operator, admin] = await Promise.all([
      mint('auditor-1', 'auditor'),
      mint('operator-1', 'operator'),
      mint('admin-1', 'admin'),
    ]);
    const listed = await send('GET /v1/reconciliation/exceptions', auditor, {
      query: { walletId: pulledWallet.id, status: 'open' },
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    const [exception] = listed.body.items;
    expect(exception).toMatchObject({ kind: 'UNEXPLAINED_OUTFLOW', status: 'open', evidence: { amount: '100' } });

    expect((await send('GET /v1/reconciliation/exceptions', operator, {})).status).toBe(403);
    const resolveRoute = 'POST /v1/reconciliation/exceptions/{id}/resolve';
    expect((await send(resolveRoute, auditor, { id: exception.id, body: '{"reason":"x"}' })).status).toBe(403);
    const bad = await send(resolveRoute, admin, { id: exception.id, body: '{"reason":42}' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('reason');

    const resolved = await send(resolveRoute, admin, {
      id: exception.id,
      body: JSON.stringify({ reason: 'allowance revoked; spender was our market maker, repaid off-chain' }),
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      id: exception.id,
      status: 'resolved',
      resolution: { resolvedBy: 'admin-1' },
    });
    const again = await send(resolveRoute, admin, { id: exception.id, body: '{"reason":"twice"}' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('RECONCILIATION.ALREADY_RESOLVED');

    const open = await send('GET /v1/reconciliation/exceptions', admin, {
      query: { walletId: pulledWallet.id, status: 'open' },
    });
    expect(open.body.items).toEqual([]);
    const done = await send('GET /v1/reconciliation/exceptions', auditor, { query: { status: 'resolved' } });
    expect(done.body.items.map((e: { id: string }) => e.id)).toEqual([exception.id]);
    const trail = await stack.deps.audit.trail(`reconciliation.${exception.id}`);
    expect(trail.records.map((r) => [r.actor, r.action])).toEqual([['admin-1', 'RECONCILIATION_EXCEPTION_RESOLVED']]);
  }, 60_000);

  // Last in this file: it rewrites the chain's newest block.
  it('books an outflow whose block is reorged away once: the books stay, the reconciliation reports the chain above them; re-mined elsewhere, nothing is booked twice', async () => {
    const spender = privateKeyToAccount(generatePrivateKey());
    const wallet = await walletWithPolicy('reorged', {
      rules: [
        {
          id: 'spender',
          match: { operations: ['approve'], allowance: { spenders: [spender.address], maxAllowance: '1000' } },
          action: { type: 'ALLOW' },
        },
      ],
      limits: {},
    });
    await mined(
      await walletClientOf(deployer).writeContract({
        address: LUSD,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [wallet.address, 1_000n],
      }),
    );
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender.address, 100n] });
    expect(await completed({ walletId: wallet.id, to: LUSD, asset: 'native', amount: '0', data: approve })).toBe(
      'COMPLETED',
    );
    await watchToHead();

    // The spender's pull, signed once, so that the very same transaction can be mined again later.
    await stack.chain.testClient.setBalance({ address: spender.address, value: parseEther('1') });
    const client = walletClientOf(spender);
    const raw = await client.signTransaction(
      await client.prepareTransactionRequest({
        to: LUSD,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: 'transferFrom',
          args: [wallet.address, spender.address, 100n],
        }),
      }),
    );
    const pull = await stack.chain.publicClient.sendRawTransaction({ serializedTransaction: raw });
    await mined(pull);
    await watchToHead();
    expect((await stack.deps.ledger.balances(wallet.id, LUSD)).settled).toBe(900n);
    expect(await exceptionsOf(wallet.id)).toHaveLength(1);

    // The pull's block is replaced by an empty one: the pull is undone on chain, not in the books.
    await reorg(stack.chain, 1);
    expect(await lusdOf(wallet.address)).toBe(1_000n);
    await watchToHead();
    expect((await stack.deps.ledger.balances(wallet.id, LUSD)).settled).toBe(900n);
    await reconcile();
    const afterReorg = await exceptionsOf(wallet.id);
    expect(afterReorg.map((e) => e.kind).sort()).toEqual(['BALANCE_MISMATCH', 'UNEXPLAINED_OUTFLOW']);
    expect(afterReorg.find((e) => e.kind === 'BALANCE_MISMATCH')).toMatchObject({ asset: LUSD, difference: 100n });

    // The same transaction mined again in another block is the same outflow: booked once, books = chain.
    await mined(await stack.chain.publicClient.sendRawTransaction({ serializedTransaction: raw }));
    await watchToHead();
    expect(await lusdOf(wallet.address)).toBe(900n);
    expect((await stack.deps.ledger.balances(wallet.id, LUSD)).settled).toBe(900n);
    await reconcile();
    expect(await exceptionsOf(wallet.id)).toHaveLength(2);
  }, 120_000);
});

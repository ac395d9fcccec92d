import { encodeFunctionData, erc20Abi, getAddress, parseEther, type Address } from 'viem';
import type { TransferState } from '../../lambdas/domain/lifecycle/transfer-state';
import type { Principal } from '../../lambdas/domain/principal';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import { cancelTransfer } from '../../lambdas/use-cases/transfers/cancel-transfer';
import { submitTransfer } from '../../lambdas/use-cases/transfers/submit-transfer';
import { deployTestToken } from '../support/test-token';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack';

// Issue 10's ledger-side controls through the whole workflow (ASL + task handlers + DynamoDB Local +
// anvil), with a clock the tests can move forward: velocity windows, allowances as exposure, cooldown.

const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const OPERATOR: Principal = { id: 'ops-1', roles: ['operator'] };
const HOUR = 3_600_000;

let stack: WorkflowStack;
let keys = 0;
/** How far the stack's clock runs ahead of the real one. */
let clockOffsetMs = 0;

beforeAll(async () => {
  stack = await startWorkflowStack({ provide: () => ({ clock: () => new Date(Date.now() + clockOffsetMs) }) });
  await stack.createGroup('treasury', ['alice', 'bob', 'ops-1']);
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

beforeEach(() => {
  clockOffsetMs = 0;
});

async function submit(walletId: string, body: Record<string, unknown>): Promise<string> {
  const submitted = await submitTransfer(stack.deps, {
    principal: OPERATOR,
    idempotencyKey: `controls-${++keys}-${Date.now()}`,
    body: { walletId, ...body },
    traceId: `trace-controls-${keys}`,
  });
  return submitted.id;
}

async function load(transferId: string): Promise<TransferState> {
  const state = await stack.deps.events.load(transferId);
  if (state === undefined) throw new Error(`no transfer ${transferId}`);
  return state;
}

async function until(transferId: string, done: (state: TransferState) => boolean): Promise<TransferState> {
  for (let i = 0; i < 1_200; i++) {
    const state = await load(transferId);
    if (done(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`transfer ${transferId} never reached the expected state`);
}

async function finished(transferId: string): Promise<TransferState> {
  const execution = await stack.engine.waitForCompletion(transferId, 120_000);
  if (execution.status !== 'SUCCEEDED')
    throw new Error(`execution ${execution.status}: ${execution.error} ${execution.cause}`);
  return load(transferId);
}

const decided = (id: string): Promise<TransferState> => until(id, (s) => s.policy !== undefined);

/** Ends a transfer the policy held: cancelled while it waits for approval. */
async function cancelHeld(state: TransferState): Promise<void> {
  if (state.policy?.action !== 'REQUIRE_APPROVAL') return;
  await until(state.id, (s) => s.approvalRequestId !== undefined);
  await cancelTransfer(stack.deps, { principal: OPERATOR, transferId: state.id });
  expect((await finished(state.id)).status).toBe('CANCELLED');
}

async function walletWith(name: string, policy: object): Promise<Wallet> {
  const wallet = await stack.createWallet(name);
  await stack.setPolicy(wallet, policy);
  await stack.fund(wallet, 'native', parseEther('20'));
  return wallet;
}

const APPROVAL = { quorum: 1, approverGroup: 'treasury', timeoutSeconds: 600 };

describe('custody controls through the workflow', () => {
  it('a reservation parked in approval and cancelled a day later opens no room: 4 × 0.4 under 1 ETH/day, two pass (issue 10, Why 1)', async () => {
    const wallet = await walletWith('loophole', {
      rules: [
        { id: 'small', match: { amount: { max: parseEther('0.5').toString() } }, action: { type: 'ALLOW' } },
        {
          id: 'large',
          match: { amount: { min: (parseEther('0.5') + 1n).toString() } },
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: 'treasury', timeoutSeconds: 3 * 24 * 3600 },
        },
      ],
      limits: { perAsset: { native: { daily: parseEther('1').toString() } }, approval: APPROVAL },
    });
    const parked = await decided(
      await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.9').toString() }),
    );
    expect(parked.policy?.action).toBe('REQUIRE_APPROVAL');
    await until(parked.id, (s) => s.approvalRequestId !== undefined);
    // About 24 h later (by the stack's clock) the parked transfer is cancelled: its 0.9 is released.
    clockOffsetMs = 24 * HOUR + 60_000;
    await cancelTransfer(stack.deps, { principal: OPERATOR, transferId: parked.id });
    expect((await finished(parked.id)).status).toBe('CANCELLED');
    const small: TransferState[] = [];
    for (let i = 0; i < 4; i++) {
      clockOffsetMs += 60_000;
      small.push(
        await decided(
          await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.4').toString() }),
        ),
      );
    }
    expect(small.map((s) => s.policy?.action)).toEqual(['ALLOW', 'ALLOW', 'REQUIRE_APPROVAL', 'REQUIRE_APPROVAL']);
    expect(small[2]?.policy?.reason).toMatch(/DAILY/);
    for (const s of small.slice(0, 2)) expect((await finished(s.id)).status).toBe('COMPLETED');
    for (const s of small.slice(2)) await cancelHeld(s);
  }, 240_000);

  it('an approve counts at the allowance it grants: under 100 a day, re-granting 100 is held, lowering to 40 passes, and approve(spender, 100) after the spender pulled is held by the daily limit (issue 10, Why 2)', async () => {
    const token = getAddress(
      await deployTestToken(stack.chain.walletClient(0), stack.chain.publicClient, { initialSupply: 10n ** 24n }),
    );
    const spender = stack.chain.accounts[3]!.address;
    const wallet = await walletWith('allowances', {
      rules: [{ id: 'approvals', match: { operations: ['approve'] }, action: { type: 'ALLOW' } }],
      limits: { perAsset: { [token]: { daily: '100' } }, approval: APPROVAL },
    });
    const funding = await stack.chain
      .walletClient(0)
      .writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [wallet.address, 1_000n] });
    await stack.chain.publicClient.waitForTransactionReceipt({ hash: funding });
    await stack.fund(wallet, token, 1_000n);
    const approve = (amount: bigint) =>
      submit(wallet.id, {
        to: token,
        asset: 'native',
        amount: '0',
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] }),
      });
    const allowance = () =>
      stack.chain.publicClient.readContract({
        address: token,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [wallet.address, spender],
      });
    const first = await finished(await approve(100n));
    expect(first).toMatchObject({ status: 'COMPLETED', exposure: 100n, reserved: { asset: token, amount: 0n } });
    expect(await allowance()).toBe(100n);
    // Re-granting the same 100 counts in full (the spender may pull it first): 100 + 100 is over the day.
    const again = await decided(await approve(100n));
    expect(again.exposure).toBe(100n);
    expect(again.policy?.action).toBe('REQUIRE_APPROVAL');
    expect(again.policy?.reason).toMatch(/DAILY/);
    await cancelHeld(again);
    // Lowering the allowance exposes nothing new: it counts 0 and passes.
    expect(await finished(await approve(40n))).toMatchObject({ status: 'COMPLETED', exposure: 0n });
    expect(await allowance()).toBe(40n);
    // The spender pulls its 40 (directly on chain): a new approve(spender, 100) grants 100 more.
    const pull = await stack.chain.walletClient(3).writeContract({
      address: token,
      abi: erc20Abi,
      functionName: 'transferFrom',
      args: [wallet.address, spender, 40n],
    });
    await stack.chain.publicClient.waitForTransactionReceipt({ hash: pull });
    expect(await allowance()).toBe(0n);
    const second = await decided(await approve(100n));
    expect(second.exposure).toBe(100n);
    expect(second.policy?.action).toBe('REQUIRE_APPROVAL');
    expect(second.policy?.reason).toMatch(/DAILY/);
    await cancelHeld(second);
    expect(await allowance()).toBe(0n);
  }, 240_000);

  it('16 concurrent submits under a 3600 s cooldown and no previous transfer: exactly one passes (issue 10, Why 4)', async () => {
    const wallet = await walletWith('cooldown-burst', {
      rules: [{ id: 'all', match: {}, action: { type: 'ALLOW' } }],
      limits: { cooldownSeconds: 3600, approval: APPROVAL },
    });
    const ids = await Promise.all(
      Array.from({ length: 16 }, () => submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '1000' })),
    );
    const states = await Promise.all(ids.map(decided));
    const allowed = states.filter((s) => s.policy?.action === 'ALLOW');
    const held = states.filter((s) => s.policy?.action !== 'ALLOW');
    expect(allowed).toHaveLength(1);
    expect(held).toHaveLength(15);
    for (const s of held) expect(s.policy?.reason).toMatch(/COOLDOWN/);
    expect((await finished(allowed[0]!.id)).status).toBe('COMPLETED');
    for (const s of held) await cancelHeld(s);
  }, 240_000);
});

import { parseEther, type Address } from 'viem';
import type { TransferState } from '../../lambdas/domain/lifecycle/transfer-state';
import type { Principal } from '../../lambdas/domain/principal';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import { submitTransfer } from '../../lambdas/use-cases/transfers/submit-transfer';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack';

// Issue 11's budget, as counts (never timings): one auto-approved transfer, from submit to COMPLETED
// through the ASL and the task handlers, makes at most 20 DynamoDB requests, at most 12 of them writes
// (19 and 9 when this was written).

const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const OPERATOR: Principal = { id: 'ops-1', roles: ['operator'] };
const WRITES = new Set(['TransactWriteItemsCommand', 'PutItemCommand', 'UpdateItemCommand', 'BatchWriteItemCommand']);

const commands: string[] = [];
let stack: WorkflowStack;
let keys = 0;

beforeAll(async () => {
  stack = await startWorkflowStack({ provide: () => ({ onDynamoDbCommand: (name) => commands.push(name) }) });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function fundedWallet(limits: object): Promise<Wallet> {
  const wallet = await stack.createWallet('counted');
  await stack.setPolicy(wallet, {
    rules: [{ id: 'small', match: { amount: { max: parseEther('1').toString() } }, action: { type: 'ALLOW' } }],
    limits,
  });
  await stack.fund(wallet, 'native', parseEther('20'));
  return wallet;
}

/** Submits one transfer and runs it to its end; the DynamoDB requests sent meanwhile, by command. */
async function counted(wallet: Wallet): Promise<{ state: TransferState; sent: string[] }> {
  const from = commands.length;
  const { id } = await submitTransfer(stack.deps, {
    principal: OPERATOR,
    idempotencyKey: `count-key-${++keys}`,
    body: { walletId: wallet.id, to: RECIPIENT, asset: 'native', amount: parseEther('0.1').toString() },
    traceId: `trace-count-${keys}`,
  });
  const execution = await stack.engine.waitForCompletion(id, 60_000);
  if (execution.status !== 'SUCCEEDED') throw new Error(`execution ${execution.status}: ${execution.error}`);
  const sent = commands.slice(from);
  const state = await stack.deps.events.load(id);
  if (state === undefined) throw new Error(`no transfer ${id}`);
  return { state, sent };
}

const summary = (sent: readonly string[]): Record<string, number> =>
  Object.fromEntries([...new Set(sent)].sort().map((name) => [name, sent.filter((c) => c === name).length]));

describe('DynamoDB requests of one auto-approved transfer through the workflow', () => {
  it('at most 20 requests and 12 writes with a policy that has no rolling limit', async () => {
    const wallet = await fundedWallet({});
    await counted(wallet); // the wallet's first transfer
    const { state, sent } = await counted(wallet);
    expect(state.status).toBe('COMPLETED');
    const writes = sent.filter((c) => WRITES.has(c));
    // The commands are in the failure message, so an excess names its cause.
    expect({ total: sent.length, byCommand: summary(sent) }).toMatchObject({ total: sent.length });
    if (sent.length > 20) throw new Error(`${sent.length} requests: ${JSON.stringify(summary(sent))}`);
    expect(sent.length).toBeLessThanOrEqual(20);
    expect(writes.length).toBeLessThanOrEqual(12);
    // One transaction per step that writes: submit, Screen, EvaluatePolicy, Prepare (its nonce included),
    // Authorize, Sign (two: SIGNING_REQUESTED is recorded before the key is called), Broadcast, Settle.
    expect(writes.every((c) => c === 'TransactWriteItemsCommand')).toBe(true);
  }, 120_000);

  it('a daily limit adds only the velocity reads, within the same budget of writes', async () => {
    await stack.createGroup('counted-approvers', ['alice', 'bob']);
    const wallet = await fundedWallet({
      perAsset: { native: { daily: parseEther('5').toString() } },
      approval: { quorum: 1, approverGroup: 'counted-approvers', timeoutSeconds: 600 },
    });
    await counted(wallet);
    const { state, sent } = await counted(wallet);
    expect(state.status).toBe('COMPLETED');
    expect(sent.filter((c) => WRITES.has(c)).length).toBeLessThanOrEqual(12);
    // The velocity reads come on top: the account's counters at each window's start (three Queries). The
    // rest is known from the snapshot the submit recorded (no release in the month, the previous reservation).
    expect(sent.length).toBeLessThanOrEqual(20 + 3);
  }, 120_000);
});

import { DynamoApprovalGroupStore } from '../../lambdas/adapters/dynamodb/dynamo-approval-group-store';
import { encodeFunctionData, erc20Abi, getAddress, parseEther, type Address } from 'viem';
import { StaticChainRegistry } from '../../lambdas/adapters/chain/static-chain-registry';
import { ViemChainGateway } from '../../lambdas/adapters/chain/viem-chain-gateway';
import { DependencyUnavailableError, SigningError } from '../../lambdas/domain/errors';
import type { TransferState } from '../../lambdas/domain/lifecycle/transfer-state';
import type { Principal } from '../../lambdas/domain/principal';
import type { Wallet } from '../../lambdas/domain/wallets/wallet';
import type { ChainGateway } from '../../lambdas/ports/chain';
import type { KeyVault } from '../../lambdas/ports/key-vault';
import { cancelTransfer } from '../../lambdas/use-cases/transfers/cancel-transfer';
import { decideApproval } from '../../lambdas/use-cases/transfers/decide-approval';
import { expireApprovals } from '../../lambdas/use-cases/transfers/expire-approvals';
import { submitTransfer } from '../../lambdas/use-cases/transfers/submit-transfer';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack';
import { deployTestToken } from '../support/test-token';

const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const MIXER: Address = '0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199';
const OPERATOR: Principal = { id: 'ops-1', roles: ['operator'] };
const approver = (id: string): Principal => ({ id, roles: ['approver'] });
const ONE = parseEther('1');

// Switches the tests flip to make one dependency misbehave for one wallet or transfer.
const faults = {
  /** Custody key ids whose next addressOf fails with KEY.DISABLED (before any signing attempt). */
  failKeyOnce: new Set<string>(),
  /** Wallet addresses whose broadcasts reach the node but whose responses are lost. */
  loseBroadcastResponses: new Set<string>(),
  /** Transfers whose Authorize output is tampered with on the way to Sign. */
  tamper: new Map<string, 'remove' | 'alter'>(),
};

let stack: WorkflowStack;
let keys = 0;

beforeAll(async () => {
  stack = await startWorkflowStack({
    provide: ({ vault, config }) => ({
      keyVault: flakyVault(vault),
      chains: new StaticChainRegistry([lossyGateway(new ViemChainGateway(config, { retryCount: 0 }))]),
    }),
    wrapHandlers: {
      AuthorizeFunctionArn: (authorize) => async (event: unknown) => {
        const result = (await authorize(event)) as { proof: { transaction: { value: string } } };
        const mode = faults.tamper.get((event as { transferId: string }).transferId);
        if (mode === 'remove') return { ...result, proof: null };
        if (mode === 'alter')
          return {
            ...result,
            proof: {
              ...result.proof,
              transaction: {
                ...result.proof.transaction,
                value: (BigInt(result.proof.transaction.value) * 2n).toString(),
              },
            },
          };
        return result;
      },
    },
  });
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

function flakyVault(vault: KeyVault): KeyVault {
  return {
    createKey: (request) => vault.createKey(request),
    signDigest: (keyId, digest, purpose) => vault.signDigest(keyId, digest, purpose),
    addressOf: async (keyId) => {
      if (faults.failKeyOnce.delete(keyId)) throw new SigningError('KEY.DISABLED', 'the key is disabled (test)');
      return vault.addressOf(keyId);
    },
  };
}

function lossyGateway(inner: ChainGateway): ChainGateway {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'broadcast') return Reflect.get(target, property, receiver) as unknown;
      return async (raw: `0x${string}`) => {
        const result = await target.broadcast(raw);
        if (faults.loseBroadcastResponses.has(result.from.toLowerCase()))
          throw new DependencyUnavailableError('CHAIN.UNAVAILABLE', 'the node did not answer in time (test)');
        return result;
      };
    },
  });
}

async function submit(
  walletId: string,
  body: Record<string, unknown>,
  principal: Principal = OPERATOR,
): Promise<string> {
  const submitted = await submitTransfer(stack.deps, {
    principal,
    idempotencyKey: `key-${++keys}-${Date.now()}`,
    body: { walletId, ...body },
    traceId: `trace-${keys}`,
  });
  return submitted.id;
}

async function finished(transferId: string): Promise<TransferState> {
  const execution = await stack.engine.waitForCompletion(transferId, 90_000);
  if (execution.status !== 'SUCCEEDED')
    throw new Error(`execution ${execution.status}: ${execution.error} ${execution.cause}`);
  return load(transferId);
}

async function load(transferId: string): Promise<TransferState> {
  const state = await stack.deps.events.load(transferId);
  if (state === undefined) throw new Error(`no transfer ${transferId}`);
  return state;
}

async function until(transferId: string, done: (state: TransferState) => boolean): Promise<TransferState> {
  for (let i = 0; i < 600; i++) {
    const state = await load(transferId);
    if (done(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`transfer ${transferId} never reached the expected state`);
}

const eventTypes = async (transferId: string): Promise<string[]> =>
  (await stack.deps.events.read(transferId)).map((e) => e.type);

/** The policy of most tests: a blocked mixer, small transfers allowed, large ones need 2 of the treasury. */
const POLICY = {
  rules: [
    { id: 'no-mixer', match: { counterparty: { type: 'allowlist', addresses: [MIXER] } }, action: { type: 'BLOCK' } },
    { id: 'small', match: { amount: { max: ONE.toString() } }, action: { type: 'ALLOW' } },
    {
      id: 'large',
      match: { amount: { min: (ONE + 1n).toString() } },
      action: { type: 'REQUIRE_APPROVAL', quorum: 2, approverGroup: 'treasury', timeoutSeconds: 600 },
    },
  ],
  limits: {},
};

async function fundedWallet(name: string, policy: object = POLICY, amount = parseEther('20')): Promise<Wallet> {
  const wallet = await stack.createWallet(name);
  await stack.setPolicy(wallet, policy);
  await stack.fund(wallet, 'native', amount);
  return wallet;
}

describe('the transfer workflow on the local runner (ASL + task handlers + DynamoDB Local + anvil)', () => {
  beforeAll(async () => {
    await stack.createGroup('treasury', ['alice', 'bob', 'carol', 'ops-1']);
  });

  it('takes an auto-allowed native transfer to COMPLETED with its hash, confirmations and a settled ledger', async () => {
    const wallet = await fundedWallet('auto');
    const state = await finished(
      await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.5').toString() }),
    );
    expect(state.status).toBe('COMPLETED');
    expect(state.confirmed).toMatchObject({ confirmations: 1 });
    expect(state.confirmed?.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const fee = state.confirmed?.fee ?? 0n;
    expect(fee).toBeGreaterThan(0n);
    const balances = await stack.deps.ledger.balances(wallet.id, 'native');
    expect(balances).toEqual({
      available: parseEther('19.5') - fee,
      settled: parseEther('19.5') - fee,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(await stack.chain.publicClient.getBalance({ address: wallet.address })).toBe(balances.settled);
    const trail = await stack.deps.audit.trail(state.traceId);
    expect(trail.records.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'TRANSFER_SUBMITTED',
        'SCREENING_CLEARED',
        'POLICY_EVALUATED',
        'AUTHORIZED',
        'SIGNED',
        'BROADCAST_ACCEPTED',
        'SETTLED_COMPLETED',
      ]),
    );
  }, 90_000);

  it('waits in PENDING_AUTHORIZATION for an approval and completes after two approvers; the initiator and late approvals do not count', async () => {
    const wallet = await fundedWallet('approval');
    const id = await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('2').toString() });
    const waiting = await until(id, (s) => s.approvalRequestId !== undefined);
    expect(waiting.status).toBe('PENDING_AUTHORIZATION');
    const requestId = waiting.approvalRequestId as string;
    // The approvers are told after the request is recorded: wait for the three messages.
    const told = async () =>
      stack.outbox
        .list()
        .filter((m) => m.approvalRequestId === requestId)
        .map((m) => m.to)
        .sort();
    for (let i = 0; i < 200 && (await told()).length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await told()).toEqual(['alice', 'bob', 'carol']);

    await expect(
      decideApproval(stack.deps, { principal: approver('ops-1'), requestId, body: { decision: 'approve' } }),
    ).rejects.toMatchObject({ code: 'APPROVAL.INITIATOR_CANNOT_APPROVE' });
    await expect(
      decideApproval(stack.deps, { principal: approver('mallory'), requestId, body: { decision: 'approve' } }),
    ).rejects.toMatchObject({ code: 'APPROVAL.NOT_A_MEMBER' });
    expect(
      await decideApproval(stack.deps, { principal: approver('alice'), requestId, body: { decision: 'approve' } }),
    ).toMatchObject({ outcome: 'PENDING' });
    await expect(
      decideApproval(stack.deps, { principal: approver('alice'), requestId, body: { decision: 'approve' } }),
    ).rejects.toMatchObject({ code: 'APPROVAL.DUPLICATE_DECISION' });
    expect(
      await decideApproval(stack.deps, { principal: approver('bob'), requestId, body: { decision: 'approve' } }),
    ).toMatchObject({ outcome: 'APPROVED' });
    await expect(
      decideApproval(stack.deps, { principal: approver('carol'), requestId, body: { decision: 'reject' } }),
    ).rejects.toMatchObject({ code: 'APPROVAL.ALREADY_RESOLVED' });

    const state = await finished(id);
    expect(state.status).toBe('COMPLETED');
    expect(state.approverIds).toEqual(['alice', 'bob']);
  }, 90_000);

  it('a decision and Authorize read only the groups the policy names, however many groups exist', async () => {
    for (let i = 0; i < 40; i++) await stack.createGroup(`bystander-${i}`, [`bystander-member-${i}`]);
    const wallet = await fundedWallet('approval-reads');
    const id = await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('2').toString() });
    const requestId = (await until(id, (s) => s.approvalRequestId !== undefined)).approvalRequestId as string;

    // From here on: two decisions, then Authorize (re-evaluation and quorum recount) and the rest of the flow.
    // On the class: each function composes its own store (Authorize's is not the test's).
    const all = jest.spyOn(DynamoApprovalGroupStore.prototype, 'all');
    const get = jest.spyOn(DynamoApprovalGroupStore.prototype, 'get');
    try {
      await decideApproval(stack.deps, { principal: approver('alice'), requestId, body: { decision: 'approve' } });
      await decideApproval(stack.deps, { principal: approver('bob'), requestId, body: { decision: 'approve' } });
      expect((await finished(id)).status).toBe('COMPLETED');
      expect(all).not.toHaveBeenCalled();
      // One read of the named group per decision and one in Authorize: not one per group in the registry.
      expect(get.mock.calls).toEqual([['treasury'], ['treasury'], ['treasury']]);
    } finally {
      all.mockRestore();
      get.mockRestore();
    }
  }, 90_000);

  it('rejects a transfer to a blocked counterparty, naming the rule, and releases its funds', async () => {
    const wallet = await fundedWallet('blocked');
    const state = await finished(await submit(wallet.id, { to: MIXER, asset: 'native', amount: '1000' }));
    expect(state.status).toBe('REJECTED');
    expect(state.rejection).toMatchObject({ stage: 'POLICY', ruleIds: ['no-mixer'] });
    expect(state.fundsReleased).toBe(true);
    expect(await stack.deps.ledger.balances(wallet.id, 'native')).toMatchObject({
      available: parseEther('20'),
      reserved: 0n,
    });
  }, 90_000);

  it('rejects a transfer to an address on the screening deny list before policy', async () => {
    const wallet = await fundedWallet('screened');
    const state = await finished(
      await submit(wallet.id, { to: '0x000000000000000000000000000000000000dEaD', asset: 'native', amount: '1000' }),
    );
    expect(state).toMatchObject({ status: 'REJECTED', screening: 'HIT', rejection: { stage: 'SCREENING' } });
    expect(state.policy).toBeUndefined();
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).available).toBe(parseEther('20'));
  }, 90_000);

  it('completes an ERC-20 transfer built by the service, with the fee on the native balance', async () => {
    const token = getAddress(
      await deployTestToken(stack.chain.walletClient(0), stack.chain.publicClient, { initialSupply: 10n ** 24n }),
    );
    const wallet = await fundedWallet('erc20', {
      rules: [{ id: 'token', match: { assets: [token] }, action: { type: 'ALLOW' } }],
      limits: {},
    });
    const funding = await stack.chain
      .walletClient(0)
      .writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [wallet.address, 5_000n] });
    await stack.chain.publicClient.waitForTransactionReceipt({ hash: funding });
    await stack.fund(wallet, token, 5_000n);
    const state = await finished(await submit(wallet.id, { to: RECIPIENT, asset: token, amount: '1234' }));
    expect(state.status).toBe('COMPLETED');
    expect(
      await stack.chain.publicClient.readContract({
        address: token,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [RECIPIENT],
      }),
    ).toBe(1_234n);
    expect(await stack.deps.ledger.balances(wallet.id, token)).toMatchObject({
      available: 5_000n - 1_234n,
      settled: 5_000n - 1_234n,
    });
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).settled).toBe(
      parseEther('20') - (state.confirmed?.fee ?? 0n),
    );
  }, 90_000);

  it('judges an ERC-20 approve hidden in data by its real spender: a rule for the token does not allow it', async () => {
    const token = getAddress(
      await deployTestToken(stack.chain.walletClient(0), stack.chain.publicClient, { initialSupply: 10n ** 24n }),
    );
    const wallet = await fundedWallet('hidden-approve', {
      rules: [
        {
          id: 'pay-the-token-contract',
          match: { counterparty: { type: 'allowlist', addresses: [token] } },
          action: { type: 'ALLOW' },
        },
      ],
      limits: {},
    });
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [MIXER, 10n ** 30n] });
    const state = await finished(await submit(wallet.id, { to: token, asset: 'native', amount: '0', data }));
    expect(state.status).toBe('REJECTED');
    expect(state.policy?.reason).toMatch(/no rule|deny/i);
    expect(state.asset).toBe(token);
  }, 90_000);

  it('applies a FREEZE escalation to the wallet: the transfer is rejected and the wallet takes no new transfers', async () => {
    const wallet = await fundedWallet('escalation', {
      rules: [{ id: 'all', match: {}, action: { type: 'ALLOW' } }],
      limits: { perAsset: { native: { perTransaction: ONE.toString() } } },
      escalation: { medium: 'FREEZE' },
    });
    const state = await finished(
      await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('2').toString() }),
    );
    expect(state.status).toBe('REJECTED');
    expect((await stack.deps.wallets.get(wallet.id))?.status).toBe('FROZEN');
    await expect(submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '1' })).rejects.toMatchObject({
      code: 'WALLET.NOT_ACTIVE',
    });
    expect(await stack.deps.ledger.balances(wallet.id, 'native')).toMatchObject({
      available: parseEther('20'),
      reserved: 0n,
    });
  }, 90_000);

  it("holds a transfer that comes within the wallet's cooldown of the previous one", async () => {
    const wallet = await fundedWallet('cooldown', {
      rules: [{ id: 'all', match: {}, action: { type: 'ALLOW' } }],
      limits: { cooldownSeconds: 3600 },
    });
    expect((await finished(await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '1000' }))).status).toBe(
      'COMPLETED',
    );
    const second = await finished(await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '1000' }));
    expect(second.policy?.action).not.toBe('ALLOW');
    expect(second.policy?.reason).toMatch(/cooldown/i);
  }, 90_000);

  it('keeps a travel-rule record for a transfer above the threshold', async () => {
    const wallet = await fundedWallet('travel-rule');
    const state = await finished(
      await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.9').toString() }),
    );
    const trail = await stack.deps.audit.trail(state.traceId);
    expect(trail.records.map((r) => r.action)).toContain('TRAVEL_RULE_RECORD');
    const small = await finished(await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '1000' }));
    expect((await stack.deps.audit.trail(small.traceId)).records.map((r) => r.action)).not.toContain(
      'TRAVEL_RULE_RECORD',
    );
  }, 90_000);

  it('cancels a transfer waiting for approval: CANCELLED and its funds released', async () => {
    const wallet = await fundedWallet('cancel');
    const id = await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('3').toString() });
    await until(id, (s) => s.approvalRequestId !== undefined);
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).reserved).toBeGreaterThan(parseEther('3'));
    await cancelTransfer(stack.deps, { principal: OPERATOR, transferId: id, reason: 'changed our mind' });
    const state = await finished(id);
    expect(state.status).toBe('CANCELLED');
    expect(state.fundsReleased).toBe(true);
    expect(await stack.deps.ledger.balances(wallet.id, 'native')).toMatchObject({
      available: parseEther('20'),
      reserved: 0n,
    });
    await expect(
      decideApproval(stack.deps, {
        principal: approver('alice'),
        requestId: state.approvalRequestId as string,
        body: { decision: 'approve' },
      }),
    ).rejects.toMatchObject({ code: 'APPROVAL.ALREADY_RESOLVED' });
  }, 90_000);

  it('expires an approval nobody gave in time: EXPIRED and its funds released', async () => {
    const wallet = await fundedWallet('expiry', {
      rules: [
        {
          id: 'all',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: 'treasury', timeoutSeconds: 1 },
        },
      ],
      limits: {},
    });
    const id = await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '5000' });
    await until(id, (s) => s.approvalRequestId !== undefined);
    expect((await expireApprovals(stack.deps)).expired).not.toContain(id);
    const later = new Date(Date.now() + 2_000);
    expect((await expireApprovals({ ...stack.deps, clock: () => later })).expired).toContain(id);
    const state = await finished(id);
    expect(state.status).toBe('EXPIRED');
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).available).toBe(parseEther('20'));
  }, 90_000);

  it('fails a transfer whose signer fails before signing, releases its reservation and fills its nonce', async () => {
    const wallet = await fundedWallet('signer-fails');
    faults.failKeyOnce.add(wallet.keyId);
    const failed = await finished(
      await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.25').toString() }),
    );
    expect(failed.status).toBe('FAILED');
    expect(failed.failure).toMatchObject({ errorName: 'SigningError' });
    expect(failed.chainOutcome).toMatchObject({ kind: 'CANCELLATION_MINED' });
    const fillFee = failed.chainOutcome?.kind === 'CANCELLATION_MINED' ? failed.chainOutcome.fee : -1n;
    expect(await stack.deps.ledger.balances(wallet.id, 'native')).toMatchObject({
      available: parseEther('20') - fillFee,
      reserved: 0n,
      pendingOut: 0n,
    });
    expect(await stack.chain.publicClient.getTransactionCount({ address: wallet.address })).toBe(1);
    // The nonce was filled, so the next transfer is not stuck behind it.
    const next = await finished(
      await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.25').toString() }),
    );
    expect(next.status).toBe('COMPLETED');
    expect(next.transaction?.nonce).toBe(1);
  }, 90_000);

  it('does not release funds when the node took a broadcast whose response was lost; the transfer completes when the chain confirms', async () => {
    const wallet = await fundedWallet('lost-response');
    faults.loseBroadcastResponses.add(wallet.address.toLowerCase());
    const id = await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: parseEther('0.75').toString() });
    const state = await finished(id);
    faults.loseBroadcastResponses.delete(wallet.address.toLowerCase());
    const types = await eventTypes(id);
    expect(types).not.toContain('FUNDS_RELEASED');
    expect(types).not.toContain('BROADCAST_ACCEPTED');
    expect(state.status).toBe('COMPLETED');
    expect((await stack.deps.ledger.balances(wallet.id, 'native')).settled).toBe(
      parseEther('20') - parseEther('0.75') - (state.confirmed?.fee ?? 0n),
    );
  }, 90_000);

  it.each([
    ['removed', 'remove'],
    ['altered', 'alter'],
  ] as const)(
    'never signs the transfer when the proof from Authorize is %s on its way to Sign',
    async (_label, mode) => {
      const wallet = await fundedWallet(`proof-${mode}`);
      const id = await submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: '1000' });
      faults.tamper.set(id, mode);
      const state = await finished(id);
      expect(state.status).toBe('FAILED');
      expect(state.failure?.errorName).toMatch(/ProofError|ValidationError|TransferHaltedError/);
      // Sign refused the tampered proof before recording any attempt; the only thing a key may have
      // signed afterwards is the cancellation that fills the nonce (a zero-value transfer to itself).
      for (const attempt of state.attempts)
        expect(attempt.transaction).toMatchObject({ to: wallet.address, value: 0n, data: '0x' });
      expect(state.fundsReleased).toBe(true);
      expect((await stack.deps.ledger.balances(wallet.id, 'native')).reserved).toBe(0n);
      const sent = await stack.chain.publicClient.getTransactionCount({ address: wallet.address });
      expect(sent).toBe(state.attempts.length > 0 ? 1 : 0);
    },
    90_000,
  );

  it('lets only the transfers within the daily limit through without approval when 20 arrive at once', async () => {
    const half = parseEther('0.5');
    const wallet = await fundedWallet('velocity', {
      rules: [{ id: 'small', match: { amount: { max: ONE.toString() } }, action: { type: 'ALLOW' } }],
      limits: {
        perAsset: { native: { perTransaction: ONE.toString(), daily: (half * 5n).toString() } },
        approval: { quorum: 1, approverGroup: 'treasury', timeoutSeconds: 600 },
      },
    });
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => submit(wallet.id, { to: RECIPIENT, asset: 'native', amount: half.toString() })),
    );
    const states = await Promise.all(ids.map((id) => until(id, (s) => s.policy !== undefined)));
    const allowed = states.filter((s) => s.policy?.action === 'ALLOW');
    const held = states.filter((s) => s.policy?.action === 'REQUIRE_APPROVAL');
    expect(allowed).toHaveLength(5);
    expect(held).toHaveLength(15);
    for (const s of allowed) expect((await finished(s.id)).status).toBe('COMPLETED');
    for (const s of held) {
      await until(s.id, (x) => x.approvalRequestId !== undefined);
      await cancelTransfer(stack.deps, { principal: OPERATOR, transferId: s.id });
    }
    for (const s of held) expect((await finished(s.id)).status).toBe('CANCELLED');
  }, 180_000);
});

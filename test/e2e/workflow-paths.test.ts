import { parseEther, type Address, type Hex } from 'viem';
import { StaticChainRegistry } from '../../lambdas/adapters/chain/static-chain-registry';
import { ViemChainGateway } from '../../lambdas/adapters/chain/viem-chain-gateway';
import { parseChainConfig } from '../../lambdas/domain/chain/chain-config';
import { DependencyUnavailableError, SigningError } from '../../lambdas/domain/errors';
import type { ChainGateway } from '../../lambdas/ports/chain';
import type { KeyVault } from '../../lambdas/ports/key-vault';
import { runDemo } from '../../local/demo/run-demo';
import { startStackUnderTest, type ApiBody, type StackUnderTest } from '../support/local-stack-server';
import { poll } from '../support/poll';

const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

// Faults the tests switch on for one wallet: the handlers get these wrappers as their vault and chain.
const faults = { failKeyOnce: new Set<string>(), loseBroadcastResponses: new Set<string>() };
let api: StackUnderTest;
let admin: string;
let operator: string;

beforeAll(async () => {
  api = await startStackUnderTest({
    provide: ({ vault }) => ({
      keyVault: flaky(vault),
      chains: new StaticChainRegistry(chainsFromEnv().map((gateway) => lossy(gateway))),
    }),
  });
  admin = await api.token('e2e-admin', ['admin']);
  operator = await api.token('e2e-operator', ['operator']);
}, 120_000);

afterAll(async () => {
  await api.stop();
});

/** The chains the runtime configured (it sets STRONGROOM_CHAINS before building the handlers' dependencies). */
function chainsFromEnv(): ChainGateway[] {
  return (JSON.parse(process.env.STRONGROOM_CHAINS ?? '[]') as unknown[]).map(
    (c) => new ViemChainGateway(parseChainConfig(c)),
  );
}

function flaky(vault: KeyVault): KeyVault {
  return {
    createKey: (request) => vault.createKey(request),
    signDigest: (keyId, digest, purpose) => vault.signDigest(keyId, digest, purpose),
    addressOf: async (keyId) => {
      const address = await vault.addressOf(keyId);
      if (faults.failKeyOnce.delete(address.toLowerCase()))
        throw new SigningError('KEY.DISABLED', 'the key is disabled (test)');
      return address;
    },
  };
}

function lossy(inner: ChainGateway): ChainGateway {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'broadcast') return Reflect.get(target, property, receiver) as unknown;
      return async (raw: Hex) => {
        const result = await target.broadcast(raw);
        if (faults.loseBroadcastResponses.has(result.from.toLowerCase()))
          throw new DependencyUnavailableError('CHAIN.UNAVAILABLE', 'no answer in time (test)');
        return result;
      };
    },
  });
}

const ok: StackUnderTest['ok'] = (...args) => api.ok(...args);

let keys = 0;
async function fundedWallet(policy: object): Promise<{ id: string; address: Address }> {
  const wallet = await ok('POST', '/v1/wallets', admin, { name: `e2e ${++keys}`, chainId: 31337, keyScheme: 'kms' });
  await ok('PUT', `/v1/wallets/${wallet.id}/policy`, admin, policy);
  await api.deposit(wallet, parseEther('5'), admin, 2);
  return { id: wallet.id as string, address: wallet.address as Address };
}

const submit = async (walletId: string, amount: bigint): Promise<string> =>
  (
    await ok(
      'POST',
      '/v1/transactions',
      operator,
      { walletId, to: RECIPIENT, asset: 'native', amount: amount.toString() },
      { 'idempotency-key': `e2e-${Date.now()}-${++keys}` },
    )
  ).id;

const until = (id: string, statuses: readonly string[]): Promise<ApiBody> =>
  poll(
    async () => {
      const view = await ok('GET', `/v1/transactions/${id}`, operator);
      return statuses.includes(view.status) ? view : undefined;
    },
    `transfer ${id} to reach ${statuses.join('/')}`,
  );

const ALLOW_ALL = { rules: [{ id: 'all', match: {}, action: { type: 'ALLOW' } }], limits: {} };

describe('the demo paths and the workflow cases over HTTP on the local stack', () => {
  it('cancels a transfer waiting for approval and releases its funds', async () => {
    const group = await ok('POST', '/v1/approval-groups', admin, {
      name: 'cancel-group',
      requirePasskeys: false,
      members: [{ id: 'ann', name: 'Ann' }],
    });
    const wallet = await fundedWallet({
      rules: [
        {
          id: 'all',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: group.id, timeoutSeconds: 600 },
        },
      ],
      limits: {},
    });
    const id = await submit(wallet.id, parseEther('1'));
    await until(id, ['PENDING_AUTHORIZATION']);
    expect(
      (
        await api.call('POST', `/v1/transactions/${id}/cancel`, {
          token: operator,
          body: { reason: 'no longer needed' },
        })
      ).status,
    ).toBe(202);
    const done = await until(id, ['CANCELLED', 'COMPLETED', 'FAILED']);
    expect(done.status).toBe('CANCELLED');
    const view = await ok('GET', `/v1/wallets/${wallet.id}`, admin);
    expect(view.balances.find((b: { asset: string }) => b.asset === 'native')).toMatchObject({
      available: parseEther('5').toString(),
      reserved: '0',
    });
  }, 120_000);

  it('expires an approval nobody gives in time and releases the funds', async () => {
    const group = await ok('POST', '/v1/approval-groups', admin, {
      name: 'expiry-group',
      requirePasskeys: false,
      members: [{ id: 'ben', name: 'Ben' }],
    });
    const wallet = await fundedWallet({
      rules: [
        {
          id: 'all',
          match: {},
          action: { type: 'REQUIRE_APPROVAL', quorum: 1, approverGroup: group.id, timeoutSeconds: 1 },
        },
      ],
      limits: {},
    });
    const id = await submit(wallet.id, parseEther('1'));
    const done = await until(id, ['EXPIRED', 'COMPLETED', 'FAILED']);
    expect(done.status).toBe('EXPIRED');
    const view = await ok('GET', `/v1/wallets/${wallet.id}`, admin);
    expect(view.balances.find((b: { asset: string }) => b.asset === 'native')).toMatchObject({
      available: parseEther('5').toString(),
      reserved: '0',
    });
  }, 120_000);

  it('fails a transfer whose signer fails before signing: funds released (less the fee of the nonce fill) and the next transfer goes through', async () => {
    const wallet = await fundedWallet(ALLOW_ALL);
    faults.failKeyOnce.add(wallet.address.toLowerCase());
    const failed = await until(await submit(wallet.id, parseEther('1')), ['FAILED', 'COMPLETED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.failure).toMatchObject({ errorName: 'SigningError' });
    const view = await ok('GET', `/v1/wallets/${wallet.id}`, admin);
    const native = view.balances.find((b: { asset: string }) => b.asset === 'native');
    expect(native).toMatchObject({ reserved: '0', pendingOut: '0' });
    expect(BigInt(native.available)).toBe(parseEther('5') - BigInt(failed.fee ?? '0'));
    const next = await until(await submit(wallet.id, parseEther('1')), ['COMPLETED', 'FAILED']);
    expect(next.status).toBe('COMPLETED');
  }, 120_000);

  it('keeps the funds of a transfer whose broadcast the node took but whose response was lost, and completes it', async () => {
    const wallet = await fundedWallet(ALLOW_ALL);
    faults.loseBroadcastResponses.add(wallet.address.toLowerCase());
    const done = await until(await submit(wallet.id, parseEther('1')), ['COMPLETED', 'FAILED', 'CANCELLED']);
    faults.loseBroadcastResponses.delete(wallet.address.toLowerCase());
    expect(done.status).toBe('COMPLETED');
    expect(done.events.map((e: { type: string }) => e.type)).not.toContain('FUNDS_RELEASED');
    const view = await ok('GET', `/v1/wallets/${wallet.id}`, admin);
    expect(BigInt(view.balances.find((b: { asset: string }) => b.asset === 'native').settled)).toBe(
      parseEther('4') - BigInt(done.fee),
    );
  }, 120_000);

  it('runs the demo: auto-allowed, two-approver, blocked and ERC-20 transfers, balances equal to the chain, verified audit trails', async () => {
    const lines: string[] = [];
    await runDemo(api.url, api.stack.anvil.rpcUrl, (line) => lines.push(line));
    expect(lines.join('\n')).toContain("the ledger's settled ETH equals the chain balance");
    // Last: its governance step bootstraps this stack's governance group, after which policies are governed.
    expect(lines.join('\n')).toContain('TIME_LOCKED');
  }, 240_000);
});

import { createWallet } from '../../../../lambdas/use-cases/wallets/create-wallet';
import { fakeCreateWalletDeps } from './wallet-fakes';

const ADMIN = { id: 'admin-1', roles: ['admin'] } as const;
const BODY = { name: 'treasury', chainId: 31337, keyScheme: 'kms' };
const ENCLAVE_BODY = { name: 'agent', chainId: 31337, keyScheme: 'enclave' };

function setup() {
  const { deps, wallets, keyVault, agentKeys, audit } = fakeCreateWalletDeps();
  const created = jest.spyOn(keyVault, 'createKey');
  const create = (body: unknown, idempotencyKey?: string) =>
    createWallet(deps, {
      principal: ADMIN,
      body,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
  return { wallets, created, agentKeys, audit, create };
}

describe('createWallet with an Idempotency-Key', () => {
  it('answers a retry with the wallet the first request registered: one key, one WALLET_CREATED, one audit record', async () => {
    const { wallets, created, audit, create } = setup();
    const first = await create(BODY, 'create-treasury-1');
    const retry = await create(BODY, 'CREATE-treasury-1 ');
    expect(retry).toEqual(first);
    expect(created).toHaveBeenCalledTimes(1);
    expect(wallets.streams.get(first.id)).toHaveLength(1);
    expect(audit.entries.filter((e) => e.action === 'WALLET_CREATED')).toHaveLength(1);
  });

  it('refuses the same key with another body as IDEMPOTENCY.KEY_REUSED, making no key', async () => {
    const { created, create } = setup();
    await create(BODY, 'create-treasury-2');
    await expect(create({ ...BODY, name: 'other' }, 'create-treasury-2')).rejects.toMatchObject({
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect(created).toHaveBeenCalledTimes(1);
  });

  it('answers two concurrent requests under one key with one wallet', async () => {
    const { wallets, create } = setup();
    const [a, b] = await Promise.all([create(BODY, 'create-treasury-3'), create(BODY, 'create-treasury-3')]);
    expect(a).toEqual(b);
    expect(wallets.streams.size).toBe(1);
  });

  it('names different wallets for different keys or callers, and a new wallet per request without a key', async () => {
    const { create } = setup();
    const one = await create(BODY, 'create-treasury-4');
    const two = await create(BODY, 'create-treasury-5');
    const unkeyed = [await create(BODY), await create(BODY)];
    expect(new Set([one.id, two.id, ...unkeyed.map((w) => w.id)]).size).toBe(4);
  });

  it('asks the enclave again for the same wallet after a 503, so a retry picks up the key job of the first attempt', async () => {
    const { agentKeys, wallets, create } = setup();
    agentKeys.down = true;
    await expect(create(ENCLAVE_BODY, 'create-agent-1')).rejects.toMatchObject({ code: 'ENCLAVE.UNAVAILABLE' });
    expect(wallets.streams.size).toBe(0);
    agentKeys.down = false;
    const wallet = await create(ENCLAVE_BODY, 'create-agent-1');
    expect(agentKeys.asked).toEqual([wallet.id, wallet.id]);
    expect(wallet).toMatchObject({ keyScheme: 'enclave', status: 'ACTIVE' });
  });

  it('refuses a malformed Idempotency-Key, naming the header', async () => {
    const { create } = setup();
    await expect(create(BODY, 'short')).rejects.toMatchObject({
      code: 'IDEMPOTENCY.INVALID_KEY',
      field: 'Idempotency-Key',
    });
  });
});

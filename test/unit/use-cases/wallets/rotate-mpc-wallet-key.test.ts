import type { ChainRegistry } from '../../../../lambdas/ports/chain-registry';
import { createWallet } from '../../../../lambdas/use-cases/wallets/create-wallet';
import {
  applyRevocation,
  revokeWalletKey,
  rotateWalletKey,
  type RotateWalletKeyDeps,
} from '../../../../lambdas/use-cases/wallets/rotate-wallet-key';
import { configOnlyChains } from '../../../support/transfer-fakes';
import { fakeCreateWalletDeps, RECOVERY_PUBLIC_KEY } from './wallet-fakes';

const ADMIN = { id: 'admin-1', roles: ['admin'] } as const;

/** Ports a rotation or revocation without a policy and without funds never needs (it applies at once). */
const unused = <T>(name: string): T =>
  new Proxy({} as object, {
    get(_target, method) {
      throw new Error(`the ${name} port was used (${String(method)})`);
    },
  }) as T;

function setup() {
  const chains: ChainRegistry = { ...configOnlyChains(31337), all: () => [] } as unknown as ChainRegistry;
  const { deps: createDeps, wallets, agentKeys, coSigner, audit } = fakeCreateWalletDeps(chains);
  const deps = {
    ...createDeps,
    // An empty wallet: revoking it weakens nothing.
    ledger: { balances: async () => ({ settled: 0n, pendingIn: 0n, reserved: 0n, pendingOut: 0n }) },
    governance: unused('governance'),
    governanceTimeLockSeconds: 0,
    notifier: unused('notifier'),
    publicBaseUrl: () => 'http://localhost',
  } as unknown as RotateWalletKeyDeps;
  const mpcWallet = () =>
    createWallet(deps, {
      principal: ADMIN,
      body: { name: 'cold', chainId: 31337, keyScheme: 'mpc', recoveryPublicKey: RECOVERY_PUBLIC_KEY },
    });
  return { deps, wallets, agentKeys, coSigner, audit, mpcWallet };
}

describe('rotating the key of an mpc wallet', () => {
  it('makes an mpc successor (new key and address, epoch 1, the same recovery key, registered with the co-signer) and answers its share 3 once', async () => {
    const s = setup();
    const rotated = await s.mpcWallet();
    const outcome = await rotateWalletKey(s.deps, {
      principal: ADMIN,
      walletId: rotated.id,
      body: { reason: 'yearly' },
    });
    if (!('applied' in outcome)) throw new Error('expected the rotation to apply at once');
    const successorId = outcome.applied.rotatedTo.walletId;
    const successor = await s.wallets.get(successorId);
    expect(successor).toMatchObject({
      keyScheme: 'mpc',
      keyShares: { epoch: '1', recoveryPublicKey: RECOVERY_PUBLIC_KEY },
      sealedKey: { context: { walletId: successorId, purpose: 'key-share', version: '1' } },
    });
    expect(successor?.address).not.toBe(rotated.address);
    expect(s.agentKeys.askedMpc.at(-1)).toEqual({ walletId: successorId, recoveryPublicKey: RECOVERY_PUBLIC_KEY });
    expect(s.coSigner.registered.map((r) => r.coSignerShare.context.walletId)).toEqual([rotated.id, successorId]);
    expect(outcome.recovery?.successorRecoveryShareReturned).toBe(true);
    expect(outcome.recovery?.successorRecoveryShare?.context).toMatchObject({ walletId: successorId, share: '3' });
    // The rotated wallet keeps signing (its sweep to the successor): nothing retired yet.
    expect(s.coSigner.retired).toHaveLength(0);
  });

  it('refuses to rotate a rotated wallet again, making no second successor key', async () => {
    const s = setup();
    const rotated = await s.mpcWallet();
    const request = { principal: ADMIN, walletId: rotated.id, body: { reason: 'yearly' } };
    await rotateWalletKey(s.deps, request);
    // Applied already: refused before any key is made (a retry before it applied finds the successor by its id).
    await expect(rotateWalletKey(s.deps, request)).rejects.toMatchObject({ code: 'LIFECYCLE.ILLEGAL_TRANSITION' });
    expect(s.agentKeys.askedMpc).toHaveLength(2);
  });
});

describe('revoking the key of an mpc wallet', () => {
  it('records KEY_REVOKED, then has the co-signer retire its share of the epoch', async () => {
    const s = setup();
    const wallet = await s.mpcWallet();
    const outcome = await revokeWalletKey(s.deps, {
      principal: ADMIN,
      walletId: wallet.id,
      body: { reason: 'swept to its successor' },
    });
    if (!('applied' in outcome)) throw new Error('expected the revocation to apply at once');
    expect(outcome.applied.coSignerShare).toBe('retired');
    expect(s.coSigner.retired).toEqual([
      { walletId: wallet.id, epoch: '1', reason: 'key revoked: swept to its successor' },
    ]);
    expect((await s.wallets.get(wallet.id))?.keyRevoked).toBeDefined();
    expect(s.audit.entries.at(-1)?.result).toContain("the co-signer's share of epoch 1: retired");
  });

  it('keeps the revocation when the co-signer is unavailable, says so, and retires on a later application', async () => {
    const s = setup();
    const wallet = await s.mpcWallet();
    s.coSigner.mode = 'down';
    const payload = { reason: 'compromised' };
    const first = await applyRevocation(s.deps, { walletId: wallet.id, actor: 'admin-1', payload, changeId: 'c-1' });
    expect(first.coSignerShare).toBe('unavailable');
    expect((await s.wallets.get(wallet.id))?.keyRevoked?.reason).toBe('compromised');
    expect(s.audit.entries.at(-1)?.result).toContain('could not be reached');
    s.coSigner.mode = 'ok';
    const again = await applyRevocation(s.deps, { walletId: wallet.id, actor: 'governance', payload, changeId: 'c-1' });
    expect(again.coSignerShare).toBe('retired');
    expect(s.coSigner.retired).toHaveLength(2);
    // One KEY_REVOKED only: the second application retried the co-signer, not the event.
    expect(s.wallets.streams.get(wallet.id)?.filter((e) => e.type === 'KEY_REVOKED')).toHaveLength(1);
  });

  it('asks no co-signer for a kms wallet', async () => {
    const s = setup();
    const wallet = await createWallet(s.deps, {
      principal: ADMIN,
      body: { name: 'hot', chainId: 31337, keyScheme: 'kms' },
    });
    const revoked = await applyRevocation(s.deps, { walletId: wallet.id, actor: 'admin-1', payload: { reason: 'x' } });
    expect(revoked).not.toHaveProperty('coSignerShare');
    expect(s.coSigner.retired).toHaveLength(0);
  });
});

describe('revoking a revoked mpc wallet again', () => {
  it('is refused (409) but asks the co-signer to retire its share again, saying what it did', async () => {
    const s = setup();
    const wallet = await s.mpcWallet();
    s.coSigner.mode = 'down';
    const request = { principal: ADMIN, walletId: wallet.id, body: { reason: 'compromised' } };
    const first = await revokeWalletKey(s.deps, request);
    expect('applied' in first && first.applied.coSignerShare).toBe('unavailable');
    s.coSigner.mode = 'ok';
    await expect(revokeWalletKey(s.deps, request)).rejects.toMatchObject({
      code: 'LIFECYCLE.ILLEGAL_TRANSITION',
      details: { event: 'KEY_REVOKED', coSignerShare: 'retired' },
    });
    expect(s.coSigner.retired.map((r) => r.walletId)).toEqual([wallet.id, wallet.id]);
  });
});

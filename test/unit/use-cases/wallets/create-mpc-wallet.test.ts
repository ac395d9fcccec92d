import { getAddress } from 'viem';
import type { CreatedMpcKey } from '../../../../enclave-host/contract';
import { StrongroomError } from '../../../../lambdas/domain/errors';
import { createWallet } from '../../../../lambdas/use-cases/wallets/create-wallet';
import { DEPLOYMENT, fakeCreateWalletDeps, OTHER_RECOVERY_PUBLIC_KEY, RECOVERY_PUBLIC_KEY } from './wallet-fakes';

const ADMIN = { id: 'admin-1', roles: ['admin'] } as const;
const MPC_BODY = { name: 'cold', chainId: 31337, keyScheme: 'mpc', recoveryPublicKey: RECOVERY_PUBLIC_KEY };

function setup() {
  const { deps, wallets, agentKeys, coSigner, audit } = fakeCreateWalletDeps();
  const create = (body: unknown = MPC_BODY, idempotencyKey?: string) =>
    createWallet(deps, { principal: ADMIN, body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
  return { wallets, agentKeys, coSigner, audit, create };
}

/** Everything we keep of a creation: the wallet streams and the audit records, as JSON. */
const kept = (s: ReturnType<typeof setup>): string =>
  JSON.stringify({ streams: [...s.wallets.streams.values()], audit: s.audit.entries });

type Tamper = (answer: CreatedMpcKey) => CreatedMpcKey;
const sealedContext =
  (change: Partial<CreatedMpcKey['sealedShare']['context']>): Tamper =>
  (a) => ({
    ...a,
    sealedShare: { ...a.sealedShare, context: { ...a.sealedShare.context, ...change } as never },
  });
const coSignerContext =
  (change: Partial<CreatedMpcKey['coSignerShare']['context']>): Tamper =>
  (a) => ({
    ...a,
    coSignerShare: { ...a.coSignerShare, context: { ...a.coSignerShare.context, ...change } },
  });
const recoveryContext =
  (change: Partial<CreatedMpcKey['recoveryShare']['context']>): Tamper =>
  (a) => ({
    ...a,
    recoveryShare: { ...a.recoveryShare, context: { ...a.recoveryShare.context, ...change } },
  });
const OTHER_ADDRESS = getAddress(`0x${'5a'.repeat(20)}`);
const flipLast = (text: string): string => `${text.slice(0, -2)}${text.at(-2) === 'A' ? 'B' : 'A'}${text.at(-1)}`;

describe('createWallet: an mpc wallet (2-of-3 key shares)', () => {
  it('registers share 2 with the co-signer, records share 1, the epoch and the recovery key, and answers share 3 once', async () => {
    const s = setup();
    const wallet = await s.create();
    const [asked] = s.agentKeys.askedMpc;
    expect(asked).toEqual({ walletId: wallet.id, recoveryPublicKey: RECOVERY_PUBLIC_KEY });
    expect(wallet).toMatchObject({ keyScheme: 'mpc', status: 'ACTIVE', recoveryShareReturned: true });
    expect(wallet.recoveryShare?.context).toEqual({
      deployment: DEPLOYMENT,
      walletId: wallet.id,
      address: wallet.address,
      epoch: '1',
      share: '3',
    });
    expect(s.coSigner.registered).toEqual([
      {
        coSignerShare: expect.objectContaining({
          context: expect.objectContaining({ walletId: wallet.id, share: '2' }),
        }),
        attestation: expect.any(String),
        recoveryShareCiphertext: wallet.recoveryShare?.ciphertext,
      },
    ]);
    const stored = await s.wallets.get(wallet.id);
    expect(stored).toMatchObject({
      keyId: `mpc:${wallet.id}:e1`,
      keyShares: { epoch: '1', recoveryPublicKey: RECOVERY_PUBLIC_KEY },
      sealedKey: { context: { walletId: wallet.id, purpose: 'key-share', version: '1' } },
    });
    const [created] = s.wallets.streams.get(wallet.id)!;
    expect(created?.type === 'WALLET_CREATED' && created.data.attestationSha256).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('keeps share 3 out of every event and audit record, and out of the co-signer too (only its ciphertext digest is checked there)', async () => {
    const s = setup();
    const wallet = await s.create();
    const share3 = wallet.recoveryShare!;
    expect(kept(s)).not.toContain(share3.ciphertext);
    expect(kept(s)).not.toContain(share3.enc);
    expect(kept(s)).not.toContain('recoveryShare');
    expect(s.audit.entries.map((e) => e.action)).toEqual(['WALLET_CREATED']);
  });

  it('answers a replay under the same Idempotency-Key without share 3, saying so, and asks the enclave once', async () => {
    const s = setup();
    const first = await s.create(MPC_BODY, 'create-cold-1');
    const replay = await s.create(MPC_BODY, 'create-cold-1');
    expect(replay.id).toBe(first.id);
    expect(replay.recoveryShareReturned).toBe(false);
    expect(replay).not.toHaveProperty('recoveryShare');
    expect(s.agentKeys.askedMpc).toHaveLength(1);
    expect(s.coSigner.registered).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with another recovery key as IDEMPOTENCY.KEY_REUSED', async () => {
    const s = setup();
    await s.create(MPC_BODY, 'create-cold-2');
    await expect(
      s.create({ ...MPC_BODY, recoveryPublicKey: OTHER_RECOVERY_PUBLIC_KEY }, 'create-cold-2'),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
  });

  it.each<[string, Tamper]>([
    ['share 1 sealed for another wallet', sealedContext({ walletId: 'w-other' })],
    ['share 1 sealed for another deployment', sealedContext({ deployment: 'another' })],
    ['share 1 sealed as an agent key', sealedContext({ purpose: 'agent-key' })],
    ['share 1 of another epoch', sealedContext({ version: '2' })],
    ['share 1 holding another address', (a) => ({ ...a, sealedShare: { ...a.sealedShare, address: OTHER_ADDRESS } })],
    ['share 1 in another format', (a) => ({ ...a, sealedShare: { ...a.sealedShare, format: 'v0' as never } })],
    ['share 2 for another deployment', coSignerContext({ deployment: 'another' })],
    ['share 2 for another wallet', coSignerContext({ walletId: 'w-other' })],
    ['share 2 for another address', coSignerContext({ address: OTHER_ADDRESS })],
    [
      'share 2 with the address not in EIP-55',
      (a) => coSignerContext({ address: a.address.toLowerCase() as never })(a),
    ],
    ['share 2 of another epoch', coSignerContext({ epoch: '2' })],
    ['share 2 labelled share 3', coSignerContext({ share: '3' })],
    ['share 2 in another format', (a) => ({ ...a, coSignerShare: { ...a.coSignerShare, format: 'v0' as never } })],
    ['share 3 for another deployment', recoveryContext({ deployment: 'another' })],
    ['share 3 for another wallet', recoveryContext({ walletId: 'w-other' })],
    ['share 3 for another address', recoveryContext({ address: OTHER_ADDRESS })],
    [
      'share 3 with the address not in EIP-55',
      (a) => recoveryContext({ address: a.address.toLowerCase() as never })(a),
    ],
    ['share 3 of another epoch', recoveryContext({ epoch: '2' })],
    ['share 3 labelled share 2', recoveryContext({ share: '2' })],
    ['share 3 in another format', (a) => ({ ...a, recoveryShare: { ...a.recoveryShare, format: 'v0' as never } })],
    ['another address for the key', (a) => ({ ...a, address: OTHER_ADDRESS })],
    ['an epoch other than 1 for a new key', (a) => ({ ...a, epoch: '2' })],
    [
      "share 2's ciphertext swapped (the attestation does not vouch for it)",
      (a) => ({
        ...a,
        coSignerShare: { ...a.coSignerShare, ciphertextBlob: Buffer.from('swapped').toString('base64') },
      }),
    ],
    [
      "share 3's ciphertext altered (the attestation does not vouch for it)",
      (a) => ({ ...a, recoveryShare: { ...a.recoveryShare, ciphertext: flipLast(a.recoveryShare.ciphertext) } }),
    ],
    ['an attestation that is not base64', (a) => ({ ...a, attestation: '%%%' })],
    [
      "another wallet's attestation",
      (a) => ({
        ...a,
        attestation: Buffer.from(JSON.stringify({ userData: `0x${'00'.repeat(31)}01` })).toString('base64'),
      }),
    ],
  ])('refuses an answer with %s: ENCLAVE.ATTESTATION_INVALID, nothing registered anywhere', async (_name, tamper) => {
    const s = setup();
    s.agentKeys.tamper = tamper;
    const error = await s.create().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StrongroomError);
    expect((error as StrongroomError).code).toBe('ENCLAVE.ATTESTATION_INVALID');
    expect(s.coSigner.registered).toHaveLength(0);
    expect(s.wallets.streams.size).toBe(0);
    expect(s.audit.entries).toHaveLength(0);
  });

  it('makes no wallet when the co-signer refuses share 2: COSIGNER.REFUSED with its code, a refusal and not an outage', async () => {
    const s = setup();
    s.coSigner.mode = 'refuse';
    const error = (await s.create().catch((e: unknown) => e)) as StrongroomError;
    expect(error).toBeInstanceOf(StrongroomError);
    expect(error.code).toBe('COSIGNER.REFUSED');
    // Final, not retried as an outage would be (the catalogue decides its status).
    expect(error.kind).not.toBe('unavailable');
    expect(error.details).toMatchObject({ coSignerCode: 'COSIGNER.ATTESTATION_INVALID' });
    expect(s.wallets.streams.size).toBe(0);
    expect(s.audit.entries).toHaveLength(0);
  });

  it.each([
    ['unavailable', 'down'],
    ['failing', 'broken'],
  ] as const)(
    'makes no wallet when the co-signer is %s: COSIGNER.UNAVAILABLE (503); a retry then makes it',
    async (_name, mode) => {
      const s = setup();
      s.coSigner.mode = mode;
      const error = (await s.create(MPC_BODY, 'create-cold-3').catch((e: unknown) => e)) as StrongroomError;
      expect(error).toMatchObject({ name: 'DependencyUnavailableError', code: 'COSIGNER.UNAVAILABLE' });
      expect(error.kind).toBe('unavailable');
      expect(s.wallets.streams.size).toBe(0);
      s.coSigner.mode = 'ok';
      const wallet = await s.create(MPC_BODY, 'create-cold-3');
      expect(wallet.recoveryShareReturned).toBe(true);
      expect(s.wallets.streams.size).toBe(1);
    },
  );

  it('makes no wallet when the enclave is down (503 ENCLAVE.UNAVAILABLE), asking the co-signer nothing', async () => {
    const s = setup();
    s.agentKeys.down = true;
    await expect(s.create()).rejects.toMatchObject({ code: 'ENCLAVE.UNAVAILABLE' });
    expect(s.coSigner.registered).toHaveLength(0);
    expect(s.wallets.streams.size).toBe(0);
  });
});

import { randomBytes } from 'node:crypto';
import type { CoSignerShare } from '../../../enclave-host/contract';
import { mpcKeyUserData } from '../../../enclave-host/enclave/mpc-key-user-data';
import { MemoryCoSignerShareStore } from '../../../lambdas/co-signer/memory/memory-co-signer-share-store';
import { registerShare, type RegisterShareDeps } from '../../../lambdas/co-signer/register-share';
import { newAccount } from '../domain/proof/proof-fixtures';
import { coSignerShare, config, enclave, NOW, nsm, verifier, WALLET } from './co-signer-fixtures';

/** What the enclave hands over for a new key: share 2, share 3's ciphertext, and the attestation over both. */
async function createdKey(
  share: CoSignerShare = coSignerShare(),
  attestFor?: Partial<Parameters<typeof mpcKeyUserData>[0]>,
) {
  const recovery = randomBytes(49);
  const userData = mpcKeyUserData({
    deployment: share.context.deployment,
    walletId: share.context.walletId,
    address: share.context.address,
    epoch: share.context.epoch,
    coSignerCiphertext: Buffer.from(share.ciphertextBlob, 'base64'),
    recoveryCiphertext: recovery,
    ...attestFor,
  });
  const document = await nsm.attest({ userData });
  return {
    coSignerShare: share,
    attestation: Buffer.from(document).toString('base64'),
    recoveryShareCiphertext: recovery.toString('base64url'),
  };
}

function registrar() {
  const shares = new MemoryCoSignerShareStore();
  const deps: RegisterShareDeps = { config, shares, verifier, clock: () => NOW };
  return { deps, shares };
}

describe('registerShare: share 2 is kept only if the enclave vouched for it', () => {
  it('registers a share the key’s attestation commits to, and a retried registration changes nothing', async () => {
    const { deps, shares } = registrar();
    const input = await createdKey();
    expect(await registerShare(deps, input)).toEqual({ ok: true, outcome: 'registered', walletId: WALLET, epoch: '1' });
    expect(await registerShare(deps, input)).toEqual({
      ok: true,
      outcome: 'already-registered',
      walletId: WALLET,
      epoch: '1',
    });
    expect(await shares.current(WALLET)).toEqual({ share: input.coSignerShare, registeredAt: NOW });
  });

  it('refuses a share whose ciphertext is not the one attested (a host swapped it)', async () => {
    const { deps, shares } = registrar();
    const input = await createdKey();
    const swapped = {
      ...input,
      coSignerShare: { ...input.coSignerShare, ciphertextBlob: randomBytes(180).toString('base64') },
    };
    expect(await registerShare(deps, swapped)).toMatchObject({ ok: false, code: 'COSIGNER.ATTESTATION_INVALID' });
    expect(await shares.current(WALLET)).toBeUndefined();
  });

  it('refuses a recovery ciphertext that is not the one attested', async () => {
    const { deps } = registrar();
    const input = { ...(await createdKey()), recoveryShareCiphertext: randomBytes(49).toString('base64url') };
    const answer = await registerShare(deps, input);
    expect(answer).toMatchObject({ ok: false, code: 'COSIGNER.ATTESTATION_INVALID' });
    expect(!answer.ok && answer.message).toMatch(/user data/);
  });

  it('refuses an address, wallet or epoch other than the attested one', async () => {
    const { deps } = registrar();
    for (const attestFor of [{ address: newAccount().address }, { walletId: 'wallet-other' }, { epoch: '2' }]) {
      const input = await createdKey(coSignerShare(), attestFor);
      expect(await registerShare(deps, input)).toMatchObject({ ok: false, code: 'COSIGNER.ATTESTATION_INVALID' });
    }
  });

  it('refuses a stale key attestation', async () => {
    const { deps } = registrar();
    enclave.time = new Date(NOW.getTime() - 301_000);
    try {
      const input = await createdKey();
      expect(await registerShare(deps, input)).toMatchObject({ ok: false, code: 'COSIGNER.ATTESTATION_INVALID' });
    } finally {
      enclave.time = NOW;
    }
  });

  it('refuses a share made for another deployment', async () => {
    const { deps } = registrar();
    const input = await createdKey(coSignerShare({ deployment: 'another-deployment' }));
    expect(await registerShare(deps, input)).toMatchObject({ ok: false, code: 'COSIGNER.WRONG_DEPLOYMENT' });
  });

  it('refuses a second, different share for the same wallet and epoch', async () => {
    const { deps, shares } = registrar();
    const first = await createdKey();
    await registerShare(deps, first);
    expect(await registerShare(deps, await createdKey())).toMatchObject({ ok: false, code: 'COSIGNER.SHARE_CONFLICT' });
    expect((await shares.current(WALLET))?.share).toEqual(first.coSignerShare);
  });

  it('refuses an epoch older than the current one, and a retired one', async () => {
    const { deps, shares } = registrar();
    const second = await createdKey(coSignerShare({ epoch: '2' }));
    expect(await registerShare(deps, second)).toMatchObject({ ok: true, outcome: 'registered' });
    expect(await registerShare(deps, await createdKey(coSignerShare({ epoch: '1' })))).toMatchObject({
      ok: false,
      code: 'COSIGNER.EPOCH_RETIRED',
    });
    await shares.retire(WALLET, '2', 'key rotated', NOW);
    expect(await registerShare(deps, second)).toMatchObject({ ok: false, code: 'COSIGNER.EPOCH_RETIRED' });
  });

  it('refuses a malformed share, naming the field', async () => {
    const { deps } = registrar();
    const input = await createdKey();
    const cases: [unknown, RegExp][] = [
      [
        { ...input.coSignerShare, context: { ...input.coSignerShare.context, share: '1' } },
        /coSignerShare\.context\.share/,
      ],
      [
        { ...input.coSignerShare, context: { ...input.coSignerShare.context, epoch: '01' } },
        /coSignerShare\.context\.epoch/,
      ],
      [{ ...input.coSignerShare, ciphertextBlob: 'a b' }, /coSignerShare\.ciphertextBlob/],
      [{ ...input.coSignerShare, format: 'v0' }, /coSignerShare\.format/],
      [{ ...input.coSignerShare, extra: 1 }, /coSignerShare\.extra/],
    ];
    for (const [coSignerShare, field] of cases) {
      const answer = await registerShare(deps, { ...input, coSignerShare });
      expect(answer).toMatchObject({ ok: false, code: 'COSIGNER.BAD_REQUEST' });
      expect(!answer.ok && answer.message).toMatch(field);
    }
    const padded = await registerShare(deps, {
      ...input,
      recoveryShareCiphertext: `${input.recoveryShareCiphertext}=`,
    });
    expect(!padded.ok && padded.message).toMatch(/recoveryShareCiphertext/);
  });
});

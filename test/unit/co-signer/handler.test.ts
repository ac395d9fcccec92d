import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { mpcKeyUserData } from '../../../enclave-host/enclave/mpc-key-user-data';
import { ShareUnreadableError } from '../../../lambdas/co-signer/domain/share-unreadable';
import { coSignerHandler } from '../../../lambdas/co-signer/handler';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { newAccount } from '../domain/proof/proof-fixtures';
import { coSigner, coSignerShare, nsm, proofOf, releaseRequest, WALLET } from './co-signer-fixtures';

// Everything the Powertools Logger writes goes through process.stdout / process.stderr.
let output: string[];
beforeEach(() => {
  output = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => jest.restoreAllMocks());

const logLines = (): Record<string, unknown>[] =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function handlerOf(overrides: Parameters<typeof coSigner>[0] = {}) {
  const made = await coSigner(overrides);
  return {
    ...made,
    handle: coSignerHandler(made.deps, new Logger({ serviceName: 'co-signer-test', logLevel: 'INFO' })),
  };
}

/** What the enclave hands over for a new key of another wallet, with the attestation over it. */
async function registration(walletId: string) {
  const share = coSignerShare({ walletId });
  const recovery = randomBytes(49);
  const document = await nsm.attest({
    userData: mpcKeyUserData({
      deployment: share.context.deployment,
      walletId,
      address: share.context.address,
      epoch: share.context.epoch,
      coSignerCiphertext: Buffer.from(share.ciphertextBlob, 'base64'),
      recoveryCiphertext: recovery,
    }),
  });
  return {
    op: 'register',
    coSignerShare: share,
    attestation: Buffer.from(document).toString('base64'),
    recoveryShareCiphertext: recovery.toString('base64url'),
  };
}

describe('the co-signer function', () => {
  it('release: releases share 2 sealed to the session for a valid request, and logs ids and the outcome only', async () => {
    const { handle, sealer } = await handlerOf();
    const request = await releaseRequest(proofOf());
    const answer = await handle({ op: 'release', request });
    expect(answer).toEqual({ ok: true, share: expect.objectContaining({ format: 'strongroom.hpke.v1' }) });
    expect(sealer.calls).toHaveLength(1);
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'co-signer answered',
        op: 'release',
        walletId: WALLET,
        jobId: request.jobId,
        outcome: 'released',
      }),
    ]);
    const text = output.join('');
    for (const secret of [request.attestation, request.proofSignature, 'c2VhbGVk', 'ZW5j'])
      expect(text).not.toContain(secret);
  });

  it('release: a refusal is an answer, logged with its code', async () => {
    const { handle } = await handlerOf();
    const request = await releaseRequest(proofOf(), { signer: newAccount() });
    const answer = await handle({ op: 'release', request });
    expect(answer).toMatchObject({ ok: false, code: 'COSIGNER.PROOF_INVALID' });
    expect(logLines()[0]).toMatchObject({
      level: 'WARN',
      message: 'co-signer refused',
      code: 'COSIGNER.PROOF_INVALID',
    });
  });

  it('register: stores a share the enclave vouched for, and never logs its ciphertext or attestation', async () => {
    const { handle, shares } = await handlerOf();
    const event = await registration('wallet-mpc-2');
    expect(await handle(event)).toEqual({ ok: true, outcome: 'registered', walletId: 'wallet-mpc-2', epoch: '1' });
    expect((await shares.current('wallet-mpc-2'))?.share).toEqual(event.coSignerShare);
    expect(logLines()[0]).toMatchObject({
      op: 'register',
      walletId: 'wallet-mpc-2',
      epoch: '1',
      outcome: 'registered',
    });
    const text = output.join('');
    for (const secret of [event.coSignerShare.ciphertextBlob, event.attestation, event.recoveryShareCiphertext])
      expect(text).not.toContain(secret);
  });

  it('retire: retires an epoch once, then says so; an epoch never registered is unknown', async () => {
    const { handle, shares } = await handlerOf();
    const retire = { op: 'retire', walletId: WALLET, epoch: '1', reason: 'KEY_REVOKED by change chg-1' };
    expect(await handle(retire)).toEqual({ ok: true, outcome: 'retired' });
    expect(await handle({ ...retire, reason: 'again' })).toEqual({ ok: true, outcome: 'already-retired' });
    expect((await shares.current(WALLET))?.retired?.reason).toBe('KEY_REVOKED by change chg-1');
    expect(await handle({ ...retire, epoch: '7' })).toEqual({ ok: true, outcome: 'unknown' });
    // A retired epoch is never released again.
    expect(await handle({ op: 'release', request: await releaseRequest(proofOf()) })).toMatchObject({
      ok: false,
      code: 'COSIGNER.EPOCH_RETIRED',
    });
  });

  it.each([
    ['a non-object', 'release', /^event: must be a JSON object/],
    ['no op', {}, /^op: must be one of release, register, retire/],
    ['an unknown op', { op: 'export' }, /^op: must be one of/],
    ['a field of another op', { op: 'retire', walletId: WALLET, epoch: '1', reason: 'r', request: {} }, /^request: /],
    ['a release without its request', { op: 'release' }, /^request/],
    ['a release request missing a field', { op: 'release', request: { walletId: WALLET } }, /^request\.jobId|jobId/],
    ['a registration without its share', { op: 'register', attestation: 'AA==' }, /^coSignerShare/],
    ['a retirement with a bad epoch', { op: 'retire', walletId: WALLET, epoch: '01', reason: 'r' }, /^epoch: /],
    ['a retirement without a reason', { op: 'retire', walletId: WALLET, epoch: '1' }, /^reason: is required/],
  ])('answers BAD_REQUEST naming the field for %s, never throws', async (_what, event, message) => {
    const { handle, shares } = await handlerOf();
    const answer = await handle(event);
    expect(answer).toEqual({ ok: false, code: 'COSIGNER.BAD_REQUEST', message: expect.stringMatching(message) });
    expect((await shares.current(WALLET))?.retired).toBeUndefined();
  });

  it('a share that does not open under its context is a final refusal (SHARE_UNREADABLE), not a function error', async () => {
    const unreadable = new ShareUnreadableError(
      'invalid-ciphertext',
      'share 2 of wallet wallet-mpc-1 epoch 1 does not open',
    );
    const { handle, releases } = await handlerOf({
      decrypter: {
        decrypt: async () => {
          throw unreadable;
        },
      },
    });
    const answer = await handle({ op: 'release', request: await releaseRequest(proofOf()) });
    expect(answer).toEqual({ ok: false, code: 'COSIGNER.SHARE_UNREADABLE', message: unreadable.message });
    expect(releases.all()).toEqual([]);
    expect(logLines()[0]).toMatchObject({
      level: 'ERROR',
      code: 'COSIGNER.SHARE_UNREADABLE',
      reason: 'invalid-ciphertext',
    });
  });

  it('a dependency that fails (KMS, the table) throws: Lambda reports a function error, and nothing is released', async () => {
    const outage = new DependencyUnavailableError(
      'KEY.UNAVAILABLE',
      'KMS Decrypt of share 2 failed: ThrottlingException',
    );
    const { handle, releases } = await handlerOf({
      decrypter: {
        decrypt: async () => {
          throw outage;
        },
      },
    });
    await expect(handle({ op: 'release', request: await releaseRequest(proofOf()) })).rejects.toBe(outage);
    expect(releases.all()).toEqual([]);
    expect(logLines()[0]).toMatchObject({ level: 'ERROR', error: 'DependencyUnavailableError' });

    const table = new Error('ProvisionedThroughputExceededException');
    const { handle: retire } = await handlerOf({
      shares: {
        register: async () => 'registered',
        current: async () => undefined,
        retire: async () => {
          throw table;
        },
      },
    });
    await expect(retire({ op: 'retire', walletId: WALLET, epoch: '1', reason: 'r' })).rejects.toBe(table);
  });
});

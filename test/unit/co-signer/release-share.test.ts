import { encodeFunctionData, sha256, type Hex } from 'viem';
import type { CoSignerReleaseAnswer, CoSignerReleaseRequest } from '../../../enclave-host/contract';
import { generateRecoveryKeyPair, openShare, sealShare } from '../../../enclave-host/shares/hpke-share';
import { decodeBase64url } from '../../../enclave-host/shares/base64url';
import { mpcSessionUserData } from '../../../enclave-host/enclave/mpc-session-user-data';
import { MemoryReleaseLog } from '../../../lambdas/co-signer/memory/memory-release-log';
import type { ReleaseLog, ShareRelease } from '../../../lambdas/co-signer/ports/release-log';
import { releaseShare } from '../../../lambdas/co-signer/release-share';
import { ERC20_ABI } from '../../../lambdas/domain/intents';
import { newAccount } from '../domain/proof/proof-fixtures';
import {
  coSigner,
  enclave,
  jobIdOf,
  NOW,
  ONE_ETH,
  proofOf,
  releaseRequest,
  sessionAttestation,
  USDC,
  WALLET,
  WALLET_ADDRESS,
} from './co-signer-fixtures';

/** A cap no test amount reaches: for seeding the log with releases of the past. */
const UNCAPPED = 2n ** 255n;

type Refused = Extract<CoSignerReleaseAnswer, { ok: false }>;

function refused(answer: CoSignerReleaseAnswer): Refused {
  if (answer.ok) throw new Error('expected a refusal, got a released share');
  return answer;
}

/** A refusal releases nothing: no decryption, no sealing, no record. */
async function expectRefusal(
  request: CoSignerReleaseRequest | unknown,
  code: string,
  message: RegExp,
  setup = coSigner(),
) {
  const { deps, releases, decrypter, sealer } = await setup;
  const answer = refused(await releaseShare(deps, request as CoSignerReleaseRequest));
  expect(answer.code).toBe(code);
  expect(answer.message).toMatch(message);
  expect(releases.all()).toEqual([]);
  expect(decrypter.asked).toEqual([]);
  expect(sealer.calls).toEqual([]);
  return answer;
}

const releaseOf = (transferId: string, amount: bigint): ShareRelease => ({
  walletId: WALLET,
  proofId: `0x${'00'.repeat(32)}`,
  jobId: `${transferId}:1:0x`,
  transferId,
  epoch: '1',
  asset: 'native',
  amount,
  recipientKeyDigest: `0x${'00'.repeat(32)}`,
  at: NOW,
});

const transferData = (to: Hex, amount: bigint): Hex =>
  encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [to, amount] });

describe('releaseShare: share 2 for one signature, after the co-signer’s own checks', () => {
  it('releases share 2 sealed to the attested session key, records the release and zeroises the plaintext', async () => {
    const { deps, releases, decrypter, sealer, share } = await coSigner();
    const proof = proofOf();
    const publicKey = new Uint8Array(32).fill(7);
    const jobId = jobIdOf(proof);
    const request = await releaseRequest(proof, { attestation: await sessionAttestation(jobId, { publicKey }) });

    const answer = await releaseShare(deps, request);

    expect(answer.ok).toBe(true);
    expect(decrypter.asked).toEqual([share]);
    expect(sealer.calls).toHaveLength(1);
    expect(sealer.calls[0]!.publicKey).toEqual(publicKey);
    expect(sealer.calls[0]!.share).toEqual(new Uint8Array(33).fill(0x5a));
    expect(sealer.calls[0]!.context).toEqual({ ...share.context, share: '2' });
    expect(decrypter.returned[0]).toEqual(new Uint8Array(33)); // zeroised
    expect(releases.all()).toEqual([
      {
        walletId: WALLET,
        proofId: jobId.split(':')[2],
        jobId,
        transferId: proof.transferId,
        epoch: '1',
        asset: 'native',
        amount: ONE_ETH,
        recipientKeyDigest: sha256(publicKey),
        at: NOW,
      },
    ]);
    // Nothing secret in the record or the answer.
    expect(JSON.stringify(releases.all(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(
      /5a5a|WlpaWlpa/i,
    );
  });

  it('with the real HPKE seal, the session’s private key opens exactly share 2 under its context', async () => {
    const session = await generateRecoveryKeyPair();
    const { deps, share } = await coSigner({ sealShare });
    const proof = proofOf();
    const attestation = await sessionAttestation(jobIdOf(proof), { publicKey: decodeBase64url(session.publicKey)! });
    const answer = await releaseShare(deps, await releaseRequest(proof, { attestation }));
    if (!answer.ok) throw new Error(answer.message);
    const opened = await openShare(session.privateKey, answer.share, share.context);
    expect(opened).toEqual(new Uint8Array(33).fill(0x5a));
  });

  it('writes the release before answering: a log that cannot record means no share is returned', async () => {
    const failing: ReleaseLog = {
      recordWithinCap: () => Promise.reject(new Error('the release log is unavailable')),
      find: () => Promise.resolve(undefined),
      releasedSince: () => Promise.resolve(0n),
    };
    const { deps, decrypter } = await coSigner({ releases: failing });
    await expect(releaseShare(deps, await releaseRequest(proofOf()))).rejects.toThrow('the release log is unavailable');
    expect(decrypter.returned[0]).toEqual(new Uint8Array(33)); // zeroised all the same
  });

  describe('refuses a request that is not well formed (BAD_REQUEST), naming the field', () => {
    it('a missing attestation', async () => {
      const { attestation: _omitted, ...request } = await releaseRequest(proofOf());
      await expectRefusal(request, 'COSIGNER.BAD_REQUEST', /request\.attestation/);
    });
    it('an unknown field', async () => {
      await expectRefusal(
        { ...(await releaseRequest(proofOf())), digest: '0x00' },
        'COSIGNER.BAD_REQUEST',
        /request\.digest/,
      );
    });
    it('a jobId that is not transfer:attempt:proofId', async () => {
      await expectRefusal(
        await releaseRequest(proofOf(), { jobId: 'job-1' }),
        'COSIGNER.BAD_REQUEST',
        /request\.jobId/,
      );
    });
    it('a proof that does not parse', async () => {
      const request = await releaseRequest(proofOf());
      await expectRefusal(
        { ...request, proof: { ...(request.proof as object), validUntil: 'tomorrow' } },
        'COSIGNER.BAD_REQUEST',
        /request\.proof\.validUntil/,
      );
    });
    it('an attestation that is not canonical base64', async () => {
      await expectRefusal(
        await releaseRequest(proofOf(), { attestation: 'not base64!' }),
        'COSIGNER.BAD_REQUEST',
        /request\.attestation/,
      );
    });
  });

  describe('refuses a proof that does not verify (PROOF_INVALID)', () => {
    it('a proof altered after signing', async () => {
      const signed = proofOf();
      const tampered = proofOf({}, { to: newAccount().address });
      await expectRefusal(
        await releaseRequest(tampered, { sign: signed, jobId: jobIdOf(tampered) }),
        'COSIGNER.PROOF_INVALID',
        /not by the expected key/,
      );
    });
    it('a proof signed by another key than the configured approval key', async () => {
      await expectRefusal(
        await releaseRequest(proofOf(), { signer: newAccount() }),
        'COSIGNER.PROOF_INVALID',
        /not by the expected key/,
      );
    });
    it('an expired proof', async () => {
      await expectRefusal(
        await releaseRequest(proofOf({ validUntil: new Date(NOW.getTime() - 1000) })),
        'COSIGNER.PROOF_INVALID',
        /valid until/,
      );
    });
    it('a proof for another wallet than the request’s', async () => {
      await expectRefusal(
        await releaseRequest(proofOf({ walletId: 'wallet-other' })),
        'COSIGNER.PROOF_INVALID',
        /for wallet wallet-other/,
      );
    });
  });

  describe('refuses a transaction that is not the job’s or the wallet’s (TRANSACTION_MISMATCH)', () => {
    it('a transaction from another address than the wallet’s', async () => {
      await expectRefusal(
        await releaseRequest(proofOf({}, { from: newAccount().address })),
        'COSIGNER.TRANSACTION_MISMATCH',
        new RegExp(`not the wallet's ${WALLET_ADDRESS}`),
      );
    });
    it('a job that names another proof', async () => {
      const other = proofOf({ transferId: 'tr-other' });
      const proof = proofOf();
      const jobId = `${proof.transferId}:1:${jobIdOf(other).split(':')[2]}`;
      await expectRefusal(await releaseRequest(proof, { jobId }), 'COSIGNER.TRANSACTION_MISMATCH', /another proof/);
    });
    it('a job for another transfer', async () => {
      const proof = proofOf();
      const jobId = `tr-other:1:${jobIdOf(proof).split(':')[2]}`;
      await expectRefusal(await releaseRequest(proof, { jobId }), 'COSIGNER.TRANSACTION_MISMATCH', /transfer tr-other/);
    });
  });

  it('refuses a wallet it holds no share for (UNKNOWN_WALLET)', async () => {
    // A proof signed for that wallet verifies: only the missing share refuses it.
    const request = { ...(await releaseRequest(proofOf({ walletId: 'wallet-unknown' }))), walletId: 'wallet-unknown' };
    await expectRefusal(request, 'COSIGNER.UNKNOWN_WALLET', /no share is registered for wallet wallet-unknown/);
  });

  it('refuses a retired epoch (EPOCH_RETIRED)', async () => {
    const setup = coSigner();
    const { shares } = await setup;
    expect(await shares.retire(WALLET, '1', 'key revoked', NOW)).toBe('retired');
    await expectRefusal(await releaseRequest(proofOf()), 'COSIGNER.EPOCH_RETIRED', /epoch 1 .* retired/, setup);
  });

  describe('its own daily cap (CAP_EXCEEDED), configured apart from the policy', () => {
    it('refuses a release over the cap, and counts a redelivered proof once', async () => {
      const setup = coSigner();
      const { deps, releases } = await setup;
      const first = proofOf({ transferId: 'tr-1' }, { value: 3n * (ONE_ETH / 2n) });
      expect((await releaseShare(deps, await releaseRequest(first))).ok).toBe(true);
      // The same proof again (its job redelivered, a new session): released, not counted twice.
      expect((await releaseShare(deps, await releaseRequest(first))).ok).toBe(true);
      expect(await releases.releasedSince(WALLET, 'native', new Date(0))).toBe(3n * (ONE_ETH / 2n));
      expect(releases.all()).toHaveLength(1);
      // Half an ether more fits the 2-ether cap exactly; one wei more does not.
      const fits = proofOf({ transferId: 'tr-2' }, { value: ONE_ETH / 2n });
      const over = proofOf({ transferId: 'tr-3' }, { value: 1n });
      expect((await releaseShare(deps, await releaseRequest(fits))).ok).toBe(true);
      const answer = refused(await releaseShare(deps, await releaseRequest(over)));
      expect(answer.code).toBe('COSIGNER.CAP_EXCEEDED');
      expect(answer.message).toMatch(/exceeds wallet wallet-mpc-1's cap of 2000000000000000000/);
      expect(releases.all()).toHaveLength(2);
    });

    it('checks the cap again as it records: a release that passed the first check but lost a race is refused unreturned', async () => {
      const releases = new MemoryReleaseLog();
      // A log whose early sum is stale: another release of the wallet committed after it was read.
      const racing: ReleaseLog = {
        recordWithinCap: (release, cap, since) => releases.recordWithinCap(release, cap, since),
        find: (walletId, proofId) => releases.find(walletId, proofId),
        releasedSince: () => Promise.resolve(0n),
      };
      const { deps, sealer } = await coSigner({ releases: racing });
      await releases.recordWithinCap(
        { ...releaseOf('tr-other', 2n * ONE_ETH), proofId: `0x${'07'.repeat(32)}` },
        UNCAPPED,
        new Date(0),
      );
      const answer = refused(await releaseShare(deps, await releaseRequest(proofOf({}, { value: 1n }))));
      expect(answer.code).toBe('COSIGNER.CAP_EXCEEDED');
      expect(answer.message).toMatch(/1 more of native after 2000000000000000000 released in 24 h exceeds/);
      expect(sealer.calls).toHaveLength(1); // sealed, then dropped: only an answer carries a share
      expect(releases.all()).toHaveLength(1);
    });

    it('counts only the last 24 hours', async () => {
      const setup = coSigner();
      const { deps, releases } = await setup;
      const old = {
        walletId: WALLET,
        jobId: 'tr-old:1:0x',
        transferId: 'tr-old',
        epoch: '1',
        asset: 'native' as const,
        amount: 2n * ONE_ETH,
        recipientKeyDigest: `0x${'00'.repeat(32)}` as Hex,
      };
      await releases.recordWithinCap(
        { ...old, proofId: `0x${'01'.repeat(32)}`, at: new Date(NOW.getTime() - 25 * 3_600_000) },
        UNCAPPED,
        new Date(0),
      );
      expect((await releaseShare(deps, await releaseRequest(proofOf()))).ok).toBe(true);
      await releases.recordWithinCap(
        { ...old, proofId: `0x${'02'.repeat(32)}`, amount: 1n, at: new Date(NOW.getTime() - 23 * 3_600_000) },
        UNCAPPED,
        new Date(0),
      );
      const answer = refused(
        await releaseShare(deps, await releaseRequest(proofOf({ transferId: 'tr-9' }, { value: ONE_ETH }))),
      );
      expect(answer.code).toBe('COSIGNER.CAP_EXCEEDED');
      expect(answer.message).toMatch(/after 1000000000000000001 released in 24 h/);
      expect(releases.all()).toHaveLength(3);
    });

    it('counts an ERC-20 transfer’s token amount against the token’s cap', async () => {
      const setup = coSigner();
      const { deps, releases } = await setup;
      const to = newAccount().address;
      const within = proofOf({ transferId: 'tr-t1' }, { to: USDC, value: 0n, data: transferData(to, 600_000_000n) });
      expect((await releaseShare(deps, await releaseRequest(within))).ok).toBe(true);
      expect(releases.all()[0]).toMatchObject({ asset: USDC, amount: 600_000_000n });
      const over = proofOf({ transferId: 'tr-t2' }, { to: USDC, value: 0n, data: transferData(to, 400_000_001n) });
      const answer = refused(await releaseShare(deps, await releaseRequest(over)));
      expect(answer.code).toBe('COSIGNER.CAP_EXCEEDED');
      expect(releases.all()).toHaveLength(1);
    });

    it('refuses an asset without a configured cap (deny by default)', async () => {
      const token = newAccount().address;
      const proof = proofOf({}, { to: token, value: 0n, data: transferData(newAccount().address, 1n) });
      await expectRefusal(await releaseRequest(proof), 'COSIGNER.CAP_EXCEEDED', /no daily cap is configured for 0x/);
    });

    it('refuses a call it cannot value (not an ERC-20 transfer or approval)', async () => {
      const proof = proofOf({}, { value: 0n, data: '0xabcdef01' });
      await expectRefusal(await releaseRequest(proof), 'COSIGNER.CAP_EXCEEDED', /cannot value this transaction/);
    });

    it('a wallet’s own cap wins over the default', async () => {
      const setup = coSigner();
      const { deps } = await setup;
      const strict = {
        ...deps,
        config: { ...deps.config, caps: { ...deps.config.caps, wallets: { [WALLET]: { native: ONE_ETH / 2n } } } },
      };
      const answer = refused(await releaseShare(strict, await releaseRequest(proofOf())));
      expect(answer.code).toBe('COSIGNER.CAP_EXCEEDED');
    });
  });

  describe('refuses a session attestation that does not verify for this job (ATTESTATION_INVALID)', () => {
    it('user data for another job', async () => {
      const proof = proofOf();
      const attestation = await sessionAttestation(jobIdOf(proof, 2));
      await expectRefusal(await releaseRequest(proof, { attestation }), 'COSIGNER.ATTESTATION_INVALID', /user data/);
    });
    it('user data for another deployment', async () => {
      const proof = proofOf();
      const attestation = await sessionAttestation(jobIdOf(proof), {
        userData: mpcSessionUserData('another-deployment', WALLET, jobIdOf(proof)),
      });
      await expectRefusal(await releaseRequest(proof, { attestation }), 'COSIGNER.ATTESTATION_INVALID', /user data/);
    });
    it('no public key', async () => {
      const proof = proofOf();
      const attestation = await sessionAttestation(jobIdOf(proof), { publicKey: null });
      await expectRefusal(
        await releaseRequest(proof, { attestation }),
        'COSIGNER.ATTESTATION_INVALID',
        /no 32-byte X25519 public key/,
      );
    });
    it('a public key that is not 32 bytes', async () => {
      const proof = proofOf();
      const attestation = await sessionAttestation(jobIdOf(proof), { publicKey: new Uint8Array(65).fill(4) });
      await expectRefusal(await releaseRequest(proof, { attestation }), 'COSIGNER.ATTESTATION_INVALID', /no 32-byte/);
    });
    it('a stale document (more than five minutes old)', async () => {
      const proof = proofOf();
      enclave.time = new Date(NOW.getTime() - 301_000);
      try {
        const attestation = await sessionAttestation(jobIdOf(proof));
        await expectRefusal(await releaseRequest(proof, { attestation }), 'COSIGNER.ATTESTATION_INVALID', /s old/);
      } finally {
        enclave.time = NOW;
      }
    });
  });
});

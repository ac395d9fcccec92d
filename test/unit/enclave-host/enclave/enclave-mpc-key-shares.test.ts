import { randomBytes } from 'node:crypto';
import { combine } from 'shamir-secret-sharing';
import { recoverTransactionAddress, type Hex } from 'viem';
import type {
  CreatedMpcKey,
  EnclaveRequest,
  HpkeSealed,
  SealedKey,
  ShareContext,
} from '../../../../enclave-host/contract';
import { MPC_SESSION_TTL_SECONDS } from '../../../../enclave-host/contract';
import { createEnclave } from '../../../../enclave-host/enclave/create-enclave';
import { mpcKeyUserData } from '../../../../enclave-host/enclave/mpc-key-user-data';
import { mpcSessionUserData } from '../../../../enclave-host/enclave/mpc-session-user-data';
import { MAX_OPEN_MPC_SESSIONS } from '../../../../enclave-host/enclave/mpc-sessions';
import { unsealSecret } from '../../../../enclave-host/enclave/seal-secret';
import type { EnclaveHandler } from '../../../../enclave-host/protocol/serve-frames';
import {
  addressOfSecretKey,
  combineShares,
  generateRecoveryKeyPair,
  openShare,
  sealShare,
} from '../../../../enclave-host/shares';
import {
  buildAuthorizationTypedData,
  type AuthorizationProof,
} from '../../../../lambdas/domain/proof/authorization-proof';
import { proofToJson } from '../../../../lambdas/domain/proof/proof-json';
import { BEFORE_EXPIRY, DOMAIN, newAccount, sampleProof } from '../../domain/proof/proof-fixtures';
import {
  CO_SIGNER_KEY_ARN,
  enclaveConfig,
  FakeEnclaveKms,
  FakeNsm,
  readFakeDocument,
  SEALING_KEY_ARN,
  refusal,
} from './enclave-fakes';

const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-real-secret', sessionToken: 'token' };
const approvalKey = newAccount();
const WALLET = sampleProof().walletId;
const JOB = `${sampleProof().transferId}:1:proof-1`;

interface Setup {
  readonly enclave: EnclaveHandler;
  readonly nsm: FakeNsm;
  readonly kms: FakeEnclaveKms;
  now: Date;
}

function setup(config = enclaveConfig(approvalKey.address)): Setup {
  const nsm = new FakeNsm();
  const kms = new FakeEnclaveKms();
  const state: Setup = {
    nsm,
    kms,
    now: BEFORE_EXPIRY,
    enclave: createEnclave({ config, nsm, kms, clock: () => state.now }),
  };
  return state;
}

interface MpcKey extends CreatedMpcKey {
  readonly recoveryPrivateKey: Uint8Array;
}

async function createMpcKey(s: Setup, walletId = WALLET): Promise<MpcKey> {
  const recovery = await generateRecoveryKeyPair();
  const result = await s.enclave({ op: 'createMpcKey', walletId, recoveryPublicKey: recovery.publicKey, credentials });
  if (result.op !== 'createMpcKey') throw new Error(`unexpected ${result.op}`);
  return { ...result, recoveryPrivateKey: recovery.privateKey };
}

/** Share 2 as the co-signer's role would decrypt it: KMS Decrypt under its key with the share's context. */
const coSignerDecrypt = (s: Setup, key: CreatedMpcKey): Uint8Array =>
  s.kms.decryptAsCoSigner(Buffer.from(key.coSignerShare.ciphertextBlob, 'base64'), { ...key.coSignerShare.context });

/** Share 1 as only the enclave can open it (the same NSM and KMS): for the recovery checks alone. */
const unsealShare1 = (s: Setup, key: CreatedMpcKey): Promise<Uint8Array> =>
  unsealSecret(
    { config: enclaveConfig(approvalKey.address), nsm: s.nsm, kms: s.kms, random: (n) => s.nsm.random(n) },
    key.sealedShare,
    credentials,
  );

async function openSession(s: Setup, walletId = WALLET, jobId = JOB) {
  const result = await s.enclave({ op: 'openMpcSession', walletId, jobId });
  if (result.op !== 'openMpcSession') throw new Error(`unexpected ${result.op}`);
  const document = readFakeDocument(Buffer.from(result.attestation, 'base64'));
  return {
    sessionId: result.sessionId,
    document,
    publicKey: new Uint8Array(Buffer.from(document.publicKey!, 'base64')),
  };
}

/** What the co-signer releases: share 2, HPKE-sealed to the session's attested key under the share's context. */
async function release(
  s: Setup,
  key: CreatedMpcKey,
  sessionPublicKey: Uint8Array,
  context: ShareContext = key.coSignerShare.context,
): Promise<HpkeSealed> {
  const share2 = coSignerDecrypt(s, key);
  try {
    return await sealShare(sessionPublicKey, share2, context);
  } finally {
    share2.fill(0);
  }
}

async function signedProof(from: Hex, change: Partial<AuthorizationProof> = {}) {
  const proof: AuthorizationProof = {
    ...sampleProof(),
    transaction: { ...sampleProof().transaction, from },
    ...change,
  };
  const proofSignature = await approvalKey.signTypedData(
    buildAuthorizationTypedData({ ...DOMAIN, chainId: proof.transaction.chainId }, proof),
  );
  return { proof, json: proofToJson(proof), proofSignature };
}

type SignMpc = Extract<EnclaveRequest, { op: 'signMpc' }>;

/** A whole signMpc request for `key`: a new session (unless given), share 2 released to it, a valid proof. */
async function signMpcRequest(
  s: Setup,
  key: CreatedMpcKey,
  change: Partial<SignMpc> = {},
  session?: { readonly sessionId: string; readonly publicKey: Uint8Array },
): Promise<SignMpc> {
  const open = session ?? (await openSession(s));
  const signed = await signedProof(key.address);
  return {
    op: 'signMpc',
    transferId: signed.proof.transferId,
    walletId: WALLET,
    jobId: JOB,
    sessionId: open.sessionId,
    proof: signed.json,
    proofSignature: signed.proofSignature,
    sealedShare: key.sealedShare,
    releasedShare: await release(s, key, open.publicKey),
    credentials,
    ...change,
  };
}

describe('the enclave’s 2-of-3 key shares (issue 16)', () => {
  describe('createMpcKey', () => {
    it('splits a key made inside into three shares in three places, any two of which rebuild the address', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const context = (share: ShareContext['share']): ShareContext => ({
        deployment: DOMAIN.deploymentId,
        walletId: WALLET,
        address: key.address,
        epoch: '1',
        share,
      });
      expect(key.epoch).toBe('1');
      expect(key.sealedShare).toEqual({
        format: 'strongroom.sealed.v1',
        context: { deployment: DOMAIN.deploymentId, walletId: WALLET, purpose: 'key-share', version: '1' },
        address: key.address,
        encryptedDataKey: expect.any(String),
        iv: expect.any(String),
        ciphertext: expect.any(String),
      });
      expect(key.coSignerShare).toEqual({
        format: 'strongroom.cosigner-share.v1',
        context: context('2'),
        ciphertextBlob: expect.any(String),
      });
      expect(key.recoveryShare.context).toEqual(context('3'));
      expect(s.kms.requests).toEqual([
        { operation: 'GenerateDataKey', keyId: SEALING_KEY_ARN, context: key.sealedShare.context },
        { operation: 'Encrypt', keyId: CO_SIGNER_KEY_ARN, context: context('2') },
      ]);

      const share1 = await unsealShare1(s, key);
      const share2 = coSignerDecrypt(s, key);
      const share3 = await openShare(key.recoveryPrivateKey, key.recoveryShare, context('3'));
      for (const [a, b] of [
        [share1, share2],
        [share1, share3],
        [share2, share3],
      ] as const) {
        const rebuilt = await combineShares(a, b, key.address);
        expect(addressOfSecretKey(rebuilt)).toBe(key.address);
      }
      // One share alone rebuilds nothing: not twice over, and not with the library's own combine.
      await expect(combineShares(share3, share3, key.address)).rejects.toMatchObject({
        code: 'SHARES.DUPLICATE_SHARE',
      });
      const alone = await combine([share3]).then(
        (bytes) => addressOfSecretKey(bytes),
        () => undefined,
      );
      expect(alone).not.toBe(key.address);

      // The key's buffer and the shares the enclave held are zeroised; no secret is in what left it.
      const secret = s.nsm.copies.find((bytes) => bytes.length === 32)!;
      expect(s.nsm.handedOut.find((bytes) => bytes.length === 32)!.every((byte) => byte === 0)).toBe(true);
      const answer = JSON.stringify(key);
      for (const bytes of [secret, Buffer.from(share1), Buffer.from(share2), Buffer.from(share3)]) {
        expect(answer).not.toContain(bytes.toString('hex'));
        expect(answer).not.toContain(bytes.toString('base64'));
        expect(answer).not.toContain(bytes.toString('base64url'));
      }
    });

    it('attests the user data the co-signer checks: the wallet, address, epoch and both ciphertexts', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const expected = mpcKeyUserData({
        deployment: DOMAIN.deploymentId,
        walletId: WALLET,
        address: key.address,
        epoch: '1',
        coSignerCiphertext: Buffer.from(key.coSignerShare.ciphertextBlob, 'base64'),
        recoveryCiphertext: Buffer.from(key.recoveryShare.ciphertext, 'base64url'),
      });
      expect(readFakeDocument(Buffer.from(key.attestation, 'base64')).userData).toBe(
        Buffer.from(expected).toString('hex'),
      );
    });

    it('refuses when the image has no co-signer key, or the recovery key is malformed (BAD_REQUEST), before any KMS call', async () => {
      const { coSignerKeyArn: _, ...withoutCoSigner } = enclaveConfig(approvalKey.address);
      const s = setup(withoutCoSigner);
      const { publicKey } = await generateRecoveryKeyPair();
      await refusal(
        s.enclave({ op: 'createMpcKey', walletId: WALLET, recoveryPublicKey: publicKey, credentials }),
        'ENCLAVE.BAD_REQUEST',
      );
      const t = setup();
      for (const recoveryPublicKey of [`${publicKey}=`, publicKey.slice(1), Buffer.alloc(32).toString('base64url')]) {
        await refusal(
          t.enclave({ op: 'createMpcKey', walletId: WALLET, recoveryPublicKey, credentials }),
          'ENCLAVE.BAD_REQUEST',
        );
      }
      expect([...s.kms.requests, ...t.kms.requests]).toEqual([]);
    });

    it('reports KMS throttling as KMS_UNAVAILABLE', async () => {
      const s = setup();
      s.kms.unavailable = true;
      const { publicKey } = await generateRecoveryKeyPair();
      await refusal(
        s.enclave({ op: 'createMpcKey', walletId: WALLET, recoveryPublicKey: publicKey, credentials }),
        'ENCLAVE.KMS_UNAVAILABLE',
      );
    });
  });

  describe('openMpcSession', () => {
    it('attests a fresh X25519 key for (deployment, wallet, job), a new one each time', async () => {
      const s = setup();
      const first = await openSession(s);
      const second = await openSession(s);
      expect(first.publicKey).toHaveLength(32);
      expect(first.document.userData).toBe(
        Buffer.from(mpcSessionUserData(DOMAIN.deploymentId, WALLET, JOB)).toString('hex'),
      );
      expect(second.sessionId).not.toBe(first.sessionId);
      expect(Buffer.from(second.publicKey).equals(Buffer.from(first.publicKey))).toBe(false);
    });

    it(`keeps at most ${MAX_OPEN_MPC_SESSIONS} sessions open: the oldest is closed first`, async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const oldest = await openSession(s);
      const second = await openSession(s);
      for (let i = 2; i < MAX_OPEN_MPC_SESSIONS + 1; i++) await openSession(s);
      await refusal(s.enclave(await signMpcRequest(s, key, {}, oldest)), 'ENCLAVE.SESSION_UNKNOWN');
      expect((await s.enclave(await signMpcRequest(s, key, {}, second))).op).toBe('signMpc');
    });
  });

  describe('signMpc', () => {
    it('combines share 1 and the released share 2 and signs the proof’s transaction as the wallet', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const result = await s.enclave(await signMpcRequest(s, key));
      if (result.op !== 'signMpc') throw new Error('not a signature');
      expect(
        await recoverTransactionAddress({ serializedTransaction: result.serializedTransaction as `0x02${string}` }),
      ).toBe(key.address);
      // Every 32-byte secret the enclave drew (the key at creation, the session's private key) is zeros now.
      expect(s.nsm.handedOut.filter((bytes) => bytes.length === 32).every((b) => b.every((byte) => byte === 0))).toBe(
        true,
      );
    });

    it('refuses an unknown, expired or reused session (SESSION_UNKNOWN)', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const unknown = await signMpcRequest(s, key, { sessionId: randomBytes(16).toString('base64url') });
      await refusal(s.enclave(unknown), 'ENCLAVE.SESSION_UNKNOWN');

      const expiring = await signMpcRequest(s, key);
      s.now = new Date(BEFORE_EXPIRY.getTime() + MPC_SESSION_TTL_SECONDS * 1000);
      await refusal(s.enclave(expiring), 'ENCLAVE.SESSION_UNKNOWN');
      s.now = BEFORE_EXPIRY;

      const once = await signMpcRequest(s, key);
      expect((await s.enclave(once)).op).toBe('signMpc');
      await refusal(s.enclave(once), 'ENCLAVE.SESSION_UNKNOWN');
    });

    it('refuses a session opened for another job or wallet, and closes it (SESSION_UNKNOWN)', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const otherJob = await openSession(s, WALLET, `${JOB}-other`);
      const request = await signMpcRequest(s, key, {}, otherJob);
      await refusal(s.enclave(request), 'ENCLAVE.SESSION_UNKNOWN');
      await refusal(s.enclave({ ...request, jobId: `${JOB}-other` }), 'ENCLAVE.SESSION_UNKNOWN');

      const otherWallet = await openSession(s, 'wallet-other', JOB);
      await refusal(s.enclave(await signMpcRequest(s, key, {}, otherWallet)), 'ENCLAVE.SESSION_UNKNOWN');
    });

    it('refuses share 2 of another wallet, or of another epoch (SHARE_INVALID)', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const other = await createMpcKey(s, 'wallet-other');
      const session = await openSession(s);
      const request = await signMpcRequest(
        s,
        key,
        { releasedShare: await release(s, other, session.publicKey) },
        session,
      );
      await refusal(s.enclave(request), 'ENCLAVE.SHARE_INVALID');

      const next = await openSession(s);
      const epoch2 = await release(s, key, next.publicKey, { ...key.coSignerShare.context, epoch: '2' });
      await refusal(s.enclave(await signMpcRequest(s, key, { releasedShare: epoch2 }, next)), 'ENCLAVE.SHARE_INVALID');
    });

    it('refuses share 2 sealed to another key than the session’s, or of another key of the same wallet (SHARE_INVALID)', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const session = await openSession(s);
      const elsewhere = await release(s, key, (await openSession(s)).publicKey);
      await refusal(
        s.enclave(await signMpcRequest(s, key, { releasedShare: elsewhere }, session)),
        'ENCLAVE.SHARE_INVALID',
      );

      // A second key made for the same wallet and epoch (never registered): its share 2 opens, but does not combine.
      const twin = await createMpcKey(s);
      const next = await openSession(s);
      const twinShare = await release(s, twin, next.publicKey, { ...twin.coSignerShare.context, address: key.address });
      await refusal(
        s.enclave(await signMpcRequest(s, key, { releasedShare: twinShare }, next)),
        'ENCLAVE.SHARE_INVALID',
      );
    });

    it("refuses share 1 of another wallet: as it is (WRONG_WALLET), relabelled (UNSEAL_FAILED), or an agent key's (WRONG_WALLET)", async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const other = await createMpcKey(s, 'wallet-other');
      await refusal(
        s.enclave(await signMpcRequest(s, key, { sealedShare: other.sealedShare })),
        'ENCLAVE.WRONG_WALLET',
      );
      const relabelled: SealedKey = {
        ...other.sealedShare,
        context: { ...other.sealedShare.context, walletId: WALLET },
        address: key.address,
      };
      await refusal(s.enclave(await signMpcRequest(s, key, { sealedShare: relabelled })), 'ENCLAVE.UNSEAL_FAILED');
      const agentKey = await s.enclave({ op: 'createAgentKey', walletId: WALLET, credentials });
      if (agentKey.op !== 'createAgentKey') throw new Error('not an agent key');
      await refusal(
        s.enclave(await signMpcRequest(s, key, { sealedShare: agentKey.sealedKey })),
        'ENCLAVE.WRONG_WALLET',
      );
    });

    it('refuses a tampered proof (PROOF_INVALID) and closes the session all the same', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const request = await signMpcRequest(s, key);
      const json = request.proof as { transaction: Record<string, unknown> };
      const tampered = { ...json, transaction: { ...json.transaction, value: '9000000000000000000' } };
      await refusal(s.enclave({ ...request, proof: tampered }), 'ENCLAVE.PROOF_INVALID');
      expect(s.kms.requests.map((r) => r.operation)).toEqual(['GenerateDataKey', 'Encrypt']);
      await refusal(s.enclave(request), 'ENCLAVE.SESSION_UNKNOWN');
    });

    it('refuses a transaction that differs from the proof: another transfer, another from, or one in the request', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      await refusal(
        s.enclave(await signMpcRequest(s, key, { transferId: 'tr_another' })),
        'ENCLAVE.TRANSACTION_MISMATCH',
      );
      const otherFrom = await signedProof(newAccount().address);
      await refusal(
        s.enclave(await signMpcRequest(s, key, { proof: otherFrom.json, proofSignature: otherFrom.proofSignature })),
        'ENCLAVE.ADDRESS_MISMATCH',
      );
      const withTransaction = { ...(await signMpcRequest(s, key)), transaction: sampleProof().transaction };
      await refusal(s.enclave(withTransaction as unknown as EnclaveRequest), 'ENCLAVE.BAD_REQUEST');
    });

    it('never puts a share or key into a refusal', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const share2 = coSignerDecrypt(s, key);
      const other = await createMpcKey(s, 'wallet-other');
      const messages: string[] = [];
      for (const change of [
        { transferId: 'tr_x' },
        { sealedShare: other.sealedShare },
        { sealedShare: { ...key.sealedShare, address: other.address } },
      ]) {
        messages.push(
          await s.enclave(await signMpcRequest(s, key, change)).then(
            () => '',
            (e: Error) => e.message,
          ),
        );
      }
      const secrets = [s.nsm.copies.find((bytes) => bytes.length === 32)!, Buffer.from(share2)];
      expect(messages.every((m) => m.length > 0)).toBe(true);
      for (const secret of secrets)
        expect(messages.some((m) => m.includes(secret.toString('hex')) || m.includes(secret.toString('base64')))).toBe(
          false,
        );
    });
  });

  describe('recovery: share 3 with share 1 or share 2 (ARCHITECTURE: docs/signing-schemes.md; enclave-host/shares/README.md)', () => {
    const share3Context = (key: CreatedMpcKey): ShareContext => ({ ...key.coSignerShare.context, share: '3' });

    it('3 + 1, the co-signer lost: the customer releases share 3 to an attested session; the enclave combines it with share 1 and signs a proof', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const share3 = await openShare(key.recoveryPrivateKey, key.recoveryShare, share3Context(key));
      const session = await openSession(s);
      // The customer checks the session's attestation (here: the fake NSM's document), then seals share 3 to its key.
      expect(session.document.publicKey).toBeDefined();
      const released = await sealShare(session.publicKey, share3, share3Context(key));
      share3.fill(0);
      const result = await s.enclave(await signMpcRequest(s, key, { releasedShare: released }, session));
      if (result.op !== 'signMpc') throw new Error('not a signature');
      expect(
        await recoverTransactionAddress({ serializedTransaction: result.serializedTransaction as `0x02${string}` }),
      ).toBe(key.address);
    });

    it('3 + 1 still needs a proof the approval key signed, and share 3 relabelled as share 2 does not open', async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const share3 = await openShare(key.recoveryPrivateKey, key.recoveryShare, share3Context(key));
      const session = await openSession(s);
      const released = await sealShare(session.publicKey, share3, share3Context(key));
      const tampered = await signMpcRequest(
        s,
        key,
        { releasedShare: released, proofSignature: `0x${'11'.repeat(65)}` },
        session,
      );
      await refusal(s.enclave(tampered), 'ENCLAVE.PROOF_INVALID');

      const next = await openSession(s);
      const relabelled = {
        ...(await sealShare(next.publicKey, share3, share3Context(key))),
        context: key.coSignerShare.context,
      };
      await refusal(
        s.enclave(await signMpcRequest(s, key, { releasedShare: relabelled }, next)),
        'ENCLAVE.SHARE_INVALID',
      );
      share3.fill(0);
    });

    it("3 + 2, the enclave lost: share 2 as the co-signer key's administrators decrypt it and share 3 as the customer opens it rebuild the wallet's key", async () => {
      const s = setup();
      const key = await createMpcKey(s);
      const share2 = coSignerDecrypt(s, key); // KMS Decrypt under the co-signer key, with the share's context
      const share3 = await openShare(key.recoveryPrivateKey, key.recoveryShare, share3Context(key));
      const rebuilt = await combineShares(share2, share3, key.address);
      expect(addressOfSecretKey(rebuilt)).toBe(key.address);
      // Share 3 alone, or share 2 with another wallet's share 3, rebuilds nothing.
      const other = await createMpcKey(s, 'wallet-other');
      const otherShare3 = await openShare(other.recoveryPrivateKey, other.recoveryShare, share3Context(other));
      await expect(combineShares(share2, otherShare3, key.address)).rejects.toMatchObject({
        code: expect.stringMatching(/^SHARES\./),
      });
      for (const bytes of [share2, share3, rebuilt, otherShare3]) bytes.fill(0);
    });
  });
});

import { parseSignature, type Hex } from 'viem';
import { StrongroomError, type ErrorCode } from '../../../lambdas/domain/errors';
import {
  buildAuditCheckpointTypedData,
  verifyAuditCheckpoint,
  type AuditCheckpoint,
} from '../../../lambdas/domain/proof/audit-checkpoint';
import { buildAuthorizationTypedData } from '../../../lambdas/domain/proof/authorization-proof';
import { verifyAuthorizationProof } from '../../../lambdas/domain/proof/verify-authorization-proof';
import type { DigestSignature, KeyPurpose, KeyVault } from '../../../lambdas/ports/key-vault';
import { proofSigner, type ProofKeyPurpose } from '../../../lambdas/signing/proof-signer';
import { MemoryKeyVault } from '../../support/memory-key-vault';
import {
  BEFORE_EXPIRY,
  DOMAIN,
  PERMIT,
  SAMPLE_CHECKPOINT,
  highSTwin,
  sampleProof,
} from '../domain/proof/proof-fixtures';

const HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n;
const { deploymentId } = DOMAIN;

const CHECKPOINT: AuditCheckpoint = SAMPLE_CHECKPOINT;

const authorization = (proof = sampleProof()) => buildAuthorizationTypedData(DOMAIN, proof);
const checkpoint = () => buildAuditCheckpointTypedData({ deploymentId }, CHECKPOINT);

async function setup(purpose: ProofKeyPurpose) {
  const vault = new MemoryKeyVault();
  const key = await vault.createKey({ ownerId: deploymentId, purpose });
  const signDigest = jest.spyOn(vault, 'signDigest');
  return { vault, key, signDigest, signer: proofSigner({ keyVault: vault, keyId: key.keyId, purpose, deploymentId }) };
}

async function refusal(promise: Promise<unknown>, code: ErrorCode): Promise<StrongroomError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrongroomError);
  expect((error as StrongroomError).code).toBe(code);
  return error as StrongroomError;
}

function expectCanonical(signature: Hex): void {
  expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
  const { s, v } = parseSignature(signature);
  expect([27n, 28n]).toContain(v);
  expect(BigInt(s)).toBeLessThanOrEqual(HALF_N);
}

describe('proofSigner with the approval key', () => {
  it('signs an authorization that verifyAuthorizationProof accepts', async () => {
    const { signer, key } = await setup('approval');
    const proof = sampleProof();
    const signature = await signer.signAuthorization(proof);
    expectCanonical(signature);
    await expect(
      verifyAuthorizationProof({
        domain: DOMAIN,
        proof,
        signature,
        expectedSigner: key.address,
        transaction: proof.transaction,
        transferId: proof.transferId,
        walletId: proof.walletId,
        now: BEFORE_EXPIRY,
      }),
    ).resolves.toBe(proof);
  });

  it('signs the same statement given as typed data', async () => {
    const { signer, key } = await setup('approval');
    const proof = sampleProof();
    const signature = await signer.signTypedData(authorization(proof));
    await expect(
      verifyAuthorizationProof({
        domain: DOMAIN,
        proof,
        signature,
        expectedSigner: key.address,
        transaction: proof.transaction,
        transferId: proof.transferId,
        walletId: proof.walletId,
        now: BEFORE_EXPIRY,
      }),
    ).resolves.toBe(proof);
  });

  it('signs the data it checked, even when the caller’s object changes under it', async () => {
    const { signer, key } = await setup('approval');
    const proof = sampleProof();
    const raised = { ...proof, transaction: { ...proof.transaction, value: proof.transaction.value * 100n } };
    const typed = authorization(proof);
    // The first read sees the approved message, every later read a raised value.
    let reads = 0;
    const shifting = { domain: typed.domain, types: typed.types, primaryType: typed.primaryType };
    Object.defineProperty(shifting, 'message', {
      enumerable: true,
      get: () => (reads++ === 0 ? typed.message : authorization(raised).message),
    });
    const signature = await signer.signTypedData(shifting);
    const params = {
      domain: DOMAIN,
      signature,
      expectedSigner: key.address,
      transaction: proof.transaction,
      transferId: proof.transferId,
      walletId: proof.walletId,
      now: BEFORE_EXPIRY,
    };
    await expect(verifyAuthorizationProof({ ...params, proof })).resolves.toBe(proof);
  });

  it('is not a checkpoint signer', async () => {
    const { signer } = await setup('approval');
    expect(() => signer.checkpointSigner()).toThrow(expect.objectContaining({ code: 'KEY.WRONG_PURPOSE' }));
  });
});

describe('proofSigner with the audit key', () => {
  it('signs a checkpoint that verifyAuditCheckpoint accepts, through the CheckpointSigner port', async () => {
    const { signer, key } = await setup('audit');
    const port = signer.checkpointSigner();
    const signature = await port.sign(CHECKPOINT);
    expectCanonical(signature);
    await expect(
      verifyAuditCheckpoint({
        domain: { deploymentId },
        checkpoint: CHECKPOINT,
        signature,
        expectedSigner: key.address,
      }),
    ).resolves.toBe(CHECKPOINT);
    await expect(port.verify(CHECKPOINT, signature)).resolves.toBe(true);
  });

  it('verifies false for an altered checkpoint, another key’s signature, or garbage', async () => {
    const { signer } = await setup('audit');
    const port = signer.checkpointSigner();
    const signature = await port.sign(CHECKPOINT);
    const other = await (await setup('audit')).signer.checkpointSigner().sign(CHECKPOINT);
    await expect(port.verify({ ...CHECKPOINT, headCount: 9n }, signature)).resolves.toBe(false);
    await expect(port.verify(CHECKPOINT, other)).resolves.toBe(false);
    await expect(port.verify(CHECKPOINT, highSTwin(signature))).resolves.toBe(false);
    await expect(port.verify(CHECKPOINT, '0x')).resolves.toBe(false);
  });

  it('lets an unreachable vault surface as an error, not as a forged checkpoint', async () => {
    const { signer, vault } = await setup('audit');
    const port = signer.checkpointSigner();
    jest.spyOn(vault, 'addressOf').mockRejectedValue(new Error('vault down'));
    await expect(port.verify(CHECKPOINT, `0x${'00'.repeat(65)}`)).rejects.toThrow('vault down');
  });
});

describe('proofSigner refuses, without asking the vault to sign', () => {
  it.each<[string, ProofKeyPurpose, () => unknown]>([
    ['an ERC-2612 permit (approval key)', 'approval', () => PERMIT],
    ['an ERC-2612 permit (audit key)', 'audit', () => PERMIT],
    [
      'an Authorization with an extra message field',
      'approval',
      () => ({ ...authorization(), message: { ...authorization().message, spender: PERMIT.message.spender } }),
    ],
    [
      'an Authorization with an extra type field',
      'approval',
      () => ({
        ...authorization(),
        types: {
          ...authorization().types,
          Authorization: [...authorization().types.Authorization, { name: 'spender', type: 'address' }],
        },
      }),
    ],
    [
      'another deployment’s Authorization',
      'approval',
      () => buildAuthorizationTypedData({ ...DOMAIN, deploymentId: 'elsewhere' }, sampleProof()),
    ],
    [
      'another deployment’s AuditCheckpoint',
      'audit',
      () => buildAuditCheckpointTypedData({ deploymentId: 'elsewhere' }, CHECKPOINT),
    ],
    ['an AuditCheckpoint given to the approval key', 'approval', checkpoint],
    ['an Authorization given to the audit key', 'audit', () => authorization()],
    ['a Proxy it cannot snapshot', 'approval', () => new Proxy(authorization(), {})],
    ['nothing', 'approval', () => undefined],
  ])('%s', async (_name, purpose, typedData) => {
    const { signer, signDigest } = await setup(purpose);
    const error = await refusal(signer.signTypedData(typedData()), 'SIGNER.FORBIDDEN_PAYLOAD');
    expect(error.name).toBe('SigningError');
    expect(signDigest).not.toHaveBeenCalled();
  });

  it('an authorization through the audit key’s signAuthorization', async () => {
    const { signer, signDigest } = await setup('audit');
    await refusal(signer.signAuthorization(sampleProof()), 'SIGNER.FORBIDDEN_PAYLOAD');
    expect(signDigest).not.toHaveBeenCalled();
  });

  it('a custody key as a proof signer', async () => {
    const vault = new MemoryKeyVault();
    const key = await vault.createKey({ ownerId: 'wallet-ops', purpose: 'custody' });
    const purpose = 'custody' as KeyPurpose as ProofKeyPurpose;
    expect(() => proofSigner({ keyVault: vault, keyId: key.keyId, purpose, deploymentId })).toThrow(
      expect.objectContaining({ code: 'KEY.WRONG_PURPOSE' }),
    );
  });
});

describe('proofSigner configured with a key of another purpose: the vault refuses (KEY.WRONG_PURPOSE)', () => {
  /** A signer of `purpose` whose configuration names a key the vault created for `keyPurpose`. */
  async function misconfigured(purpose: ProofKeyPurpose, keyPurpose: KeyPurpose) {
    const vault = new MemoryKeyVault();
    const key = await vault.createKey({
      ownerId: keyPurpose === 'custody' ? 'wallet-ops' : deploymentId,
      purpose: keyPurpose,
    });
    const signDigest = jest.spyOn(vault, 'signDigest');
    return { key, signDigest, signer: proofSigner({ keyVault: vault, keyId: key.keyId, purpose, deploymentId }) };
  }

  it('an approval signer given a custody key id cannot sign an Authorization', async () => {
    const { key, signDigest, signer } = await misconfigured('approval', 'custody');
    const error = await refusal(signer.signAuthorization(sampleProof()), 'KEY.WRONG_PURPOSE');
    expect(error.details).toMatchObject({ keyId: key.keyId, purpose: 'approval', keyPurpose: 'custody' });
    // The typed data was allowed; the refusal is the vault's, asked for an approval key.
    expect(signDigest).toHaveBeenCalledTimes(1);
    expect(signDigest).toHaveBeenCalledWith(key.keyId, expect.stringMatching(/^0x[0-9a-f]{64}$/), 'approval');
    await expect(signDigest.mock.results[0]!.value).rejects.toBe(error);
  });

  it('an audit signer given a custody key id cannot sign a checkpoint', async () => {
    const { signer } = await misconfigured('audit', 'custody');
    await refusal(signer.checkpointSigner().sign(CHECKPOINT), 'KEY.WRONG_PURPOSE');
  });

  it('an approval signer given the audit key, and an audit signer given the approval key, sign nothing', async () => {
    await refusal(
      (await misconfigured('approval', 'audit')).signer.signAuthorization(sampleProof()),
      'KEY.WRONG_PURPOSE',
    );
    await refusal(
      (await misconfigured('audit', 'approval')).signer.checkpointSigner().sign(CHECKPOINT),
      'KEY.WRONG_PURPOSE',
    );
  });
});

describe('proofSigner against a faulty vault', () => {
  it('returns canonical signatures only: v 27/28, low-s', async () => {
    const { signer } = await setup('approval');
    for (let nonce = 0; nonce < 8; nonce++) {
      const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, nonce } };
      expectCanonical(await signer.signAuthorization(proof));
    }
  });

  it('refuses a high-s signature from the vault', async () => {
    const { signer, vault } = await setup('approval');
    const honest = MemoryKeyVault.prototype.signDigest.bind(vault);
    jest.spyOn(vault, 'signDigest').mockImplementation(async (keyId, digest, purpose) => {
      const { r, s, yParity } = await honest(keyId, digest, purpose);
      const twin = highSTwin(`0x${r.slice(2)}${s.slice(2)}${yParity === 0 ? '1b' : '1c'}`);
      return { r, s: `0x${twin.slice(66, 130)}`, yParity: yParity === 0 ? 1 : 0 };
    });
    await refusal(signer.signAuthorization(sampleProof()), 'KEY.BAD_SIGNATURE');
  });

  it('refuses a signature by another key', async () => {
    const { signer, vault } = await setup('approval');
    const other = await vault.createKey({ ownerId: deploymentId, purpose: 'approval' });
    const honest = MemoryKeyVault.prototype.signDigest.bind(vault);
    jest
      .spyOn(vault, 'signDigest')
      .mockImplementation((_keyId, digest, purpose) => honest(other.keyId, digest, purpose));
    await refusal(signer.signAuthorization(sampleProof()), 'KEY.BAD_SIGNATURE');
  });
});

/** The vault behind a wrapper that does not pass `publicKeyOf` on: the signer checks by recovery. */
const withoutPublicKeys = (vault: KeyVault): KeyVault => ({
  createKey: (request) => vault.createKey(request),
  addressOf: (keyId) => vault.addressOf(keyId),
  signDigest: (keyId, digest, purpose) => vault.signDigest(keyId, digest, purpose),
});

const N = HALF_N * 2n + 1n;
/** The digest with its last hex digit changed. */
const modifiedDigest = (digest: Hex): Hex => `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}` as Hex;
const otherParity = (yParity: 0 | 1): 0 | 1 => (yParity === 0 ? 1 : 0);

describe.each([
  ['against the key’s public key', false],
  ['by recovery, for a vault without publicKeyOf', true],
])('proofSigner checks signatures %s', (_how, byRecovery) => {
  async function onPath(purpose: ProofKeyPurpose) {
    const vault = new MemoryKeyVault();
    const key = await vault.createKey({ ownerId: deploymentId, purpose });
    const signDigest = jest.spyOn(vault, 'signDigest');
    const publicKeyOf = jest.spyOn(vault, 'publicKeyOf');
    const keyVault = byRecovery ? withoutPublicKeys(vault) : vault;
    const signer = proofSigner({ keyVault, keyId: key.keyId, purpose, deploymentId });
    const honest = (keyId: string, digest: Hex) =>
      MemoryKeyVault.prototype.signDigest.call(vault, keyId, digest, purpose);
    const fault = (answer: (keyId: string, digest: Hex) => Promise<DigestSignature>) =>
      signDigest.mockImplementation((keyId, digest) => answer(keyId, digest));
    return { vault, key, signer, publicKeyOf, honest, fault };
  }

  it('signs authorizations verifyAuthorizationProof accepts; the public key is asked for once', async () => {
    const { signer, key, publicKeyOf } = await onPath('approval');
    for (let nonce = 0; nonce < 3; nonce++) {
      const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, nonce } };
      const signature = await signer.signAuthorization(proof);
      expectCanonical(signature);
      await expect(
        verifyAuthorizationProof({
          domain: DOMAIN,
          proof,
          signature,
          expectedSigner: key.address,
          transaction: proof.transaction,
          transferId: proof.transferId,
          walletId: proof.walletId,
          now: BEFORE_EXPIRY,
        }),
      ).resolves.toBe(proof);
    }
    expect(publicKeyOf).toHaveBeenCalledTimes(byRecovery ? 0 : 1);
  });

  it('refuses a signature by another key', async () => {
    const { vault, signer, honest, fault } = await onPath('approval');
    const other = await vault.createKey({ ownerId: deploymentId, purpose: 'approval' });
    fault((_keyId, digest) => honest(other.keyId, digest));
    await refusal(signer.signAuthorization(sampleProof()), 'KEY.BAD_SIGNATURE');
  });

  it('refuses a signature over a modified digest', async () => {
    const { signer, honest, fault } = await onPath('approval');
    fault((keyId, digest) => honest(keyId, modifiedDigest(digest)));
    await refusal(signer.signAuthorization(sampleProof()), 'KEY.BAD_SIGNATURE');
  });

  it('refuses the high-s twin, and the other recovery bit', async () => {
    const { signer, honest, fault } = await onPath('approval');
    fault(async (keyId, digest) => {
      const { r, s, yParity } = await honest(keyId, digest);
      return { r, s: `0x${(N - BigInt(s)).toString(16).padStart(64, '0')}`, yParity: otherParity(yParity) };
    });
    await refusal(signer.signAuthorization(sampleProof()), 'KEY.BAD_SIGNATURE');
    fault(async (keyId, digest) => {
      const signature = await honest(keyId, digest);
      return { ...signature, yParity: otherParity(signature.yParity) };
    });
    await refusal(signer.signAuthorization(sampleProof()), 'KEY.BAD_SIGNATURE');
  });

  it('verifies a checkpoint true exactly when verifyAuditCheckpoint accepts it', async () => {
    const { signer, key } = await onPath('audit');
    const port = signer.checkpointSigner();
    const signature = await port.sign(CHECKPOINT);
    const other = await (await onPath('audit')).signer.checkpointSigner().sign(CHECKPOINT);
    const cases: [AuditCheckpoint, unknown][] = [
      [CHECKPOINT, signature],
      [CHECKPOINT, signature.toUpperCase().replace('0X', '0x')],
      [{ ...CHECKPOINT, headCount: CHECKPOINT.headCount + 1n }, signature],
      [CHECKPOINT, other],
      [CHECKPOINT, highSTwin(signature)],
      [CHECKPOINT, `${signature.slice(0, 130)}${signature.endsWith('1b') ? '00' : '01'}`],
      [CHECKPOINT, signature.slice(0, 130)],
      [CHECKPOINT, '0x'],
    ];
    for (const [checkpoint, candidate] of cases) {
      const expected = await verifyAuditCheckpoint({
        domain: { deploymentId },
        checkpoint,
        signature: candidate,
        expectedSigner: key.address,
      }).then(
        () => true,
        () => false,
      );
      expect([candidate, await port.verify(checkpoint, candidate as Hex)]).toEqual([candidate, expected]);
    }
    await expect(port.verify(CHECKPOINT, signature)).resolves.toBe(true);
  });
});

describe('proofSigner with a vault whose public key is not the key’s', () => {
  it('refuses (KEY.BAD_SIGNATURE) before anything is signed, and lets checkpoint verification fail loudly', async () => {
    const { vault, signer, signDigest } = await setup('audit');
    const other = await vault.createKey({ ownerId: deploymentId, purpose: 'audit' });
    jest
      .spyOn(vault, 'publicKeyOf')
      .mockImplementation(() => MemoryKeyVault.prototype.publicKeyOf.call(vault, other.keyId));
    const port = signer.checkpointSigner();
    await refusal(port.sign(CHECKPOINT), 'KEY.BAD_SIGNATURE');
    expect(signDigest).not.toHaveBeenCalled();
    await refusal(port.verify(CHECKPOINT, `0x${'00'.repeat(65)}`), 'KEY.BAD_SIGNATURE');
  });
});

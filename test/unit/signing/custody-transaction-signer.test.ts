import { getAddress, keccak256, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import { StrongroomError, type ErrorCode } from '../../../lambdas/domain/errors';
import type { PreparedTransaction } from '../../../lambdas/domain/lifecycle/transfer-events';
import {
  buildAuthorizationTypedData,
  type AuthorizationProof,
} from '../../../lambdas/domain/proof/authorization-proof';
import type { TransactionField } from '../../../lambdas/domain/proof/first-differing-field';
import type { ProofDomain } from '../../../lambdas/domain/proof/proof-domain';
import {
  signCustodyTransaction,
  type CustodySigningRequest,
} from '../../../lambdas/signing/custody-transaction-signer';
import type { DigestSignature, KeyVault } from '../../../lambdas/ports/key-vault';
import { proofSigner } from '../../../lambdas/signing/proof-signer';
import { MemoryKeyVault } from '../../support/memory-key-vault';
import { BEFORE_EXPIRY, DOMAIN, VALID_UNTIL, highSTwin, newAccount, sampleProof } from '../domain/proof/proof-fixtures';

const HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n;

/** A value of each field that differs from the sample's, as a compromised workflow might ask for instead. */
const CHANGED: { [F in TransactionField]: PreparedTransaction[F] } = {
  chainId: 1,
  nonce: 8,
  from: '0x3333333333333333333333333333333333333333',
  to: '0x4444444444444444444444444444444444444444',
  value: 1_500_000_000_000_000_001n,
  data: '0xabcdee',
  gasLimit: 21_001n,
  maxFeePerGas: 30_000_000_001n,
  maxPriorityFeePerGas: 1_000_000_001n,
};

const approvalKey = newAccount();

/** A vault holding the wallet's custody key, a proof that names that key's address as from, and its approval. */
async function setup(options: { now?: Date; domain?: ProofDomain } = {}) {
  const vault = new MemoryKeyVault();
  const custody = await vault.createKey({ ownerId: 'wallet-ops', purpose: 'custody' });
  const proof: AuthorizationProof = {
    ...sampleProof(),
    transaction: { ...sampleProof().transaction, from: custody.address },
  };
  const proofSignature = await approvalKey.signTypedData(buildAuthorizationTypedData(options.domain ?? DOMAIN, proof));
  const signDigest = jest.spyOn(vault, 'signDigest');
  const deps = {
    keyVault: vault,
    proofDomain: DOMAIN,
    approvalKeyAddress: approvalKey.address,
    clock: () => options.now ?? BEFORE_EXPIRY,
  };
  const request: CustodySigningRequest = {
    transferId: proof.transferId,
    walletId: proof.walletId,
    keyId: custody.keyId,
    transaction: proof.transaction,
    proof,
    proofSignature,
  };
  return { vault, custody, proof, proofSignature, signDigest, deps, request };
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

describe('signCustodyTransaction', () => {
  it('signs exactly the transaction the proof covers, as from, with the hash of the serialized bytes', async () => {
    const { deps, request, proof, custody, signDigest } = await setup();
    const signed = await signCustodyTransaction(deps, request);

    const tx = proof.transaction;
    // Exactly the proof's fields and nothing else: viem omits the access list when it is empty.
    const { r, s, v: _v, yParity, to, ...fields } = parseTransaction(signed.serializedTransaction);
    expect(fields).toEqual({
      type: 'eip1559',
      chainId: tx.chainId,
      nonce: tx.nonce,
      value: tx.value,
      data: tx.data,
      gas: tx.gasLimit,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
    expect(getAddress(to!)).toBe(tx.to);
    expect(BigInt(r!)).toBeGreaterThan(0n);
    expect(BigInt(s!)).toBeLessThanOrEqual(HALF_N);
    expect([0, 1]).toContain(yParity);
    expect(
      await recoverTransactionAddress({ serializedTransaction: signed.serializedTransaction as `0x02${string}` }),
    ).toBe(custody.address);
    expect(signed.txHash).toBe(keccak256(signed.serializedTransaction));
    expect(signed.from).toBe(custody.address);
    expect(signed.nonce).toBe(tx.nonce);
    expect(signDigest).toHaveBeenCalledTimes(1);
    expect(signDigest).toHaveBeenCalledWith(custody.keyId, expect.stringMatching(/^0x[0-9a-f]{64}$/), 'custody');
  });

  it('accepts the proof one second before it expires', async () => {
    const { deps, request } = await setup({ now: new Date(VALID_UNTIL.getTime() - 1000) });
    await expect(signCustodyTransaction(deps, request)).resolves.toHaveProperty('nonce', 7);
  });

  describe('refuses, without ever asking the vault to sign', () => {
    let signDigest: jest.SpyInstance | undefined;
    afterEach(() => {
      expect(signDigest).toBeDefined();
      expect(signDigest!).not.toHaveBeenCalled();
      signDigest = undefined;
    });

    /** Runs `mutate` on a good setup, expects `code`, and leaves the spy for afterEach to check. */
    async function refuse(
      code: ErrorCode,
      mutate: (s: Awaited<ReturnType<typeof setup>>) => CustodySigningRequest | Promise<CustodySigningRequest>,
      options: Parameters<typeof setup>[0] = {},
    ) {
      const s = await setup(options);
      signDigest = s.signDigest;
      return refusal(signCustodyTransaction(s.deps, await mutate(s)), code);
    }

    it('a request without a proof', async () => {
      const error = await refuse('PROOF.INVALID', ({ request }) => ({ ...request, proof: undefined }));
      expect(error.message).toBe('no authorization proof');
    });

    it('a request without a proof signature', async () => {
      const error = await refuse('PROOF.INVALID', ({ request }) => ({ ...request, proofSignature: undefined }));
      expect(error.message).toBe('no authorization proof');
    });

    it('a proof signed by another key than the configured approval key', async () => {
      await refuse('PROOF.INVALID', async ({ request, proof }) => ({
        ...request,
        proofSignature: await newAccount().signTypedData(buildAuthorizationTypedData(DOMAIN, proof)),
      }));
    });

    it('a proof signed for another deployment', async () => {
      await refuse('PROOF.INVALID', ({ request }) => request, {
        domain: { ...DOMAIN, deploymentId: 'acct-999999999999/strongroom-prod' },
      });
    });

    it('the high-s twin of the approval signature', async () => {
      await refuse('PROOF.INVALID', ({ request, proofSignature }) => ({
        ...request,
        proofSignature: highSTwin(proofSignature),
      }));
    });

    it('a proof altered after signing (value raised in the proof itself)', async () => {
      await refuse('PROOF.INVALID', ({ request, proof }) => ({
        ...request,
        proof: { ...proof, transaction: { ...proof.transaction, value: proof.transaction.value + 1n } },
      }));
    });

    it('a proof altered after signing, and a request altered to match it', async () => {
      await refuse('PROOF.INVALID', ({ request, proof }) => {
        const transaction = { ...proof.transaction, to: CHANGED.to };
        return { ...request, transaction, proof: { ...proof, transaction } };
      });
    });

    it.each([
      ['transferId', 'tr_other'],
      ['walletId', 'wallet-treasury'],
    ] as const)('a proof for another %s', async (field, value) => {
      const error = await refuse('PROOF.MISMATCH', ({ request }) => ({ ...request, [field]: value }));
      expect(error.details.field).toBe(field);
    });

    it('a proof at validUntil exactly', async () => {
      await refuse('PROOF.EXPIRED', ({ request }) => request, { now: VALID_UNTIL });
    });

    it('a proof after validUntil', async () => {
      await refuse('PROOF.EXPIRED', ({ request }) => request, { now: new Date(VALID_UNTIL.getTime() + 1) });
    });

    // The field list comes from CHANGED, whose type demands every field, not from the module under test.
    it.each(Object.keys(CHANGED) as TransactionField[])(
      'a requested transaction whose %s differs from the proof, naming the field',
      async (field) => {
        const error = await refuse('PROOF.MISMATCH', ({ request }) => ({
          ...request,
          transaction: { ...request.transaction, [field]: CHANGED[field] },
        }));
        expect(error.details.field).toBe(field);
      },
    );

    it("a key whose address is not the transaction's from (another wallet's custody key)", async () => {
      let expected: { keyAddress?: string; from?: string } = {};
      const error = await refuse('SIGNER.ADDRESS_MISMATCH', async ({ request, vault, custody }) => {
        const otherWallet = await vault.createKey({ ownerId: 'wallet-treasury', purpose: 'custody' });
        expected = { keyAddress: otherWallet.address, from: custody.address };
        return { ...request, keyId: otherWallet.keyId };
      });
      expect(error.details).toMatchObject(expected);
      expect(expected.keyAddress).not.toBe(expected.from);
    });
  });
});

describe('signCustodyTransaction with a key of another purpose', () => {
  it('the approval key given as the custody key id, with a valid proof whose from is its address: the vault refuses (KEY.WRONG_PURPOSE)', async () => {
    // The worst misconfiguration: the approval key both signs the proof and is handed over as the
    // wallet's key. The proof verifies and the key's address is the from, so only its purpose stops it.
    const vault = new MemoryKeyVault();
    const approval = await vault.createKey({ ownerId: DOMAIN.deploymentId, purpose: 'approval' });
    const approvalSigner = proofSigner({
      keyVault: vault,
      keyId: approval.keyId,
      purpose: 'approval',
      deploymentId: DOMAIN.deploymentId,
    });
    const proof: AuthorizationProof = {
      ...sampleProof(),
      transaction: { ...sampleProof().transaction, from: approval.address },
    };
    const proofSignature = await approvalSigner.signAuthorization(proof);
    const signDigest = jest.spyOn(vault, 'signDigest');
    const deps = {
      keyVault: vault,
      proofDomain: DOMAIN,
      approvalKeyAddress: approval.address,
      clock: () => BEFORE_EXPIRY,
    };
    const request: CustodySigningRequest = {
      transferId: proof.transferId,
      walletId: proof.walletId,
      keyId: approval.keyId,
      transaction: proof.transaction,
      proof,
      proofSignature,
    };

    const error = await refusal(signCustodyTransaction(deps, request), 'KEY.WRONG_PURPOSE');
    expect(error.details).toMatchObject({ keyId: approval.keyId, purpose: 'custody', keyPurpose: 'approval' });
    // Every check of the signer passed; the one refusal is the vault's, asked for a custody key.
    expect(signDigest).toHaveBeenCalledTimes(1);
    expect(signDigest).toHaveBeenCalledWith(approval.keyId, expect.stringMatching(/^0x[0-9a-f]{64}$/), 'custody');
    await expect(signDigest.mock.results[0]!.value).rejects.toBe(error);
  });
});

describe('signCustodyTransaction against a faulty vault', () => {
  it('refuses a high-s signature from the vault (nodes refuse it, EIP-2)', async () => {
    const { deps, request, vault } = await setup();
    const honest = MemoryKeyVault.prototype.signDigest.bind(vault);
    jest.spyOn(vault, 'signDigest').mockImplementation(async (keyId, digest, purpose) => {
      const { r, s, yParity } = await honest(keyId, digest, purpose);
      const twin = highSTwin(`0x${r.slice(2)}${s.slice(2)}${yParity === 0 ? '1b' : '1c'}` as Hex);
      return { r, s: `0x${twin.slice(66, 130)}`, yParity: yParity === 0 ? 1 : 0 };
    });
    await refusal(signCustodyTransaction(deps, request), 'KEY.BAD_SIGNATURE');
  });

  it('refuses a signature that recovers to another key', async () => {
    const { deps, request, vault } = await setup();
    const other = await vault.createKey({ ownerId: 'wallet-treasury', purpose: 'custody' });
    const honest = MemoryKeyVault.prototype.signDigest.bind(vault);
    jest
      .spyOn(vault, 'signDigest')
      .mockImplementation((_keyId, digest, purpose) => honest(other.keyId, digest, purpose));
    await refusal(signCustodyTransaction(deps, request), 'KEY.BAD_SIGNATURE');
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
])('signCustodyTransaction checks the vault’s signature %s', (_how, byRecovery) => {
  /** A setup whose vault answers signDigest through `fault` (given the honest signer), on the path under test. */
  async function faulty(
    fault?: (
      honest: (keyId: string, digest: Hex) => Promise<DigestSignature>,
      keyId: string,
      digest: Hex,
    ) => Promise<DigestSignature>,
  ) {
    const s = await setup();
    const honest = MemoryKeyVault.prototype.signDigest.bind(s.vault);
    if (fault !== undefined)
      s.signDigest.mockImplementation((keyId, digest) => fault((k, d) => honest(k, d, 'custody'), keyId, digest));
    const publicKeyOf = jest.spyOn(s.vault, 'publicKeyOf');
    const keyVault = byRecovery ? withoutPublicKeys(s.vault) : s.vault;
    return { ...s, publicKeyOf, deps: { ...s.deps, keyVault } };
  }

  it('accepts the honest signature, and asks the vault for the public key only on the native path', async () => {
    const { deps, request, custody, publicKeyOf } = await faulty();
    const signed = await signCustodyTransaction(deps, request);
    expect(
      await recoverTransactionAddress({ serializedTransaction: signed.serializedTransaction as `0x02${string}` }),
    ).toBe(custody.address);
    expect(publicKeyOf).toHaveBeenCalledTimes(byRecovery ? 0 : 1);
  });

  it('refuses a signature by another key', async () => {
    const s = await faulty();
    const other = await s.vault.createKey({ ownerId: 'wallet-treasury', purpose: 'custody' });
    s.signDigest.mockImplementation((_keyId, digest) =>
      MemoryKeyVault.prototype.signDigest.call(s.vault, other.keyId, digest, 'custody'),
    );
    await refusal(signCustodyTransaction(s.deps, s.request), 'KEY.BAD_SIGNATURE');
  });

  it('refuses a signature over a modified digest', async () => {
    const { deps, request } = await faulty((honest, keyId, digest) => honest(keyId, modifiedDigest(digest)));
    await refusal(signCustodyTransaction(deps, request), 'KEY.BAD_SIGNATURE');
  });

  it('refuses the high-s twin (valid ECDSA, refused by nodes: EIP-2)', async () => {
    const { deps, request } = await faulty(async (honest, keyId, digest) => {
      const { r, s, yParity } = await honest(keyId, digest);
      return { r, s: `0x${(N - BigInt(s)).toString(16).padStart(64, '0')}`, yParity: otherParity(yParity) };
    });
    await refusal(signCustodyTransaction(deps, request), 'KEY.BAD_SIGNATURE');
  });

  it('refuses the other recovery bit (the transaction would come from another address)', async () => {
    const { deps, request } = await faulty(async (honest, keyId, digest) => {
      const signature = await honest(keyId, digest);
      return { ...signature, yParity: otherParity(signature.yParity) };
    });
    await refusal(signCustodyTransaction(deps, request), 'KEY.BAD_SIGNATURE');
  });
});

describe('signCustodyTransaction with a vault whose public key is not the key’s', () => {
  it('refuses (KEY.BAD_SIGNATURE) before anything is signed', async () => {
    const { deps, request, vault, signDigest } = await setup();
    const other = await vault.createKey({ ownerId: 'wallet-treasury', purpose: 'custody' });
    jest
      .spyOn(vault, 'publicKeyOf')
      .mockImplementation(() => MemoryKeyVault.prototype.publicKeyOf.call(vault, other.keyId));
    await refusal(signCustodyTransaction(deps, request), 'KEY.BAD_SIGNATURE');
    expect(signDigest).not.toHaveBeenCalled();
  });
});

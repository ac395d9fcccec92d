import fc from 'fast-check';
import { getAddress, recoverAddress, recoverTransactionAddress, toHex, type Hex } from 'viem';
import { ProofError } from '../../../../lambdas/domain/errors';
import type { PreparedTransaction } from '../../../../lambdas/domain/lifecycle/transfer-events';
import {
  buildAuthorizationTypedData,
  hashAuthorization,
  type AuthorizationProof,
} from '../../../../lambdas/domain/proof/authorization-proof';
import { TRANSACTION_FIELDS, type TransactionField } from '../../../../lambdas/domain/proof/first-differing-field';
import { floorToSecond } from '../../../../lambdas/domain/proof/unix-seconds';
import { unsignedTransactionFromProof } from '../../../../lambdas/domain/proof/unsigned-transaction-from-proof';
import { verifyAuthorizationProof } from '../../../../lambdas/domain/proof/verify-authorization-proof';
import { BEFORE_EXPIRY, DOMAIN, VALID_UNTIL, highSTwin, newAccount, sampleProof } from './proof-fixtures';

const approvalKey = newAccount();

async function sign(proof: AuthorizationProof, domain = DOMAIN): Promise<Hex> {
  return approvalKey.signTypedData(buildAuthorizationTypedData(domain, proof));
}

/** Verification as a signer would call it, expecting exactly what `proof` says unless overridden. */
function verify(
  proof: AuthorizationProof,
  signature: unknown,
  overrides: Partial<Parameters<typeof verifyAuthorizationProof>[0]> = {},
) {
  return verifyAuthorizationProof({
    domain: DOMAIN,
    proof,
    signature,
    expectedSigner: approvalKey.address,
    transaction: proof.transaction,
    transferId: proof.transferId,
    walletId: proof.walletId,
    now: BEFORE_EXPIRY,
    ...overrides,
  });
}

async function refusal(promise: Promise<unknown>): Promise<ProofError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProofError);
  return error as ProofError;
}

/** A value of `field` that differs from the sample's, as a signer might be asked to sign instead. */
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

describe('verifyAuthorizationProof', () => {
  it('accepts a proof signed by the approval key and returns it', async () => {
    const proof = sampleProof();
    await expect(verify(proof, await sign(proof))).resolves.toEqual(proof);
  });

  it('signs the digest hashAuthorization computes', async () => {
    const proof = sampleProof();
    const signer = await recoverAddress({ hash: hashAuthorization(DOMAIN, proof), signature: await sign(proof) });
    expect(signer).toBe(approvalKey.address);
  });

  it('refuses a proof signed by another key', async () => {
    const proof = sampleProof();
    const signature = await newAccount().signTypedData(buildAuthorizationTypedData(DOMAIN, proof));
    expect((await refusal(verify(proof, signature))).code).toBe('PROOF.INVALID');
  });

  it('refuses a proof signed for another deployment', async () => {
    const proof = sampleProof();
    const signature = await sign(proof, { ...DOMAIN, deploymentId: 'acct-999999999999/strongroom-prod' });
    expect((await refusal(verify(proof, signature))).code).toBe('PROOF.INVALID');
  });

  it('refuses a proof altered after signing', async () => {
    const proof = sampleProof();
    const signature = await sign(proof);
    const tampered = { ...proof, approvalIds: ['ap-1', 'ap-3'] };
    expect((await refusal(verify(tampered, signature))).code).toBe('PROOF.INVALID');
  });

  describe('expiry', () => {
    it('accepts one second before validUntil', async () => {
      const proof = sampleProof();
      await expect(verify(proof, await sign(proof), { now: new Date(VALID_UNTIL.getTime() - 1000) })).resolves.toBe(
        proof,
      );
    });

    it('refuses at validUntil exactly, and after', async () => {
      const proof = sampleProof();
      const signature = await sign(proof);
      expect((await refusal(verify(proof, signature, { now: VALID_UNTIL }))).code).toBe('PROOF.EXPIRED');
      expect((await refusal(verify(proof, signature, { now: new Date(VALID_UNTIL.getTime() + 1) }))).code).toBe(
        'PROOF.EXPIRED',
      );
    });
  });

  it.each([
    ['transferId', { transferId: 'tr_other' }],
    ['walletId', { walletId: 'wallet-treasury' }],
  ])('refuses a proof for another %s', async (field, override) => {
    const proof = sampleProof();
    const error = await refusal(verify(proof, await sign(proof), override));
    expect(error.code).toBe('PROOF.MISMATCH');
    expect(error.details.field).toBe(field);
  });

  // The field list comes from CHANGED, whose type demands every field, not from the module under test.
  it.each(Object.keys(CHANGED) as TransactionField[])(
    'refuses to cover a transaction whose %s differs, naming the field',
    async (field) => {
      const proof = sampleProof();
      const transaction = { ...proof.transaction, [field]: CHANGED[field] };
      const error = await refusal(verify(proof, await sign(proof), { transaction }));
      expect(error.code).toBe('PROOF.MISMATCH');
      expect(error.details.field).toBe(field);
    },
  );

  it('compares addresses and calldata regardless of letter case', async () => {
    const proof = {
      ...sampleProof(),
      transaction: { ...sampleProof().transaction, to: getAddress('0x52908400098527886e0f7030069857d2e4169ee7') },
    };
    const transaction = {
      ...proof.transaction,
      to: proof.transaction.to.toLowerCase() as Hex,
      data: '0xABCDEF' as Hex,
    };
    await expect(verify(proof, await sign(proof), { transaction })).resolves.toBe(proof);
  });

  it('refuses a proof for another chain than its domain before checking anything else', async () => {
    const proof = sampleProof();
    const error = await refusal(verify(proof, await sign(proof), { domain: { ...DOMAIN, chainId: 1 } }));
    expect(error.code).toBe('PROOF.MISMATCH');
    expect(error.details.field).toBe('chainId');
  });

  describe('signature encoding', () => {
    it('refuses the high-s twin of a valid signature, which the curve alone would accept', async () => {
      const proof = sampleProof();
      const signature = await sign(proof);
      const twin = highSTwin(signature);
      expect(await recoverAddress({ hash: hashAuthorization(DOMAIN, proof), signature: twin })).toBe(
        approvalKey.address,
      );
      const error = await refusal(verify(proof, twin));
      expect(error.code).toBe('PROOF.INVALID');
      expect(error.message).toMatch(/lower half/);
    });

    it.each<[string, (valid: Hex) => unknown]>([
      ['not a string', () => 42],
      ['empty', () => '0x'],
      ['without 0x', (valid) => valid.slice(2)],
      ['64 bytes (EIP-2098 compact)', (valid) => valid.slice(0, 130)],
      ['66 bytes', (valid) => `${valid}00`],
      ['not hex', (valid) => `${valid.slice(0, 130)}zz`],
      ['v = 0', (valid) => `${valid.slice(0, 130)}00`],
      ['v = 1', (valid) => `${valid.slice(0, 130)}01`],
      ['r = 0', (valid) => `0x${'0'.repeat(64)}${valid.slice(66)}`],
      ['s = 0', (valid) => `${valid.slice(0, 66)}${'0'.repeat(64)}${valid.slice(130)}`],
    ])('refuses a malformed signature: %s', async (_name, malform) => {
      const proof = sampleProof();
      expect((await refusal(verify(proof, malform(await sign(proof))))).code).toBe('PROOF.INVALID');
    });
  });

  it('refuses a proof whose values do not encode as PROOF.MALFORMED', async () => {
    const proof = sampleProof();
    const signature = await sign(proof);
    const broken = { ...proof, transaction: { ...proof.transaction, to: '0x1234' as Hex } };
    expect((await refusal(verify(broken, signature))).code).toBe('PROOF.MALFORMED');
  });

  it('refuses a validUntil that is not a whole second, since that is not what was signed', () => {
    const validUntil = new Date(VALID_UNTIL.getTime() + 999);
    expect(() => buildAuthorizationTypedData(DOMAIN, { ...sampleProof(), validUntil })).toThrow(/whole second/);
    expect(
      buildAuthorizationTypedData(DOMAIN, { ...sampleProof(), validUntil: floorToSecond(validUntil) }).message
        .validUntil,
    ).toBe(BigInt(VALID_UNTIL.getTime() / 1000));
  });
});

describe('unsignedTransactionFromProof', () => {
  it('rebuilds the EIP-1559 transaction the proof covers, which a custody key signs as from', async () => {
    const custodyKey = newAccount();
    const proof = { ...sampleProof(), transaction: { ...sampleProof().transaction, from: custodyKey.address } };
    const unsigned = unsignedTransactionFromProof(proof);
    expect(unsigned).toEqual({
      type: 'eip1559',
      chainId: 8453,
      nonce: 7,
      to: proof.transaction.to,
      value: proof.transaction.value,
      data: '0xabcdef',
      gas: 21_000n,
      maxFeePerGas: 30_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      accessList: [],
    });
    const signed = await custodyKey.signTransaction(unsigned);
    expect(signed.startsWith('0x02')).toBe(true);
    expect(await recoverTransactionAddress({ serializedTransaction: signed as `0x02${string}` })).toBe(
      custodyKey.address,
    );
  });
});

describe('property: a signature covers every field', () => {
  const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(toHex(bytes)));
  const uint256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
  const transaction: fc.Arbitrary<PreparedTransaction> = fc.record({
    chainId: fc.integer({ min: 1, max: 2 ** 31 }),
    nonce: fc.integer({ min: 0, max: 2 ** 31 }),
    from: address,
    to: address,
    value: uint256,
    data: fc.uint8Array({ maxLength: 64 }).map((bytes) => toHex(bytes)),
    gasLimit: uint256,
    maxFeePerGas: uint256,
    maxPriorityFeePerGas: uint256,
  });
  const tamperable = [...TRANSACTION_FIELDS, 'transferId', 'validUntil'] as const;

  /** Changes one field to a different value of the same kind. */
  function tamper(proof: AuthorizationProof, field: (typeof tamperable)[number], delta: number): AuthorizationProof {
    const tx = proof.transaction;
    const bump = BigInt(delta);
    const uint = (v: bigint): bigint => (v + bump) % (1n << 256n);
    switch (field) {
      case 'transferId':
        return { ...proof, transferId: `${proof.transferId}x` };
      case 'validUntil':
        return { ...proof, validUntil: new Date(proof.validUntil.getTime() + delta * 1000) };
      case 'chainId':
      case 'nonce':
        return { ...proof, transaction: { ...tx, [field]: tx[field] + delta } };
      case 'from':
      case 'to':
        return {
          ...proof,
          transaction: { ...tx, [field]: getAddress(toHex((BigInt(tx[field]) + bump) % (1n << 160n), { size: 20 })) },
        };
      case 'data':
        return { ...proof, transaction: { ...tx, data: `${tx.data}${delta.toString(16).padStart(2, '0')}` as Hex } };
      default:
        return { ...proof, transaction: { ...tx, [field]: uint(tx[field]) } };
    }
  }

  it('verification of the original signature fails once any one field is changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        transaction,
        fc.constantFrom(...tamperable),
        fc.integer({ min: 1, max: 255 }),
        async (tx, field, delta) => {
          const domain = { ...DOMAIN, chainId: tx.chainId };
          const proof = { ...sampleProof(), transaction: tx };
          const signature = await sign(proof, domain);
          await expect(verify(proof, signature, { domain })).resolves.toBe(proof);

          const tampered = tamper(proof, field, delta);
          // The attacker presents a consistent story: the tampered transaction and transfer, to the signer's own domain.
          const error = await refusal(
            verify(tampered, signature, { domain, transaction: tampered.transaction, transferId: tampered.transferId }),
          );
          expect(error.code).toBe(field === 'chainId' ? 'PROOF.MISMATCH' : 'PROOF.INVALID');
        },
      ),
      { numRuns: 60 },
    );
  });
});

import { feeAllowance, gasLimitCeilingFor } from '../../../../lambdas/domain/chain/fee-allowance';
import { newTransactionFees } from '../../../../lambdas/domain/chain/new-transaction-fees';
import { nonceFillTransaction } from '../../../../lambdas/domain/chain/nonce-fill-transaction';
import { assertReplacement, bumped, replacementFees } from '../../../../lambdas/domain/chain/replacement-fees';
import { ChainError } from '../../../../lambdas/domain/errors';
import { buildIntent } from '../../../../lambdas/domain/intents';
import type { PreparedTransaction } from '../../../../lambdas/domain/lifecycle/transfer-events';
import { CHAIN } from './chain-config-fixture';

const WALLET = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const GWEI = 1_000_000_000n;

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ChainError ? `${error.code}:${String(error.details.field)}` : 'other';
  }
};

describe('fee allowance', () => {
  it('is the gas ceiling of the kind of call times the fee ceiling', () => {
    const native = buildIntent({ to: TO, asset: 'native', amount: '5' }, WALLET);
    const token = buildIntent({ to: TO, asset: TOKEN, amount: '5' }, WALLET);
    expect(gasLimitCeilingFor(CHAIN, native)).toBe(21_000n);
    expect(feeAllowance(CHAIN, native)).toBe(21_000n * CHAIN.feeCeiling);
    expect(feeAllowance(CHAIN, token)).toBe(100_000n * CHAIN.feeCeiling);
  });
});

describe('newTransactionFees', () => {
  it('offers twice the base fee plus the priority fee, capped', () => {
    expect(newTransactionFees(CHAIN, { baseFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI })).toEqual({
      maxFeePerGas: 21n * GWEI,
      maxPriorityFeePerGas: GWEI,
    });
    expect(newTransactionFees(CHAIN, { baseFeePerGas: 60n * GWEI, maxPriorityFeePerGas: GWEI }).maxFeePerGas).toBe(
      CHAIN.maxFeePerGasCap,
    );
  });

  it('caps the priority fee', () => {
    expect(
      newTransactionFees(CHAIN, { baseFeePerGas: GWEI, maxPriorityFeePerGas: 50n * GWEI }).maxPriorityFeePerGas,
    ).toBe(CHAIN.maxPriorityFeePerGasCap);
  });

  it('refuses when the base fee alone is above what the cap can pay', () => {
    expect(
      codeOf(() => newTransactionFees(CHAIN, { baseFeePerGas: 99n * GWEI, maxPriorityFeePerGas: 2n * GWEI })),
    ).toBe('CHAIN.FEE_CAP_EXCEEDED:undefined');
  });
});

describe('replacements', () => {
  const original: PreparedTransaction = {
    chainId: 31337,
    nonce: 7,
    from: WALLET,
    to: TO,
    value: 5n,
    data: '0x',
    gasLimit: 21_000n,
    maxFeePerGas: 20n * GWEI,
    maxPriorityFeePerGas: GWEI,
  };

  it('raises both fees by at least 10%, rounding up', () => {
    expect(bumped(10n)).toBe(11n);
    expect(bumped(11n)).toBe(13n);
    const fees = replacementFees(original, { maxFeePerGas: GWEI, maxPriorityFeePerGas: 1n }, CHAIN.feeCeiling);
    expect(fees).toEqual({ maxFeePerGas: 22n * GWEI, maxPriorityFeePerGas: 1_100_000_000n });
  });

  it('follows the network when it asks for more than the bump', () => {
    const fees = replacementFees(
      original,
      { maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 3n * GWEI },
      CHAIN.feeCeiling,
    );
    expect(fees).toEqual({ maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 3n * GWEI });
  });

  it('never goes above the fee ceiling, and refuses when even the bump would', () => {
    expect(
      replacementFees(original, { maxFeePerGas: 900n * GWEI, maxPriorityFeePerGas: GWEI }, 30n * GWEI).maxFeePerGas,
    ).toBe(30n * GWEI);
    expect(codeOf(() => replacementFees(original, { maxFeePerGas: GWEI, maxPriorityFeePerGas: 1n }, 21n * GWEI))).toBe(
      'CHAIN.NOT_A_REPLACEMENT:maxFeePerGas',
    );
  });

  it('accepts a replacement with both fees raised by 10%', () => {
    expect(() =>
      assertReplacement(
        original,
        { ...original, maxFeePerGas: 22n * GWEI, maxPriorityFeePerGas: 1_100_000_000n },
        CHAIN.feeCeiling,
      ),
    ).not.toThrow();
  });

  it('refuses a 1 wei bump (anvil would take it)', () => {
    const next = {
      ...original,
      maxFeePerGas: original.maxFeePerGas + 1n,
      maxPriorityFeePerGas: original.maxPriorityFeePerGas + 1n,
    };
    expect(codeOf(() => assertReplacement(original, next, CHAIN.feeCeiling))).toBe(
      'CHAIN.NOT_A_REPLACEMENT:maxPriorityFeePerGas',
    );
  });

  it('refuses another nonce, sender or chain, a raised gas limit, and a max fee over the ceiling', () => {
    const raised = { ...original, maxFeePerGas: 22n * GWEI, maxPriorityFeePerGas: 1_100_000_000n };
    expect(codeOf(() => assertReplacement(original, { ...raised, nonce: 8 }, CHAIN.feeCeiling))).toBe(
      'CHAIN.NOT_A_REPLACEMENT:nonce',
    );
    expect(codeOf(() => assertReplacement(original, { ...raised, from: TO }, CHAIN.feeCeiling))).toBe(
      'CHAIN.NOT_A_REPLACEMENT:from',
    );
    expect(codeOf(() => assertReplacement(original, { ...raised, chainId: 1 }, CHAIN.feeCeiling))).toBe(
      'CHAIN.NOT_A_REPLACEMENT:chainId',
    );
    expect(codeOf(() => assertReplacement(original, { ...raised, gasLimit: 30_000n }, CHAIN.feeCeiling))).toBe(
      'CHAIN.NOT_A_REPLACEMENT:gasLimit',
    );
    expect(codeOf(() => assertReplacement(original, raised, 21n * GWEI))).toBe('CHAIN.NOT_A_REPLACEMENT:maxFeePerGas');
  });

  it('accepts a cancellation (a self-transfer of nothing) at the same nonce as a replacement', () => {
    const cancel = nonceFillTransaction(original, { maxFeePerGas: 22n * GWEI, maxPriorityFeePerGas: 1_100_000_000n });
    expect(cancel).toMatchObject({ to: WALLET, value: 0n, data: '0x', gasLimit: 21_000n, nonce: 7 });
    expect(() => assertReplacement(original, cancel, CHAIN.feeCeiling)).not.toThrow();
  });
});

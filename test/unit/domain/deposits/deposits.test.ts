import { classifyIncoming } from '../../../../lambdas/domain/deposits/classify-incoming';
import { depositIdOf } from '../../../../lambdas/domain/deposits/deposit-id';
import {
  decodeScanState,
  encodeScanState,
  type DepositScanState,
} from '../../../../lambdas/domain/deposits/deposit-scan-state';
import { ID_RULE } from '../../../../lambdas/domain/validation';

const CUSTODY = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const OTHER_TOKEN = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const wallets = new Map([[CUSTODY.toLowerCase(), 'wallet-1']]);
const tokens = [{ address: TOKEN, symbol: 'TST', decimals: 18 }] as const;
const HASH_A = `0x${'a'.repeat(64)}` as const;
const HASH_B = `0x${'b'.repeat(64)}` as const;

describe('classifyIncoming', () => {
  it('credits native value and registry tokens to the wallet of the address, whatever its case', () => {
    expect(
      classifyIncoming({ kind: 'native', to: CUSTODY.toLowerCase() as typeof CUSTODY, amount: 5n }, wallets, tokens),
    ).toMatchObject({ credit: true, walletId: 'wallet-1', asset: 'native' });
    expect(
      classifyIncoming(
        { kind: 'erc20', token: TOKEN.toLowerCase() as typeof TOKEN, to: CUSTODY, amount: 5n },
        wallets,
        tokens,
      ),
    ).toMatchObject({ credit: true, asset: TOKEN });
  });

  it('never credits a token outside the registry, an unknown address or nothing', () => {
    expect(
      classifyIncoming({ kind: 'erc20', token: OTHER_TOKEN, to: CUSTODY, amount: 5n }, wallets, tokens),
    ).toMatchObject({ credit: false, reason: 'UNKNOWN_TOKEN' });
    expect(classifyIncoming({ kind: 'native', to: OTHER_TOKEN, amount: 5n }, wallets, tokens)).toMatchObject({
      credit: false,
      reason: 'UNKNOWN_ADDRESS',
    });
    expect(classifyIncoming({ kind: 'native', to: CUSTODY, amount: 0n }, wallets, tokens)).toMatchObject({
      credit: false,
      reason: 'ZERO_AMOUNT',
    });
  });
});

describe('depositIdOf', () => {
  it('is one id per observation: the same transfer in another block is another deposit', () => {
    const seen = { blockHash: HASH_A, txHash: HASH_B, logIndex: 3 };
    const id = depositIdOf(31337, seen);
    expect(id).toMatch(ID_RULE.pattern ?? /./);
    expect(id.length).toBeLessThanOrEqual(ID_RULE.maxLength);
    expect(depositIdOf(31337, { ...seen, blockHash: `0x${'A'.repeat(64)}` })).toBe(id);
    expect(depositIdOf(31337, { ...seen, blockHash: HASH_B })).not.toBe(id);
    expect(depositIdOf(31337, { ...seen, logIndex: 4 })).not.toBe(id);
    expect(depositIdOf(1, seen)).not.toBe(id);
    expect(depositIdOf(31337, { blockHash: HASH_A, txHash: HASH_B })).not.toBe(id);
  });
});

describe('scan state', () => {
  it('round-trips through its cursor position with bigints intact', () => {
    const state: DepositScanState = {
      nextBlock: 12n,
      recentBlocks: [{ number: 11n, hash: HASH_A }],
      pending: [
        {
          depositId: 'dep-1',
          walletId: 'wallet-1',
          asset: TOKEN,
          amount: 10n ** 30n,
          txHash: HASH_B,
          blockNumber: 11n,
          blockHash: HASH_A,
          to: CUSTODY,
        },
      ],
    };
    expect(decodeScanState(encodeScanState(state))).toEqual(state);
  });
});

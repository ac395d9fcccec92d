import { encodeFunctionData, type Hex } from 'viem';
import { buildIntent, ERC20_ABI } from '../../../../lambdas/domain/intents';
import { walletAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import { priorUsage } from '../../../../lambdas/domain/ledger/prior-usage';
import { transferExposure } from '../../../../lambdas/domain/ledger/transfer-exposure';
import { release, reserve } from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, fundedLedger, reservation, TOKEN } from './ledger-fixtures';

const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const SPENDER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const call = (functionName: 'approve' | 'increaseAllowance', amount: bigint): Hex =>
  encodeFunctionData({ abi: ERC20_ABI, functionName, args: [SPENDER, amount] });
const intentOf = (functionName: 'approve' | 'increaseAllowance', amount: bigint) =>
  buildIntent({ to: TOKEN, asset: 'native', amount: '0', data: call(functionName, amount) }, WALLET);

describe('transferExposure', () => {
  it('is the principal outflow of a transfer', () => {
    expect(transferExposure(buildIntent({ to: SPENDER, asset: TOKEN, amount: '25' }, WALLET), undefined)).toBe(25n);
  });

  it('is the allowance an approve grants, when it raises the spender’s allowance', () => {
    expect(transferExposure(intentOf('approve', 100n), 0n)).toBe(100n);
    expect(transferExposure(intentOf('approve', 100n), 99n)).toBe(100n);
  });

  it('is zero for an approve that lowers the spender’s allowance', () => {
    expect(transferExposure(intentOf('approve', 99n), 100n)).toBe(0n);
    expect(transferExposure(intentOf('approve', 0n), 500n)).toBe(0n);
  });

  it('is the full allowance for an approve that re-grants the allowance the spender has (it may be pulled first)', () => {
    expect(transferExposure(intentOf('approve', 100n), 100n)).toBe(100n);
  });

  it('is the full allowance when the current allowance could not be read (the safe side)', () => {
    expect(transferExposure(intentOf('approve', 100n), undefined)).toBe(100n);
  });

  it('is the added value of an increaseAllowance, whatever the allowance was', () => {
    expect(transferExposure(intentOf('increaseAllowance', 40n), 1_000n)).toBe(40n);
  });
});

describe('an approve in the ledger', () => {
  it('counts its exposure in the outflow counter without holding any principal, and gives the same back', () => {
    const ledger = fundedLedger(['w1', TOKEN, 1_000n], ['w1', 'native', 1_000n]);
    const approve = reservation({ transferId: 'ap', asset: TOKEN, amount: 0n, feeAllowance: 5n, exposure: 100n });
    const { entries } = ledger.post(reserve(approve, at(1)));
    expect(ledger.balances('w1', TOKEN)).toMatchObject({ available: 1_000n, reserved: 0n });
    expect(ledger.balances('w1', 'native')).toMatchObject({ available: 995n, reserved: 5n });
    const tokenEntry = entries.find((e) => e.account.asset === TOKEN)!;
    expect(tokenEntry).toMatchObject({ legs: [], state: { outflowReserved: 100n } });
    const next = ledger.post(reserve(reservation({ transferId: 'next', asset: TOKEN, amount: 1n }), at(2)));
    const own = next.entries.find((e) => e.account.asset === TOKEN)!;
    expect(priorUsage(ledger.walletJournal('w1', TOKEN), own, at(2)).daily).toBe(100n);
    ledger.post(release(approve, at(3)));
    expect(ledger.account(walletAccount('w1', TOKEN))).toMatchObject({ outflowReserved: 101n, outflowReleased: 100n });
  });

  it('refuses a later phase that gives back another exposure than was reserved', () => {
    const ledger = fundedLedger(['w1', TOKEN, 1_000n], ['w1', 'native', 1_000n]);
    const approve = reservation({ transferId: 'ap', asset: TOKEN, amount: 0n, feeAllowance: 5n, exposure: 100n });
    ledger.post(reserve(approve, at(1)));
    expect(() => ledger.post(release({ ...approve, exposure: 50n }, at(2)))).toThrow(/other amounts/);
  });
});

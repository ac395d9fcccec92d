import type { Asset } from '../../../../lambdas/domain/asset';
import { InsufficientFundsError, LedgerInvariantError } from '../../../../lambdas/domain/errors';
import type { Ledger } from '../../../../lambdas/domain/ledger/ledger';
import { externalAccount, feesAccount, walletAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import {
  broadcast,
  release,
  reserve,
  settle,
  settleCancelled,
} from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, counterpartyBalance, fundedLedger, reservation, snapshot, thrownBy, TOKEN } from './ledger-fixtures';

const fees = (ledger: Ledger): bigint => counterpartyBalance(ledger, feesAccount('w1'));
const external = (ledger: Ledger, asset: Asset = 'native'): bigint =>
  counterpartyBalance(ledger, externalAccount('w1', asset));

const native = reservation({ amount: 100n, feeAllowance: 10n });
const token = reservation({ transferId: 'tx-2', asset: TOKEN, amount: 500n, feeAllowance: 30n });

describe('reserve', () => {
  it('moves a native transfer’s amount and fee allowance from available to reserved on one account', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n]);
    const { entries } = ledger.post(reserve(native, at(1)));
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 890n,
      settled: 1_000n,
      reserved: 110n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(entries.map((e) => e.postingId)).toEqual(['tx-1:reserve']);
    expect(ledger.account(walletAccount('w1', 'native'))).toMatchObject({ outflowReserved: 100n, outflowReleased: 0n });
  });

  it('reserves a token transfer’s fee allowance on the wallet’s native account, and counts only the principal', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w1', TOKEN, 2_000n]);
    const { entries } = ledger.post(reserve(token, at(1)));
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 1_500n,
      settled: 2_000n,
      reserved: 500n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 970n,
      settled: 1_000n,
      reserved: 30n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(entries.map((e) => e.account.asset)).toEqual([TOKEN, 'native']);
    expect(ledger.account(walletAccount('w1', TOKEN))).toMatchObject({ outflowReserved: 500n });
    expect(ledger.account(walletAccount('w1', 'native'))).toMatchObject({ outflowReserved: 0n });
  });

  it('reserves a call that moves no principal (an ERC-20 approve) on the native account alone', () => {
    const ledger = fundedLedger(['w1', 'native', 50n]);
    const { entries } = ledger.post(reserve(reservation({ asset: TOKEN, amount: 0n, feeAllowance: 50n }), at(1)));
    expect(entries.map((e) => e.account)).toEqual([walletAccount('w1', 'native')]);
    expect(ledger.balances('w1', 'native').available).toBe(0n);
  });

  it.each([
    [
      'the principal',
      [
        ['w1', 'native', 1_000n],
        ['w1', TOKEN, 499n],
      ],
      TOKEN,
      '499',
      '500',
    ],
    [
      'the token transfer’s fee allowance',
      [
        ['w1', 'native', 29n],
        ['w1', TOKEN, 500n],
      ],
      'native',
      '29',
      '30',
    ],
  ] as const)(
    'refuses when available does not cover %s, and changes nothing',
    (_what, funds, asset, available, required) => {
      const ledger = fundedLedger(...funds);
      const before = snapshot(ledger);
      const error = thrownBy(() => ledger.post(reserve(token, at(1))));
      expect(error).toBeInstanceOf(InsufficientFundsError);
      expect(error).toMatchObject({
        code: 'LEDGER.INSUFFICIENT_FUNDS',
        name: 'InsufficientFundsError',
        details: { asset, available, required },
      });
      expect(snapshot(ledger)).toBe(before);
      expect(ledger.phase('tx-2')).toBe('none');
    },
  );

  it('needs available to cover amount plus fee allowance for a native transfer', () => {
    expect(thrownBy(() => fundedLedger(['w1', 'native', 109n]).post(reserve(native, at(1))))).toMatchObject({
      code: 'LEDGER.INSUFFICIENT_FUNDS',
      details: { asset: 'native', available: '109', required: '110' },
    });
    const exact = fundedLedger(['w1', 'native', 110n]);
    exact.post(reserve(native, at(1)));
    expect(exact.balances('w1', 'native')).toMatchObject({ available: 0n, reserved: 110n });
  });

  it('cannot spend what another reservation holds', () => {
    const ledger = fundedLedger(['w1', 'native', 150n]);
    ledger.post(reserve(native, at(1)));
    expect(thrownBy(() => ledger.post(reserve({ ...native, transferId: 'tx-9' }, at(2))))).toMatchObject({
      code: 'LEDGER.INSUFFICIENT_FUNDS',
      details: { available: '40', required: '110' },
    });
  });
});

describe('release', () => {
  it('gives principal and fee allowance back to available and counts the principal as released', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w1', TOKEN, 2_000n]);
    ledger.post(reserve(token, at(1)));
    ledger.post(release(token, at(2)));
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 2_000n,
      settled: 2_000n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 1_000n,
      settled: 1_000n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(ledger.account(walletAccount('w1', TOKEN))).toMatchObject({ outflowReserved: 500n, outflowReleased: 500n });
    expect(ledger.phase('tx-2')).toBe('released');
  });
});

describe('broadcast', () => {
  it('moves principal and fee allowance from reserved to pendingOut; settled is unchanged', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w1', TOKEN, 2_000n]);
    ledger.post(reserve(token, at(1)));
    ledger.post(broadcast(token, at(2)));
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 1_500n,
      settled: 2_000n,
      reserved: 0n,
      pendingOut: 500n,
      pendingIn: 0n,
    });
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 970n,
      settled: 1_000n,
      reserved: 0n,
      pendingOut: 30n,
      pendingIn: 0n,
    });
    expect(ledger.phase('tx-2')).toBe('broadcast');
  });
});

describe('settle', () => {
  it('sends a native principal to the external account, the fee to the fees account, and the rest of the allowance back', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n]);
    ledger.post(reserve(native, at(1)));
    ledger.post(broadcast(native, at(2)));
    ledger.post(settle(native, 7n, at(3)));
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 893n,
      settled: 893n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    // The funding deposit came from the external account: −1000 + 100 sent back out to it.
    expect(external(ledger)).toBe(-900n);
    expect(fees(ledger)).toBe(7n);
    expect(ledger.phase('tx-1')).toBe('settled');
  });

  it('pays a token transfer’s fee from the native account', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w1', TOKEN, 2_000n]);
    for (const posting of [reserve(token, at(1)), broadcast(token, at(2)), settle(token, 30n, at(3))])
      ledger.post(posting);
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 1_500n,
      settled: 1_500n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 970n,
      settled: 970n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(external(ledger, TOKEN)).toBe(-1_500n);
    expect(fees(ledger)).toBe(30n);
    expect(ledger.account(walletAccount('w1', TOKEN))).toMatchObject({ outflowReserved: 500n, outflowReleased: 0n });
  });

  it('returns the whole allowance when the fee is zero', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n]);
    for (const posting of [reserve(native, at(1)), broadcast(native, at(2)), settle(native, 0n, at(3))])
      ledger.post(posting);
    expect(ledger.balances('w1', 'native').available).toBe(900n);
    expect(fees(ledger)).toBe(0n);
  });

  it.each([11n, -1n])('refuses a fee of %s, outside the allowance of 10', (fee) => {
    expect(() => settle(native, fee, at(3))).toThrow(LedgerInvariantError);
    expect(thrownBy(() => settleCancelled(native, fee, at(3)))).toMatchObject({
      code: 'LEDGER.INVALID_POSTING',
      details: { feeAllowance: '10' },
    });
  });
});

describe('settleCancelled', () => {
  it('returns the principal to available, counts it as released, and pays the cancellation’s fee', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w1', TOKEN, 2_000n]);
    for (const posting of [reserve(token, at(1)), broadcast(token, at(2)), settleCancelled(token, 12n, at(3))])
      ledger.post(posting);
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 2_000n,
      settled: 2_000n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(ledger.balances('w1', 'native')).toEqual({
      available: 988n,
      settled: 988n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(fees(ledger)).toBe(12n);
    expect(external(ledger, TOKEN)).toBe(-2_000n);
    expect(ledger.account(walletAccount('w1', TOKEN))).toMatchObject({ outflowReserved: 500n, outflowReleased: 500n });
    expect(ledger.phase('tx-2')).toBe('cancelled');
  });
});

import { outflowInWindow } from '../../../../lambdas/domain/ledger/outflow-in-window';
import { priorUsage } from '../../../../lambdas/domain/ledger/prior-usage';
import {
  broadcast,
  release,
  reserve,
  settle,
  settleCancelled,
} from '../../../../lambdas/domain/ledger/transfer-postings';
import { fundedLedger, reservation, T0, TOKEN } from './ledger-fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const time = (ms: number): Date => new Date(T0.getTime() + ms);
const transfer = (transferId: string, amount: bigint) =>
  reservation({ transferId, asset: TOKEN, amount, feeAllowance: 7n });

function ledgerWithToken() {
  return fundedLedger(['w1', 'native', 10n ** 18n], ['w1', TOKEN, 10n ** 18n]);
}

describe('outflowInWindow', () => {
  it('counts reserved principal, and principal released or cancelled in the window takes it back', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(transfer('a', 100n), time(HOUR)));
    ledger.post(reserve(transfer('b', 40n), time(2 * HOUR)));
    ledger.post(release(transfer('b', 40n), time(3 * HOUR)));
    ledger.post(reserve(transfer('c', 25n), time(4 * HOUR)));
    ledger.post(broadcast(transfer('c', 25n), time(5 * HOUR)));
    ledger.post(settleCancelled(transfer('c', 25n), 7n, time(6 * HOUR)));
    const journal = ledger.walletJournal('w1', TOKEN);
    expect(outflowInWindow(journal, T0, time(2 * HOUR))).toBe(140n);
    expect(outflowInWindow(journal, T0, time(3 * HOUR))).toBe(100n);
    expect(outflowInWindow(journal, T0, time(5 * HOUR))).toBe(125n);
    expect(outflowInWindow(journal, T0, time(6 * HOUR))).toBe(100n);
  });

  it('keeps settled outflow in the window, and never goes below zero when a window only gives back', () => {
    const ledger = ledgerWithToken();
    const a = transfer('a', 100n);
    ledger.post(reserve(a, time(HOUR)));
    ledger.post(broadcast(a, time(2 * HOUR)));
    ledger.post(settle(a, 3n, time(3 * HOUR)));
    ledger.post(reserve(transfer('b', 40n), time(4 * HOUR)));
    ledger.post(release(transfer('b', 40n), time(5 * HOUR)));
    const journal = ledger.walletJournal('w1', TOKEN);
    expect(outflowInWindow(journal, T0, time(10 * HOUR))).toBe(100n);
    expect(outflowInWindow(journal, time(4 * HOUR), time(5 * HOUR))).toBe(0n);
  });

  it('leaves an entry exactly at the window start out, and takes one exactly at its end in', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(transfer('a', 100n), time(HOUR)));
    const journal = ledger.walletJournal('w1', TOKEN);
    expect(outflowInWindow(journal, time(HOUR), time(2 * HOUR))).toBe(0n);
    expect(outflowInWindow(journal, time(HOUR - 1), time(HOUR))).toBe(100n);
    expect(outflowInWindow(journal, T0, time(HOUR - 1))).toBe(0n);
  });

  it('a release lowers only a window its reservation was made in', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(transfer('early', 90n), time(HOUR)));
    ledger.post(reserve(transfer('late', 30n), time(3 * HOUR)));
    ledger.post(release(transfer('early', 90n), time(4 * HOUR)));
    ledger.post(release(transfer('late', 30n), time(5 * HOUR)));
    const journal = ledger.walletJournal('w1', TOKEN);
    // (2 h, 6 h]: 'late' was reserved and given back in it; 'early' was reserved before it and gives nothing back.
    expect(outflowInWindow(journal, time(2 * HOUR), time(6 * HOUR))).toBe(0n);
    expect(outflowInWindow(journal, time(2 * HOUR), time(4.5 * HOUR))).toBe(30n);
    // (0, 6 h] saw both reserved and both given back.
    expect(outflowInWindow(journal, T0, time(6 * HOUR))).toBe(0n);
    // (2 h, 3.5 h] ends before either release.
    expect(outflowInWindow(journal, time(2 * HOUR), time(3.5 * HOUR))).toBe(30n);
  });

  it('is zero on an empty journal', () => {
    expect(outflowInWindow([], T0, time(DAY))).toBe(0n);
  });
});

describe('priorUsage', () => {
  it('counts what was reserved before the reservation in each window, not the reservation itself nor later ones', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(transfer('month', 1_000n), time(0)));
    ledger.post(reserve(transfer('week', 200n), time(25 * DAY)));
    ledger.post(reserve(transfer('day', 30n), time(30 * DAY - HOUR)));
    const { entries } = ledger.post(reserve(transfer('now', 4n), time(30 * DAY)));
    ledger.post(reserve(transfer('later', 5_000n), time(30 * DAY + 1)));
    const journal = ledger.walletJournal('w1', TOKEN);
    const own = entries.find((e) => e.account.asset === TOKEN)!;
    expect(priorUsage(journal, own, time(30 * DAY + 2))).toEqual({ daily: 30n, weekly: 230n, monthly: 230n });
    expect(priorUsage(journal, own, time(30 * DAY - 1))).toEqual({ daily: 30n, weekly: 230n, monthly: 1_230n });
  });

  it('leaves out an entry exactly 24 h before now, and counts one a millisecond later', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(transfer('edge', 10n), time(0)));
    ledger.post(reserve(transfer('inside', 1n), time(1)));
    const { entries } = ledger.post(reserve(transfer('now', 4n), time(DAY)));
    const journal = ledger.walletJournal('w1', TOKEN);
    const own = entries.find((e) => e.account.asset === TOKEN)!;
    expect(priorUsage(journal, own, time(DAY))).toEqual({ daily: 1n, weekly: 11n, monthly: 11n });
    expect(priorUsage(journal, own, time(DAY - 1))).toEqual({ daily: 11n, weekly: 11n, monthly: 11n });
  });

  it('subtracts releases that came before the reservation', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(transfer('a', 100n), time(0)));
    ledger.post(release(transfer('a', 100n), time(HOUR)));
    ledger.post(reserve(transfer('b', 60n), time(2 * HOUR)));
    const { entries } = ledger.post(reserve(transfer('now', 1n), time(3 * HOUR)));
    const own = entries.find((e) => e.account.asset === TOKEN)!;
    expect(priorUsage(ledger.walletJournal('w1', TOKEN), own, time(3 * HOUR))).toEqual({
      daily: 60n,
      weekly: 60n,
      monthly: 60n,
    });
  });

  it('admits concurrent reservations in order: each sees only those reserved before it', () => {
    const ledger = ledgerWithToken();
    const own = ['x', 'y', 'z'].map((id) =>
      ledger.post(reserve(transfer(id, 10n), time(HOUR))).entries.find((e) => e.account.asset === TOKEN)!,
    );
    const journal = ledger.walletJournal('w1', TOKEN);
    expect(own.map((entry) => priorUsage(journal, entry, time(HOUR)).daily)).toEqual([0n, 10n, 20n]);
  });

  it('does not count fee allowances: velocity limits are about principal', () => {
    const ledger = ledgerWithToken();
    ledger.post(reserve(reservation({ transferId: 'n1', amount: 100n, feeAllowance: 50n }), time(0)));
    const { entries } = ledger.post(reserve(reservation({ transferId: 'n2', amount: 1n, feeAllowance: 50n }), time(1)));
    expect(priorUsage(ledger.walletJournal('w1', 'native'), entries[0]!, time(1))).toEqual({
      daily: 100n,
      weekly: 100n,
      monthly: 100n,
    });
  });
});

// Shared helpers of the ledger tests (not a test file itself).
import type { Address } from 'viem';
import type { Asset } from '../../../../lambdas/domain/asset';
import { depositConfirmed, depositSeen } from '../../../../lambdas/domain/ledger/deposit-postings';
import { Ledger } from '../../../../lambdas/domain/ledger/ledger';
import type { LedgerAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import type { Reservation } from '../../../../lambdas/domain/ledger/posting';

export const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address;
export const T0 = new Date('2026-03-01T12:00:00.000Z');

/** `T0` plus so many seconds. */
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1_000);

/** A ledger where each (wallet, asset, amount) has been deposited and confirmed. */
export function fundedLedger(...funds: readonly (readonly [string, Asset, bigint])[]): Ledger {
  const ledger = new Ledger();
  funds.forEach(([walletId, asset, amount], i) => {
    const deposit = { depositId: `fund-${i}`, walletId, asset, amount };
    ledger.post(depositSeen(deposit, T0));
    ledger.post(depositConfirmed(deposit, T0));
  });
  return ledger;
}

/** The balance of an external or fees account. */
export function counterpartyBalance(ledger: Ledger, account: LedgerAccount): bigint {
  const state = ledger.account(account);
  if (state.kind === 'wallet') throw new Error(`${account.kind} is not a counterparty account`);
  return state.balance;
}

export const reservation = (overrides: Partial<Reservation> = {}): Reservation => ({
  transferId: 'tx-1',
  walletId: 'w1',
  asset: 'native',
  amount: 100n,
  feeAllowance: 10n,
  ...overrides,
});

/** The error `action` throws; fails the test when it throws nothing. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, nothing was thrown');
}

/** Everything observable of a ledger, as a string: to check that a refused posting changed nothing. */
export function snapshot(ledger: Ledger): string {
  const journals = [...ledger.journals()].map(([key, entries]) => [key, entries.map((e) => [e.postingId, e.state])]);
  return JSON.stringify([[...ledger.state.accounts], [...ledger.state.postings.keys()], journals], (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v,
  );
}

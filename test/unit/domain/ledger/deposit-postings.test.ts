import { depositConfirmed, depositReorged, depositSeen } from '../../../../lambdas/domain/ledger/deposit-postings';
import { Ledger } from '../../../../lambdas/domain/ledger/ledger';
import { externalAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import type { Deposit } from '../../../../lambdas/domain/ledger/posting';
import { reserve } from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, counterpartyBalance, reservation, snapshot, thrownBy, TOKEN } from './ledger-fixtures';

const deposit: Deposit = { depositId: '31337:0xabc:0:0xblock', walletId: 'w1', asset: TOKEN, amount: 250n };

function seen(): Ledger {
  const ledger = new Ledger();
  ledger.post(depositSeen(deposit, at(1)));
  return ledger;
}

function confirmed(): Ledger {
  const ledger = seen();
  ledger.post(depositConfirmed(deposit, at(2)));
  return ledger;
}

function reorged(): Ledger {
  const ledger = seen();
  ledger.post(depositReorged(deposit, at(2)));
  return ledger;
}

describe('deposits', () => {
  it('a seen deposit is pendingIn: not spendable, not settled', () => {
    const ledger = seen();
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 0n,
      settled: 0n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 250n,
    });
    expect(counterpartyBalance(ledger, externalAccount('w1', TOKEN))).toBe(-250n);
    expect(() => ledger.post(reserve(reservation({ asset: TOKEN, amount: 1n, feeAllowance: 0n }), at(2)))).toThrow(
      /available/,
    );
  });

  it('a confirmed deposit is available and settled', () => {
    const ledger = confirmed();
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 250n,
      settled: 250n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
  });

  it('a reorged deposit goes back to the outside world', () => {
    const ledger = reorged();
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 0n,
      settled: 0n,
      reserved: 0n,
      pendingOut: 0n,
      pendingIn: 0n,
    });
    expect(counterpartyBalance(ledger, externalAccount('w1', TOKEN))).toBe(0n);
  });

  it('deposits carry no outflow: the counters stay at zero', () => {
    expect(
      confirmed()
        .walletJournal('w1', TOKEN)
        .map((e) => [e.state.outflowReserved, e.state.outflowReleased]),
    ).toEqual([
      [0n, 0n],
      [0n, 0n],
    ]);
  });

  it.each([
    ['confirm before it is seen', () => new Ledger(), depositConfirmed],
    ['reorg before it is seen', () => new Ledger(), depositReorged],
    ['reorg after it is confirmed', confirmed, depositReorged],
    ['confirm after it is reorged', reorged, depositConfirmed],
  ] as const)('refuses to %s', (_what, ledgerOf, posting) => {
    const ledger = ledgerOf();
    const before = snapshot(ledger);
    expect(thrownBy(() => ledger.post(posting(deposit, at(3))))).toMatchObject({ code: 'LEDGER.INVALID_PHASE' });
    expect(snapshot(ledger)).toBe(before);
  });

  it('refuses to confirm another amount than was seen', () => {
    expect(thrownBy(() => seen().post(depositConfirmed({ ...deposit, amount: 251n }, at(2))))).toMatchObject({
      code: 'LEDGER.POSTING_CONFLICT',
    });
  });

  it('a replayed confirmation does not credit twice', () => {
    const ledger = confirmed();
    expect(ledger.post(depositConfirmed(deposit, at(9))).replayed).toBe(true);
    expect(ledger.balances('w1', TOKEN).available).toBe(250n);
  });
});

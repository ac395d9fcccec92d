import { externalAccount, walletAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import {
  unexplainedOutflowLegs,
  unexplainedOutflowPosting,
  type UnexplainedOutflow,
} from '../../../../lambdas/domain/ledger/outflow-postings';
import { move } from '../../../../lambdas/domain/ledger/posting';
import { broadcast, release, reserve } from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, counterpartyBalance, fundedLedger, reservation, snapshot, thrownBy, TOKEN } from './ledger-fixtures';

const outflow = (amount: bigint, outflowId = '31337:0xfeed:3'): UnexplainedOutflow => ({
  outflowId,
  walletId: 'w1',
  asset: TOKEN,
  amount,
});

const wallet = walletAccount('w1', TOKEN);
const outside = externalAccount('w1', TOKEN);

/** 1 000 TOKEN: 600 available, 300 reserved (tx-1), 100 pendingOut (tx-2). */
function busyLedger() {
  const ledger = fundedLedger(['w1', TOKEN, 1_000n], ['w1', 'native', 1_000n]);
  ledger.post(reserve(reservation({ transferId: 'tx-1', asset: TOKEN, amount: 300n, feeAllowance: 1n }), at(1)));
  const r2 = reservation({ transferId: 'tx-2', asset: TOKEN, amount: 100n, feeAllowance: 1n });
  ledger.post(reserve(r2, at(2)));
  ledger.post(broadcast(r2, at(3)));
  return ledger;
}

describe('unexplained outflows', () => {
  it('has the id <outflowId>:unexplained-outflow and moves no velocity counter', () => {
    const posting = unexplainedOutflowPosting(outflow(5n), at(4));
    expect(posting).toMatchObject({ id: '31337:0xfeed:3:unexplained-outflow', type: 'UNEXPLAINED_OUTFLOW' });
    expect(posting.counters).toEqual([]);
  });

  it('takes the amount from available when available covers it', () => {
    const ledger = busyLedger();
    ledger.post(unexplainedOutflowPosting(outflow(250n), at(4)));
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 350n,
      settled: 750n,
      reserved: 300n,
      pendingOut: 100n,
      pendingIn: 0n,
    });
    expect(counterpartyBalance(ledger, outside)).toBe(-1_000n + 250n);
    const [wEntry] = ledger.walletJournal('w1', TOKEN).slice(-1);
    expect(wEntry?.state).toMatchObject({ outflowReserved: 400n, outflowReleased: 0n });
  });

  it('takes what available lacks from reserved, then from pendingOut: the ledger follows the chain', () => {
    const ledger = busyLedger();
    const plan = ledger.post(unexplainedOutflowPosting(outflow(950n), at(4)));
    expect(plan.posting.legs).toEqual([
      ...move(600n, [wallet, 'available'], [outside, 'balance']),
      ...move(300n, [wallet, 'reserved'], [outside, 'balance']),
      ...move(50n, [wallet, 'pendingOut'], [outside, 'balance']),
    ]);
    expect(ledger.balances('w1', TOKEN)).toEqual({
      available: 0n,
      settled: 50n,
      reserved: 0n,
      pendingOut: 50n,
      pendingIn: 0n,
    });
    // The recorded posting carries the split, so the history says which buckets paid.
    expect(ledger.state.postings.get(plan.posting.id)?.legs).toEqual(plan.posting.legs);
  });

  it('splits over the balances when it is applied, not those the caller saw', () => {
    const ledger = busyLedger();
    const proposed = unexplainedOutflowPosting(outflow(650n), at(4), ledger.balances('w1', TOKEN));
    // Between the read and the posting, tx-1 gives its 300 back: available covers everything now.
    ledger.post(release(reservation({ transferId: 'tx-1', asset: TOKEN, amount: 300n, feeAllowance: 1n }), at(5)));
    const plan = ledger.post(proposed);
    expect(plan.posting.legs).toEqual(move(650n, [wallet, 'available'], [outside, 'balance']));
    expect(ledger.balances('w1', TOKEN)).toMatchObject({ available: 250n, reserved: 0n, pendingOut: 100n });
  });

  it('leaves pendingIn alone: an unconfirmed deposit is not settled', () => {
    expect(() =>
      unexplainedOutflowLegs(outflow(1n), { available: 0n, settled: 0n, reserved: 0n, pendingOut: 0n, pendingIn: 5n }),
    ).toThrow(/ledger holds 0 settled/);
  });

  it('refuses, changing nothing, when the settled balance cannot cover it, naming the shortfall', () => {
    const ledger = busyLedger();
    const before = snapshot(ledger);
    expect(thrownBy(() => ledger.post(unexplainedOutflowPosting(outflow(1_200n), at(4))))).toMatchObject({
      name: 'LedgerInvariantError',
      code: 'LEDGER.INVALID_POSTING',
      details: {
        postingId: '31337:0xfeed:3:unexplained-outflow',
        walletId: 'w1',
        asset: TOKEN,
        amount: '1200',
        settled: '1000',
        shortfall: '200',
      },
    });
    expect(snapshot(ledger)).toBe(before);
  });

  it('the same outflow booked twice is a replay, even when the balances moved in between', () => {
    const ledger = busyLedger();
    ledger.post(unexplainedOutflowPosting(outflow(100n), at(4)));
    ledger.post(release(reservation({ transferId: 'tx-1', asset: TOKEN, amount: 300n, feeAllowance: 1n }), at(5)));
    const balances = ledger.balances('w1', TOKEN);
    const again = ledger.post(unexplainedOutflowPosting(outflow(100n), at(6), balances));
    expect(again.replayed).toBe(true);
    expect(again.entries).toEqual([]);
    expect(ledger.balances('w1', TOKEN)).toEqual(balances);
  });

  it('refuses the same outflow id with another amount', () => {
    const ledger = busyLedger();
    ledger.post(unexplainedOutflowPosting(outflow(100n), at(4)));
    expect(thrownBy(() => ledger.post(unexplainedOutflowPosting(outflow(101n), at(5))))).toMatchObject({
      code: 'LEDGER.POSTING_CONFLICT',
    });
  });

  it('refuses an outflow of nothing', () => {
    expect(thrownBy(() => busyLedger().post(unexplainedOutflowPosting(outflow(0n), at(4))))).toMatchObject({
      code: 'LEDGER.INVALID_POSTING',
    });
  });

  it('a reservation the outflow took from can no longer be released: a broken invariant, not silent money', () => {
    const ledger = busyLedger();
    ledger.post(unexplainedOutflowPosting(outflow(700n), at(4)));
    expect(
      thrownBy(() =>
        ledger.post(release(reservation({ transferId: 'tx-1', asset: TOKEN, amount: 300n, feeAllowance: 1n }), at(5))),
      ),
    ).toMatchObject({ code: 'LEDGER.INVALID_POSTING' });
  });
});

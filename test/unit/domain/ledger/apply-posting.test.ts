import { applyPosting, EMPTY_LEDGER_STATE, type LedgerState } from '../../../../lambdas/domain/ledger/apply-posting';
import { depositConfirmed, depositSeen } from '../../../../lambdas/domain/ledger/deposit-postings';
import { externalAccount, feesAccount, walletAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import { move, type Posting } from '../../../../lambdas/domain/ledger/posting';
import { broadcast, reserve } from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, reservation, thrownBy, TOKEN } from './ledger-fixtures';

const wallet = walletAccount('w1', 'native');
const deposit = { depositId: 'd1', walletId: 'w1', asset: 'native' as const, amount: 1_000n };

function funded(): LedgerState {
  return applyPosting(
    applyPosting(EMPTY_LEDGER_STATE, depositSeen(deposit, at(0))).state,
    depositConfirmed(deposit, at(0)),
  ).state;
}

const r = reservation({ amount: 100n, feeAllowance: 10n });

describe('applyPosting', () => {
  it('returns a new state and one entry per touched account, leaving the given state as it was', () => {
    const state = funded();
    const { state: next, entries, replayed } = applyPosting(state, reserve(r, at(5)));
    expect(replayed).toBe(false);
    expect(state.accounts.get('w1#native#wallet')).toMatchObject({ available: 1_000n, seq: 2 });
    expect(state.postings.has('tx-1:reserve')).toBe(false);
    expect(next.accounts.get('w1#native#wallet')).toMatchObject({ available: 890n, reserved: 110n, seq: 3 });
    expect(entries).toEqual([
      {
        account: wallet,
        postingId: 'tx-1:reserve',
        legs: [
          ...move(100n, [wallet, 'available'], [wallet, 'reserved']),
          ...move(10n, [wallet, 'available'], [wallet, 'reserved']),
        ],
        state: {
          kind: 'wallet',
          seq: 3,
          at: at(5),
          available: 890n,
          reserved: 110n,
          pendingOut: 0n,
          pendingIn: 0n,
          outflowReserved: 100n,
          outflowReleased: 0n,
          lastReservedAt: at(5),
        },
        at: at(5),
      },
    ]);
  });

  it('numbers each account’s entries from 1 without gaps', () => {
    const { entries } = applyPosting(EMPTY_LEDGER_STATE, depositSeen(deposit, at(0)));
    expect(entries.map((e) => [e.account.kind, e.state.seq])).toEqual([
      ['external', 1],
      ['wallet', 1],
    ]);
  });

  it('never dates an entry before the account’s newest one, so each journal is in time order', () => {
    const late = applyPosting(funded(), reserve(r, at(60))).state;
    const { entries } = applyPosting(late, broadcast(r, at(59)));
    expect(entries[0]!.at).toEqual(at(60));
  });

  it('treats the same posting id with the same content as a replay, returning the same state', () => {
    const { state } = applyPosting(funded(), reserve(r, at(5)));
    const again = applyPosting(state, reserve(r, at(6)));
    // The recorded posting, its reservation stamped with the time it was made.
    expect(again).toEqual({ replayed: true, posting: reserve({ ...r, reservedAt: at(5) }, at(5)), entries: [], state });
    expect(again.state).toBe(state);
  });
});

describe('malformed postings are refused whatever the state', () => {
  const base = reserve(r, at(1));
  const ext = externalAccount('w1', 'native');
  const cases: [string, RegExp, Posting][] = [
    [
      'an unbalanced leg',
      /native do not sum to zero/,
      { ...base, legs: [...base.legs, { account: wallet, bucket: 'available', amount: 1n }] },
    ],
    [
      'legs balanced only across assets',
      /do not sum to zero/,
      {
        ...base,
        legs: [
          { account: walletAccount('w1', TOKEN), bucket: 'available', amount: -5n },
          { account: ext, bucket: 'balance', amount: 5n },
        ],
      },
    ],
    ['a zero leg', /zero leg/, { ...base, legs: [...base.legs, { account: wallet, bucket: 'pendingIn', amount: 0n }] }],
    [
      'a wallet bucket on the external account',
      /external accounts have no such bucket/,
      { ...base, legs: move(5n, [ext, 'available'], [wallet, 'available']) },
    ],
    [
      'a balance bucket on a wallet account',
      /wallet accounts have no such bucket/,
      { ...base, legs: move(5n, [wallet, 'balance'], [ext, 'balance']) },
    ],
    [
      'fees in a token',
      /native asset only/,
      {
        ...base,
        legs: move(5n, [walletAccount('w1', TOKEN), 'available'], [{ ...feesAccount('w1'), asset: TOKEN }, 'balance']),
      },
    ],
    [
      'a counter that decreases',
      /must increase/,
      { ...base, counters: [{ account: wallet, counter: 'outflowReleased', amount: -1n }] },
    ],
    [
      'a counter on the external account',
      /has no outflow counters/,
      { ...base, counters: [{ account: ext, counter: 'outflowReserved', amount: 1n }] },
    ],
    ['an id that is not its phase’s', /its id must be tx-1:reserve/, { ...base, id: 'tx-1:whatever' }],
    [
      'a transfer id that is not its reservation’s',
      /differs from its reservation/,
      { ...base, transferId: 'tx-2', id: 'tx-2:reserve' },
    ],
    ['a negative reservation', /never negative/, reserve({ ...r, amount: -100n }, at(1))],
    [
      'more than six accounts',
      /touches 9 accounts, at most 6/,
      {
        ...base,
        legs: ['a', 'b', 'c', 'd'].flatMap((w) =>
          move(1n, [externalAccount(w, 'native'), 'balance'], [externalAccount(`${w}2`, 'native'), 'balance']),
        ),
      },
    ],
  ];

  it.each(cases)('%s', (_what, reason, posting) => {
    const error = thrownBy(() => applyPosting(funded(), posting));
    expect(error).toMatchObject({ code: 'LEDGER.INVALID_POSTING', name: 'LedgerInvariantError', kind: 'internal' });
    expect((error as Error).message).toMatch(reason);
  });

  it('a posting that leaves a bucket other than available negative', () => {
    // Balanced and well formed, but it takes from pendingOut what was never broadcast.
    const state = applyPosting(funded(), reserve(r, at(1))).state;
    const posting: Posting = {
      ...reserve(r, at(2)),
      id: 'tx-1:broadcast',
      type: 'BROADCAST',
      legs: move(5n, [wallet, 'pendingOut'], [wallet, 'available']),
      counters: [],
    };
    expect(thrownBy(() => applyPosting(state, posting))).toMatchObject({
      code: 'LEDGER.INVALID_POSTING',
      details: { bucket: 'pendingOut' },
    });
  });
});

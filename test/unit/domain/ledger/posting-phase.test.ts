import { LedgerInvariantError } from '../../../../lambdas/domain/errors';
import type { Ledger } from '../../../../lambdas/domain/ledger/ledger';
import type { Reservation, TransferPosting } from '../../../../lambdas/domain/ledger/posting';
import { phaseConditions } from '../../../../lambdas/domain/ledger/posting-phase';
import {
  broadcast,
  release,
  reserve,
  settle,
  settleCancelled,
} from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, fundedLedger, reservation, snapshot, thrownBy } from './ledger-fixtures';

const r = reservation({ amount: 100n, feeAllowance: 10n });

type Step = (res: Reservation) => TransferPosting;
const STEPS = {
  reserve: (res: Reservation) => reserve(res, at(1)),
  release: (res: Reservation) => release(res, at(2)),
  broadcast: (res: Reservation) => broadcast(res, at(2)),
  settle: (res: Reservation) => settle(res, 5n, at(3)),
  settleCancelled: (res: Reservation) => settleCancelled(res, 5n, at(3)),
} satisfies Record<string, Step>;
type StepName = keyof typeof STEPS;

function ledgerAfter(...steps: StepName[]): Ledger {
  const ledger = fundedLedger(['w1', 'native', 1_000n]);
  for (const step of steps) ledger.post(STEPS[step](r));
  return ledger;
}

describe('the phase of a reservation', () => {
  it.each<[StepName[], string]>([
    [[], 'none'],
    [['reserve'], 'reserved'],
    [['reserve', 'release'], 'released'],
    [['reserve', 'broadcast'], 'broadcast'],
    [['reserve', 'broadcast', 'settle'], 'settled'],
    [['reserve', 'broadcast', 'settleCancelled'], 'cancelled'],
  ])('after %j is %s', (steps, phase) => {
    expect(ledgerAfter(...steps).phase('tx-1')).toBe(phase);
  });

  it.each<[StepName[], StepName, string]>([
    [[], 'release', 'tx-1:reserve is not recorded'],
    [[], 'broadcast', 'tx-1:reserve is not recorded'],
    [['reserve'], 'settle', 'tx-1:broadcast is not recorded'],
    [['reserve'], 'settleCancelled', 'tx-1:broadcast is not recorded'],
    [['reserve', 'broadcast'], 'release', 'tx-1:broadcast is recorded already'],
    [['reserve', 'release'], 'broadcast', 'tx-1:release is recorded already'],
    [['reserve', 'release'], 'settle', 'tx-1:broadcast is not recorded'],
    [['reserve', 'broadcast', 'settle'], 'settleCancelled', 'tx-1:settle is recorded already'],
    [['reserve', 'broadcast', 'settleCancelled'], 'settle', 'tx-1:settle-cancelled is recorded already'],
    [['reserve', 'broadcast', 'settle'], 'release', 'tx-1:broadcast is recorded already'],
  ])('after %j, refuses %s (%s) and changes nothing', (steps, refused, reason) => {
    const ledger = ledgerAfter(...steps);
    const before = snapshot(ledger);
    const error = thrownBy(() => ledger.post(STEPS[refused](r)));
    expect(error).toBeInstanceOf(LedgerInvariantError);
    expect(error).toMatchObject({ code: 'LEDGER.INVALID_PHASE', name: 'LedgerInvariantError', kind: 'conflict' });
    expect((error as Error).message).toContain(reason);
    expect(snapshot(ledger)).toBe(before);
  });

  it('names, for the store, the posting markers each phase is checked against', () => {
    expect(phaseConditions(reserve(r, at(1)))).toEqual({});
    expect(phaseConditions(release(r, at(1)))).toEqual({ requires: 'tx-1:reserve', excludes: 'tx-1:broadcast' });
    expect(phaseConditions(broadcast(r, at(1)))).toEqual({ requires: 'tx-1:reserve', excludes: 'tx-1:release' });
    expect(phaseConditions(settle(r, 1n, at(1)))).toEqual({
      requires: 'tx-1:broadcast',
      excludes: 'tx-1:settle-cancelled',
    });
    expect(phaseConditions(settleCancelled(r, 1n, at(1)))).toEqual({
      requires: 'tx-1:broadcast',
      excludes: 'tx-1:settle',
    });
  });
});

describe('replays and conflicts', () => {
  it.each<StepName[]>([
    ['reserve'],
    ['reserve', 'broadcast'],
    ['reserve', 'release'],
    ['reserve', 'broadcast', 'settle'],
  ])('replaying the last of %j, later, changes nothing and writes no entry', (...steps) => {
    const ledger = ledgerAfter(...steps);
    const before = snapshot(ledger);
    const last = STEPS[steps[steps.length - 1]!](r);
    const plan = ledger.post({ ...last, at: at(3_600) });
    // The posting recorded first, with its own time, is what the replay answers with.
    expect(plan).toEqual({ replayed: true, posting: ledger.state.postings.get(last.id), entries: [] });
    expect(plan.posting.at).not.toEqual(at(3_600));
    expect(snapshot(ledger)).toBe(before);
  });

  it('a replayed reserve after the transfer has moved on is still a no-op', () => {
    const ledger = ledgerAfter('reserve', 'broadcast', 'settle');
    const before = snapshot(ledger);
    expect(ledger.post(reserve(r, at(9))).replayed).toBe(true);
    expect(snapshot(ledger)).toBe(before);
  });

  it.each<[string, Partial<Reservation>]>([
    ['another amount', { amount: 99n }],
    ['another fee allowance', { feeAllowance: 11n }],
    ['another wallet', { walletId: 'w2' }],
  ])('refuses to reserve the same transfer again with %s', (_what, change) => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w2', 'native', 1_000n]);
    ledger.post(reserve(r, at(1)));
    const before = snapshot(ledger);
    expect(thrownBy(() => ledger.post(reserve({ ...r, ...change }, at(2))))).toMatchObject({
      code: 'LEDGER.POSTING_CONFLICT',
      name: 'LedgerInvariantError',
    });
    expect(snapshot(ledger)).toBe(before);
  });

  it.each<[StepName[], StepName]>([
    [['reserve'], 'release'],
    [['reserve'], 'broadcast'],
    [['reserve', 'broadcast'], 'settle'],
    [['reserve', 'broadcast'], 'settleCancelled'],
  ])('after %j, refuses %s for other amounts than were reserved', (steps, next) => {
    const ledger = ledgerAfter(...steps);
    const before = snapshot(ledger);
    // Releasing 50 of a 100 reservation, say, would hand back what another transfer holds.
    expect(thrownBy(() => ledger.post(STEPS[next]({ ...r, amount: 50n })))).toMatchObject({
      code: 'LEDGER.POSTING_CONFLICT',
    });
    expect(snapshot(ledger)).toBe(before);
  });

  it('refuses a second broadcast with other amounts, while the same broadcast again is a no-op', () => {
    const ledger = ledgerAfter('reserve', 'broadcast');
    expect(ledger.post(broadcast(r, at(5))).replayed).toBe(true);
    expect(thrownBy(() => ledger.post(broadcast({ ...r, feeAllowance: 9n }, at(5))))).toMatchObject({
      code: 'LEDGER.POSTING_CONFLICT',
    });
    expect(ledger.balances('w1', 'native')).toMatchObject({ reserved: 0n, pendingOut: 110n });
  });

  it('refuses a settlement replayed with another fee', () => {
    const ledger = ledgerAfter('reserve', 'broadcast', 'settle');
    expect(thrownBy(() => ledger.post(settle(r, 6n, at(4))))).toMatchObject({ code: 'LEDGER.POSTING_CONFLICT' });
  });
});

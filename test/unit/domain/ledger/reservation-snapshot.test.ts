import fc from 'fast-check';
import type { WalletAccountState } from '../../../../lambdas/domain/ledger/account-state';
import { planPosting, type LedgerState } from '../../../../lambdas/domain/ledger/apply-posting';
import { depositConfirmed, depositReorged, depositSeen } from '../../../../lambdas/domain/ledger/deposit-postings';
import type { JournalEntry } from '../../../../lambdas/domain/ledger/journal-entry';
import { accountKey, walletAccount } from '../../../../lambdas/domain/ledger/ledger-account';
import { subjectDigest, type Posting } from '../../../../lambdas/domain/ledger/posting';
import { expectedPostings } from '../../../../lambdas/domain/ledger/posting-phase';
import { priorUsage, VELOCITY_WINDOWS_MS } from '../../../../lambdas/domain/ledger/prior-usage';
import {
  releasedNothingAfter,
  reservationSnapshot,
  reservedNothingAfter,
  snapshotBasis,
} from '../../../../lambdas/domain/ledger/reservation-snapshot';
import {
  broadcast,
  release,
  reserve,
  settle,
  settleCancelled,
} from '../../../../lambdas/domain/ledger/transfer-postings';
import {
  InMemorySnapshotLedger,
  judgedAt,
  runSnapshotScenario,
  snapshotOpsArb,
} from '../../../support/ledger-snapshot-scenario';
import { at, fundedLedger, reservation, thrownBy, TOKEN } from './ledger-fixtures';

const stateOf = (ledger: { state: LedgerState }, walletId: string, asset: 'native' | typeof TOKEN) =>
  ledger.state.accounts.get(accountKey(walletAccount(walletId, asset))) as WalletAccountState;

describe('the latest reservation time of an account’s releases', () => {
  it('is the maximum over the releases entered, whatever their order', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n]);
    const early = { ...reservation({ transferId: 'early' }), reservedAt: at(1) };
    const late = { ...reservation({ transferId: 'late' }), reservedAt: at(2) };
    ledger.post(reserve(early, at(1)));
    ledger.post(reserve(late, at(2)));
    expect(stateOf(ledger, 'w1', 'native').newestReleaseOfReservedAt).toBeUndefined();
    ledger.post(release(late, at(3)));
    expect(stateOf(ledger, 'w1', 'native').newestReleaseOfReservedAt).toEqual(at(2));
    ledger.post(release(early, at(4)));
    expect(stateOf(ledger, 'w1', 'native').newestReleaseOfReservedAt).toEqual(at(2));
    // A cancelled transfer gives back too.
    const cancelled = { ...reservation({ transferId: 'cancelled' }), reservedAt: at(5) };
    ledger.post(reserve(cancelled, at(5)));
    ledger.post(broadcast(cancelled, at(6)));
    ledger.post(settleCancelled(cancelled, 1n, at(7)));
    expect(stateOf(ledger, 'w1', 'native').newestReleaseOfReservedAt).toEqual(at(5));
  });

  it('stays unknown on a state that released before the field existed', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n]);
    const r = { ...reservation({ transferId: 'r' }), reservedAt: at(1) };
    ledger.post(reserve(r, at(1)));
    const key = accountKey(walletAccount('w1', 'native'));
    // A state written before the field: something was released, but not when.
    const legacy: WalletAccountState = { ...stateOf(ledger, 'w1', 'native'), outflowReleased: 7n };
    const state: LedgerState = { accounts: new Map([[key, legacy]]), postings: ledger.state.postings };
    const plan = planPosting(state, release(r, at(2)));
    expect((plan.entries[0]?.state as WalletAccountState).newestReleaseOfReservedAt).toBeUndefined();
    expect(releasedNothingAfter({ ...legacy }, at(10))).toBe(false);
  });
});

describe('validation', () => {
  it('lets only a reservation grow outflowReserved', () => {
    const r = reservation();
    const posting = release(r, at(2));
    const forged = {
      ...posting,
      counters: [{ account: walletAccount('w1', 'native'), counter: 'outflowReserved' as const, amount: 1n }],
    };
    const ledger = fundedLedger(['w1', 'native', 1_000n]);
    ledger.post(reserve(r, at(1)));
    expect(thrownBy(() => ledger.post(forged))).toMatchObject({
      code: 'LEDGER.INVALID_POSTING',
      message: expect.stringContaining('outflowReserved grows only by a reservation'),
    });
  });
});

describe('expectedPostings', () => {
  const r = { ...reservation({ amount: 100n, feeAllowance: 10n }), reservedAt: at(1) };
  const deposit = { depositId: 'd1', walletId: 'w1', asset: 'native' as const, amount: 5n };
  // Each posting in a valid order, after those before it.
  const histories: Posting[][] = [
    [reserve(r, at(1)), release(r, at(2))],
    [reserve(r, at(1)), broadcast(r, at(2)), settle(r, 3n, at(3))],
    [reserve(r, at(1)), broadcast(r, at(2)), settleCancelled(r, 3n, at(3))],
    [depositSeen(deposit, at(1)), depositConfirmed(deposit, at(2))],
    [depositSeen(deposit, at(1)), depositReorged(deposit, at(2))],
  ];

  it.each(histories.map((h) => [h.map((p) => p.type).join(' → '), h] as const))(
    '%s: planning on the expected postings gives the plan the recorded ones give',
    (_name, history) => {
      const ledger = fundedLedger(['w1', 'native', 1_000n]);
      for (const posting of history) {
        const expected = expectedPostings(posting);
        expect(expected).toBeDefined();
        const guessed = planPosting({ accounts: ledger.state.accounts, postings: expected! }, posting);
        expect(guessed).toEqual(planPosting(ledger.state, posting));
        // The stand-in of the required posting has the recorded one's subject digest.
        for (const [id, standIn] of expected!) {
          const recorded = ledger.state.postings.get(id);
          expect(recorded).toBeDefined();
          expect(subjectDigest(standIn)).toBe(subjectDigest(recorded!));
        }
        ledger.post(posting);
      }
    },
  );

  it('cannot be stated for a later phase without its reservation time', () => {
    const { reservedAt: _left, ...untimed } = r;
    expect(expectedPostings(release(untimed, at(2)))).toBeUndefined();
    expect(expectedPostings(reserve(untimed, at(2)))?.size).toBe(0);
  });

  it('a subject digest differs when any amount of the reservation differs', () => {
    const base = release(r, at(2));
    expect(subjectDigest(release({ ...r, amount: 99n }, at(2)))).not.toBe(subjectDigest(base));
    expect(subjectDigest(release({ ...r, feeAllowance: 9n }, at(2)))).not.toBe(subjectDigest(base));
    expect(subjectDigest(release({ ...r, exposure: 1n }, at(2)))).not.toBe(subjectDigest(base));
    expect(subjectDigest(broadcast(r, at(5)))).toBe(subjectDigest(base));
  });
});

describe('the reservation snapshot', () => {
  it('holds the accounts as they stood before the reservation: native and token', () => {
    const ledger = fundedLedger(['w1', 'native', 1_000n], ['w1', TOKEN, 1_000n]);
    ledger.post(reserve(reservation({ transferId: 'a', amount: 10n, feeAllowance: 1n }), at(1)));
    const token = reserve(reservation({ transferId: 'b', asset: TOKEN, amount: 20n, feeAllowance: 2n }), at(2));
    const snapshot = reservationSnapshot(ledger.state, planPosting(ledger.state, token));
    expect(snapshot).toEqual({
      assetAccountSeq: 3,
      countersBefore: { outflowReserved: 0n, outflowReleased: 0n },
      nativeAccountSeq: 4,
      previousReservationAt: at(1),
    });
    // Without a fee allowance a token reservation writes nothing on the native account: unknown there.
    const noFee = reserve(reservation({ transferId: 'c', asset: TOKEN, amount: 20n, feeAllowance: 0n }), at(2));
    expect(reservationSnapshot(ledger.state, planPosting(ledger.state, noFee))).toEqual({
      assetAccountSeq: 3,
      countersBefore: { outflowReserved: 0n, outflowReleased: 0n },
    });
    expect(
      reservationSnapshot(
        ledger.state,
        planPosting(ledger.state, release(reservation({ transferId: 'a', amount: 10n, feeAllowance: 1n }), at(3))),
      ),
    ).toBeUndefined();
  });

  it('property: what it proves empty is empty, and what it records is the journal’s', async () => {
    let proved = 0;
    let releasesSkipped = 0;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(snapshotOpsArb(14), async (ops) => {
        const memory = new InMemorySnapshotLedger();
        const walletId = `w${run++}`;
        const { reservations } = await runSnapshotScenario(memory, ops, walletId, at(0));
        for (const { transferId, asset, snapshot } of reservations) {
          const journal = memory.ledger.walletJournal(walletId, asset);
          const own = journal.find((e) => e.postingId === `${transferId}:reserve`);
          expect(own?.state.seq).toBe(snapshot.assetAccountSeq);
          const before = own === undefined ? undefined : journal[own.state.seq - 2];
          expect(snapshot.countersBefore).toEqual({
            outflowReserved: before?.state.outflowReserved ?? 0n,
            outflowReleased: before?.state.outflowReleased ?? 0n,
          });
          const nativeJournal = memory.ledger.walletJournal(walletId, 'native');
          const nativeOwn = nativeJournal.find((e) => e.postingId === `${transferId}:reserve`);
          expect(nativeOwn?.state.seq).toBe(snapshot.nativeAccountSeq);
          if (nativeOwn !== undefined)
            expect(snapshot.previousReservationAt).toEqual(
              nativeJournal[nativeOwn.state.seq - 2]?.state.lastReservedAt,
            );
          const basis = snapshotBasis(snapshot);
          if (own === undefined || basis === undefined) continue;
          const releasedBefore = journal.slice(0, own.state.seq - 1).flatMap((e) => (e.released ? [e.released] : []));
          for (const now of judgedAt(own.at)) {
            const usage = priorUsage(journal, own as JournalEntry, now);
            for (const name of ['daily', 'weekly', 'monthly'] as const) {
              const start = new Date(now.getTime() - VELOCITY_WINDOWS_MS[name]);
              if (reservedNothingAfter(basis, start)) {
                proved++;
                expect(usage[name]).toBe(0n);
              }
              if (releasedNothingAfter(basis, start)) {
                if (basis.outflowReleased > 0n) releasesSkipped++;
                expect(releasedBefore.filter((r) => r.reservedAt.getTime() > start.getTime())).toEqual([]);
              }
            }
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(proved).toBeGreaterThan(0);
    expect(releasesSkipped).toBeGreaterThan(0);
  });
});

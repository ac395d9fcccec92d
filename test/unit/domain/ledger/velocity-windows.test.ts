import fc from 'fast-check';
import type { Ledger } from '../../../../lambdas/domain/ledger/ledger';
import { priorUsage, VELOCITY_WINDOWS_MS } from '../../../../lambdas/domain/ledger/prior-usage';
import type { Reservation } from '../../../../lambdas/domain/ledger/posting';
import { broadcast, release, reserve, settleCancelled } from '../../../../lambdas/domain/ledger/transfer-postings';
import {
  InMemoryVelocityLedger,
  runVelocityScenario,
  velocityOpsArb,
  worstWindow,
} from '../../../support/velocity-scenario';
import { fundedLedger, T0, thrownBy } from './ledger-fixtures';

const HOUR = 3_600_000;
const ETH = 10n ** 18n;
const LIMIT = ETH; // 1 ETH a day
const time = (ms: number): Date => new Date(T0.getTime() + ms);
const transfer = (transferId: string, amount: bigint): Reservation => ({
  transferId,
  walletId: 'w1',
  asset: 'native',
  amount,
  feeAllowance: 1n,
});

/** Reserves and returns the daily usage before it, as policy would see it at `at`; releases it when refused. */
function submit(ledger: Ledger, r: Reservation, at: Date): boolean {
  const { entries } = ledger.post(reserve(r, at));
  const own = entries.find((e) => e.account.kind === 'wallet')!;
  const { daily } = priorUsage(ledger.walletJournal('w1', 'native'), own, at);
  const admitted = daily + r.amount <= LIMIT;
  if (!admitted) ledger.post(release(r, at));
  return admitted;
}

describe('velocity windows', () => {
  it('a reservation parked before the window and released inside it does not open room in it (issue 10, Why 1)', () => {
    const ledger = fundedLedger(['w1', 'native', 10n * ETH]);
    // 0.9 ETH parked in approval, cancelled about 24 h later.
    const parked = transfer('parked', (9n * ETH) / 10n);
    expect(submit(ledger, parked, time(0))).toBe(true);
    ledger.post(release(parked, time(24 * HOUR + 60_000)));
    // Then 4 × 0.4 ETH under a 1 ETH daily limit: only two fit.
    const results = [1, 2, 3, 4].map((i) =>
      submit(ledger, transfer(`small-${i}`, (4n * ETH) / 10n), time(24 * HOUR + 120_000 * i)),
    );
    expect(results).toEqual([true, true, false, false]);
  });

  it('a release of a reservation made inside the window still gives its room back', () => {
    const ledger = fundedLedger(['w1', 'native', 10n * ETH]);
    const parked = transfer('parked', (9n * ETH) / 10n);
    expect(submit(ledger, parked, time(0))).toBe(true);
    ledger.post(release(parked, time(HOUR)));
    expect(submit(ledger, transfer('next', ETH), time(2 * HOUR))).toBe(true);
  });

  it('a cancelled transfer gives back only in the window its reservation was made in', () => {
    const ledger = fundedLedger(['w1', 'native', 10n * ETH]);
    const old = transfer('old', 600n);
    ledger.post(reserve(old, time(0)));
    ledger.post(broadcast(old, time(HOUR)));
    ledger.post(settleCancelled(old, 1n, time(30 * HOUR)));
    const { entries } = ledger.post(reserve(transfer('now', 1n), time(31 * HOUR)));
    const journal = ledger.walletJournal('w1', 'native');
    // Daily window (7 h, 31 h]: 'old' was reserved before it; its cancellation does not lower the window.
    expect(priorUsage(journal, entries[0]!, time(31 * HOUR))).toEqual({ daily: 0n, weekly: 0n, monthly: 0n });
    // The cancellation entry records when its reservation was made.
    expect(journal.find((e) => e.postingId === 'old:settle-cancelled')?.released).toEqual({
      amount: 600n,
      reservedAt: time(0),
    });
  });

  it('every phase carries the reservation time its RESERVE recorded, and refuses another', () => {
    const ledger = fundedLedger(['w1', 'native', 10n * ETH]);
    const r = transfer('t', 5n);
    ledger.post(reserve(r, time(HOUR)));
    const moved = { ...r, reservedAt: time(2 * HOUR) };
    expect(thrownBy(() => ledger.post(release(moved, time(3 * HOUR))))).toMatchObject({
      code: 'LEDGER.POSTING_CONFLICT',
    });
    expect(
      thrownBy(() => ledger.post(reserve({ ...r, transferId: 'u', reservedAt: time(0) }, time(HOUR)))),
    ).toMatchObject({ code: 'LEDGER.POSTING_CONFLICT' });
    const plan = ledger.post(broadcast(r, time(3 * HOUR)));
    expect(plan.posting).toMatchObject({ reservation: { reservedAt: time(HOUR) } });
    expect(ledger.post(broadcast({ ...r, reservedAt: time(HOUR) }, time(4 * HOUR))).replayed).toBe(true);
  });

  it('property: the principal admitted without approval and kept, reserved in any 24 h window, never exceeds the limit', async () => {
    const limit = 100n;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(velocityOpsArb(limit, 40), async (ops) => {
        const admitted = await runVelocityScenario(new InMemoryVelocityLedger(), ops, {
          walletId: `w${run++}`,
          limit,
          start: T0,
        });
        expect(worstWindow(admitted, VELOCITY_WINDOWS_MS.daily)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 300 },
    );
  });
});

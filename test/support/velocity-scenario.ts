// A velocity scenario for property tests, run the same way against the in-memory ledger and the
// DynamoDB store: random reserve / release / settle at random increasing times, where a reservation is
// admitted without approval iff the daily usage before it plus its amount stays within the limit
// (otherwise it is released at once, as a rejected transfer would be).
import fc from 'fast-check';
import { depositConfirmed, depositSeen } from '../../lambdas/domain/ledger/deposit-postings';
import type { JournalEntry } from '../../lambdas/domain/ledger/journal-entry';
import { Ledger } from '../../lambdas/domain/ledger/ledger';
import type { Posting, Reservation } from '../../lambdas/domain/ledger/posting';
import { priorUsage } from '../../lambdas/domain/ledger/prior-usage';
import { broadcast, release, reserve, settle } from '../../lambdas/domain/ledger/transfer-postings';
import type { VelocityUsage } from '../../lambdas/domain/policy/policy';

/** What the scenario needs of a ledger: the LedgerStore calls it makes. */
export interface VelocityLedger {
  post(posting: Posting): Promise<unknown>;
  priorUsage(transferId: string, now: Date): Promise<VelocityUsage>;
}

/** The in-memory ledger behind the store's interface: priorUsage over the account's journal. */
export class InMemoryVelocityLedger implements VelocityLedger {
  readonly ledger = new Ledger();
  readonly #reservationEntries = new Map<string, JournalEntry>();

  post(posting: Posting): Promise<unknown> {
    const plan = this.ledger.post(posting);
    if (posting.type === 'RESERVE') {
      const { walletId, asset } = posting.reservation;
      const entry = plan.entries.find((e) => e.account.kind === 'wallet' && e.account.asset === asset);
      if (entry !== undefined && entry.account.walletId === walletId)
        this.#reservationEntries.set(posting.transferId, entry);
    }
    return Promise.resolve(plan);
  }

  priorUsage(transferId: string, now: Date): Promise<VelocityUsage> {
    const entry = this.#reservationEntries.get(transferId);
    if (entry === undefined) throw new Error(`no reservation entry for ${transferId}`);
    const { walletId, asset } = entry.account;
    return Promise.resolve(priorUsage(this.ledger.walletJournal(walletId, asset), entry, now));
  }
}

export type VelocityOp =
  | { readonly kind: 'reserve'; readonly amount: bigint; readonly gapMs: number }
  | { readonly kind: 'release' | 'settle'; readonly pick: number; readonly gapMs: number };

const MINUTE = 60_000;

/** Operations with gaps from a minute to 30 h, so windows of 24 h slide over reservations and releases. */
export const velocityOpsArb = (limit: bigint, maxLength: number): fc.Arbitrary<VelocityOp[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('reserve' as const), amount: fc.bigInt(1n, limit), gapMs: gap() }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constantFrom('release' as const, 'settle' as const),
          pick: fc.nat(),
          gapMs: gap(),
        }),
      },
    ),
    { minLength: 1, maxLength },
  );

function gap(): fc.Arbitrary<number> {
  // Mostly short gaps (bursts within a day), sometimes long ones (a reservation parked over a day).
  return fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 30 * 60 })).map((m) => m * MINUTE);
}

/** An admitted reservation: its amount, when it was made, and whether it was given back since. */
export interface Admitted {
  readonly transferId: string;
  readonly amount: bigint;
  readonly reservedAt: Date;
  released: boolean;
}

export interface ScenarioOptions {
  readonly walletId: string;
  readonly limit: bigint;
  readonly start: Date;
}

/**
 * Runs the operations and returns the reservations admitted without approval. Each reservation is
 * judged at the instant it is made against the daily window ending then.
 */
export async function runVelocityScenario(
  ledger: VelocityLedger,
  ops: readonly VelocityOp[],
  { walletId, limit, start }: ScenarioOptions,
): Promise<Admitted[]> {
  const funds = { depositId: `fund-${walletId}`, walletId, asset: 'native' as const, amount: 10n ** 30n };
  await ledger.post(depositSeen(funds, start));
  await ledger.post(depositConfirmed(funds, start));
  const admitted: Admitted[] = [];
  const open: { reservation: Reservation; admitted: Admitted }[] = [];
  let now = start.getTime();
  for (const [i, op] of ops.entries()) {
    now += op.gapMs;
    const at = new Date(now);
    if (op.kind === 'reserve') {
      const reservation: Reservation = {
        transferId: `${walletId}-t${i}`,
        walletId,
        asset: 'native',
        amount: op.amount,
        feeAllowance: 1n,
      };
      await ledger.post(reserve(reservation, at));
      const { daily } = await ledger.priorUsage(reservation.transferId, at);
      if (daily + op.amount <= limit) {
        const entry: Admitted = {
          transferId: reservation.transferId,
          amount: op.amount,
          reservedAt: at,
          released: false,
        };
        admitted.push(entry);
        open.push({ reservation, admitted: entry });
      } else {
        // Refused or sent to approval and rejected: the reservation is given back right away.
        await ledger.post(release(reservation, at));
      }
      continue;
    }
    if (open.length === 0) continue;
    const [chosen] = open.splice(op.pick % open.length, 1);
    if (chosen === undefined) continue;
    if (op.kind === 'release') {
      await ledger.post(release(chosen.reservation, at));
      chosen.admitted.released = true;
    } else {
      await ledger.post(broadcast(chosen.reservation, at));
      await ledger.post(settle(chosen.reservation, 0n, at));
    }
  }
  return admitted;
}

/**
 * The most principal admitted and never given back whose reservation time lies in one window (a, a + W]:
 * the worst window ends at one of the reservation times.
 */
export function worstWindow(admitted: readonly Admitted[], windowMs: number): bigint {
  const kept = admitted.filter((a) => !a.released);
  let worst = 0n;
  for (const last of kept) {
    const end = last.reservedAt.getTime();
    const sum = kept
      .filter((a) => a.reservedAt.getTime() > end - windowMs && a.reservedAt.getTime() <= end)
      .reduce((total, a) => total + a.amount, 0n);
    if (sum > worst) worst = sum;
  }
  return worst;
}

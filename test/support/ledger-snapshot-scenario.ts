// A reservation-snapshot scenario for property tests, run the same way against the in-memory ledger and
// the DynamoDB store: random reservations of a token or the native asset (with or without a fee
// allowance), released, settled or cancelled at random later times, with gaps from minutes to weeks so
// that the 24 h, 7 d and 30 d windows slide over reservations and releases.
import fc from 'fast-check';
import type { Address } from 'viem';
import type { Asset } from '../../lambdas/domain/asset';
import { planPosting } from '../../lambdas/domain/ledger/apply-posting';
import { depositConfirmed, depositSeen } from '../../lambdas/domain/ledger/deposit-postings';
import { Ledger } from '../../lambdas/domain/ledger/ledger';
import type { Posting, Reservation } from '../../lambdas/domain/ledger/posting';
import { reservationSnapshot, type ReservationSnapshot } from '../../lambdas/domain/ledger/reservation-snapshot';
import { broadcast, release, reserve, settle, settleCancelled } from '../../lambdas/domain/ledger/transfer-postings';

export const SCENARIO_TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address;

/** What the scenario needs of a ledger: posting, and the snapshot of a RESERVE it recorded. */
export interface SnapshotLedger {
  post(posting: Posting): Promise<{ readonly snapshot?: ReservationSnapshot }>;
}

/** The in-memory ledger, returning the snapshot of the state each RESERVE was planned on. */
export class InMemorySnapshotLedger implements SnapshotLedger {
  readonly ledger = new Ledger();

  post(posting: Posting): Promise<{ readonly snapshot?: ReservationSnapshot }> {
    const snapshot = reservationSnapshot(this.ledger.state, planPosting(this.ledger.state, posting));
    this.ledger.post(posting);
    return Promise.resolve(snapshot === undefined ? {} : { snapshot });
  }
}

export type SnapshotOp =
  | {
      readonly kind: 'reserve';
      readonly token: boolean;
      readonly amount: bigint;
      readonly fee: bigint;
      readonly gapMs: number;
    }
  | { readonly kind: 'release' | 'settle' | 'cancel'; readonly pick: number; readonly gapMs: number };

const MINUTE = 60_000;

function gap(): fc.Arbitrary<number> {
  // Bursts within an hour, parked over a day, and now and then weeks apart.
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 60 }) },
      { weight: 3, arbitrary: fc.integer({ min: 60, max: 30 * 60 }) },
      { weight: 1, arbitrary: fc.integer({ min: 3 * 24 * 60, max: 20 * 24 * 60 }) },
    )
    .map((m) => m * MINUTE);
}

export const snapshotOpsArb = (maxLength: number): fc.Arbitrary<SnapshotOp[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('reserve' as const),
          token: fc.boolean(),
          amount: fc.bigInt(1n, 100n),
          fee: fc.constantFrom(0n, 1n, 1n),
          gapMs: gap(),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constantFrom('release' as const, 'settle' as const, 'cancel' as const),
          pick: fc.nat(),
          gapMs: gap(),
        }),
      },
    ),
    { minLength: 1, maxLength },
  );

/** A reservation the scenario made, with the snapshot its RESERVE left. */
export interface SnapshotReservation {
  readonly transferId: string;
  readonly walletId: string;
  readonly asset: Asset;
  readonly reservedAt: Date;
  readonly snapshot: ReservationSnapshot;
}

/**
 * Runs the operations and returns every reservation made, with its snapshot. `afterReserve` runs
 * right after each RESERVE (to compare readings as of that moment). Returns the scenario's last instant.
 */
export async function runSnapshotScenario(
  ledger: SnapshotLedger,
  ops: readonly SnapshotOp[],
  walletId: string,
  start: Date,
  afterReserve: (reserved: SnapshotReservation) => Promise<void> = () => Promise.resolve(),
): Promise<{ readonly reservations: SnapshotReservation[]; readonly end: Date }> {
  for (const asset of ['native', SCENARIO_TOKEN] as const) {
    const funds = { depositId: `fund-${walletId}-${asset}`, walletId, asset, amount: 10n ** 30n };
    await ledger.post(depositSeen(funds, start));
    await ledger.post(depositConfirmed(funds, start));
  }
  const reservations: SnapshotReservation[] = [];
  const open: Reservation[] = [];
  let now = start.getTime();
  for (const [i, op] of ops.entries()) {
    now += op.gapMs;
    const at = new Date(now);
    if (op.kind === 'reserve') {
      const reservation: Reservation = {
        transferId: `${walletId}-t${i}`,
        walletId,
        asset: op.token ? SCENARIO_TOKEN : 'native',
        amount: op.amount,
        feeAllowance: op.fee,
        reservedAt: at,
      };
      const { snapshot } = await ledger.post(reserve(reservation, at));
      if (snapshot === undefined) throw new Error(`no snapshot for ${reservation.transferId}`);
      const reserved = {
        transferId: reservation.transferId,
        walletId,
        asset: reservation.asset,
        reservedAt: at,
        snapshot,
      };
      reservations.push(reserved);
      open.push(reservation);
      await afterReserve(reserved);
      continue;
    }
    const [chosen] = open.length === 0 ? [] : open.splice(op.pick % open.length, 1);
    if (chosen === undefined) continue;
    if (op.kind === 'release') {
      await ledger.post(release(chosen, at));
    } else {
      await ledger.post(broadcast(chosen, at));
      await ledger.post(op.kind === 'settle' ? settle(chosen, 0n, at) : settleCancelled(chosen, 0n, at));
    }
  }
  return { reservations, end: new Date(now) };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Instants to judge a reservation at: when it was made, and later, across each window's edge. */
export const judgedAt = (reservedAt: Date): Date[] =>
  [0, 2 * HOUR, 25 * HOUR, 8 * DAY, 31 * DAY].map((offset) => new Date(reservedAt.getTime() + offset));

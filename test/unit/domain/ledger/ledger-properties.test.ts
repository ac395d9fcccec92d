import fc from 'fast-check';
import type { Asset } from '../../../../lambdas/domain/asset';
import { StrongroomError } from '../../../../lambdas/domain/errors';
import {
  WALLET_BUCKETS,
  type AccountState,
  type OutflowCounters,
} from '../../../../lambdas/domain/ledger/account-state';
import { depositConfirmed, depositReorged, depositSeen } from '../../../../lambdas/domain/ledger/deposit-postings';
import { Ledger } from '../../../../lambdas/domain/ledger/ledger';
import {
  isTransferPosting,
  type Deposit,
  type Posting,
  type Reservation,
} from '../../../../lambdas/domain/ledger/posting';
import {
  broadcast,
  release,
  reserve,
  settle,
  settleCancelled,
} from '../../../../lambdas/domain/ledger/transfer-postings';
import { at, snapshot, TOKEN } from './ledger-fixtures';

// Random sequences of operations, valid and invalid, across two wallets and two assets. Each operation
// names its transfer or deposit; `recorded` asks for the amounts that were reserved or seen under that
// id (when there are any), otherwise it uses its own random ones, which the ledger must refuse or accept
// consistently.

const WALLETS = ['w1', 'w2'] as const;
const ASSETS: readonly Asset[] = ['native', TOKEN];

const reservationArb: fc.Arbitrary<Reservation> = fc.record({
  transferId: fc.constantFrom('t0', 't1', 't2', 't3', 't4', 't5'),
  walletId: fc.constantFrom(...WALLETS),
  asset: fc.constantFrom(...ASSETS),
  amount: fc.bigInt({ min: 0n, max: 300n }),
  feeAllowance: fc.bigInt({ min: 0n, max: 30n }),
});

const depositArb: fc.Arbitrary<Deposit> = fc.record({
  depositId: fc.constantFrom('d0', 'd1', 'd2', 'd3'),
  walletId: fc.constantFrom(...WALLETS),
  asset: fc.constantFrom(...ASSETS),
  amount: fc.bigInt({ min: 0n, max: 500n }),
});

const recorded = fc.constantFrom(true, true, true, false);

type Op =
  | { kind: 'reserve' | 'release' | 'broadcast'; reservation: Reservation; recorded: boolean }
  | { kind: 'settle' | 'settleCancelled'; reservation: Reservation; recorded: boolean; fee: bigint }
  | { kind: 'depositSeen' | 'depositReorged' | 'depositConfirmed'; deposit: Deposit; recorded: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('reserve', 'release', 'broadcast'), reservation: reservationArb, recorded }),
  fc.record({
    kind: fc.constantFrom('settle', 'settleCancelled'),
    reservation: reservationArb,
    recorded,
    fee: fc.bigInt({ min: 0n, max: 32n }),
  }),
  fc.record({
    kind: fc.constantFrom('depositSeen', 'depositReorged', 'depositConfirmed'),
    deposit: depositArb,
    recorded,
  }),
);

const fundingArb = fc.array(fc.bigInt({ min: 0n, max: 1_000n }), {
  minLength: WALLETS.length * ASSETS.length,
  maxLength: WALLETS.length * ASSETS.length,
});

/** What the test remembers of successful postings: reservations and deposits by id, and the expected settled balances. */
class Model {
  readonly reservations = new Map<string, Reservation>();
  readonly deposits = new Map<string, Deposit>();
  readonly settled = new Map<string, bigint>();

  posting(op: Op, time: Date): Posting {
    if ('deposit' in op) {
      const deposit = (op.recorded && this.deposits.get(op.deposit.depositId)) || op.deposit;
      return { depositSeen, depositReorged, depositConfirmed }[op.kind](deposit, time);
    }
    const r = (op.recorded && this.reservations.get(op.reservation.transferId)) || op.reservation;
    if (op.kind === 'settle' || op.kind === 'settleCancelled')
      return (op.kind === 'settle' ? settle : settleCancelled)(r, op.fee, time);
    return { reserve, release, broadcast }[op.kind](r, time);
  }

  /** Records a posting the ledger accepted (not a replay). */
  accepted(posting: Posting): void {
    if ('deposit' in posting) {
      const d = posting.deposit;
      this.deposits.set(d.depositId, d);
      if (posting.type === 'DEPOSIT_CONFIRMED') this.add(d.walletId, d.asset, d.amount);
      return;
    }
    if (!isTransferPosting(posting)) throw new Error(`the ops make no ${posting.type} postings`);
    const r = posting.reservation;
    this.reservations.set(r.transferId, r);
    const fee = posting.legs.filter((l) => l.account.kind === 'fees').reduce((sum, l) => sum + l.amount, 0n);
    this.add(r.walletId, 'native', -fee);
    if (posting.type === 'SETTLE') this.add(r.walletId, r.asset, -r.amount);
  }

  private add(walletId: string, asset: Asset, amount: bigint): void {
    const key = `${walletId}#${asset}`;
    this.settled.set(key, (this.settled.get(key) ?? 0n) + amount);
  }
}

const countersOf = (state: AccountState): OutflowCounters | undefined => (state.kind === 'wallet' ? state : undefined);

const sumInto = (sums: Map<string, bigint>, key: string, amount: bigint): void => {
  sums.set(key, (sums.get(key) ?? 0n) + amount);
};

/** Every broken invariant, described; one `expect` on the list keeps the property fast. */
function violations(
  ledger: Ledger,
  model: Model,
  countersBefore: ReadonlyMap<string, OutflowCounters | undefined>,
): string[] {
  const found: string[] = [];
  const check = (holds: boolean, what: string): void => void (holds || found.push(what));
  for (const [key, state] of ledger.state.accounts) {
    if (state.kind === 'wallet')
      for (const bucket of WALLET_BUCKETS) check(state[bucket] >= 0n, `${key}/${bucket} is negative`);
    // Outflow counters never decrease.
    const [before, after] = [countersBefore.get(key), countersOf(state)];
    if (before !== undefined && after !== undefined) {
      check(
        after.outflowReserved >= before.outflowReserved && after.outflowReleased >= before.outflowReleased,
        `${key} counters decreased`,
      );
    }
  }
  // Legs sum to zero per asset over the whole journal; each account's state is the sum of its legs.
  const perAsset = new Map<string, bigint>();
  for (const [key, journal] of ledger.journals()) {
    const perBucket = new Map<string, bigint>();
    for (const leg of journal.flatMap((e) => e.legs)) {
      sumInto(perAsset, leg.account.asset, leg.amount);
      sumInto(perBucket, leg.bucket, leg.amount);
    }
    const state = ledger.state.accounts.get(key) as unknown as Record<string, bigint>;
    for (const [bucket, sum] of perBucket) check(state[bucket] === sum, `${key}/${bucket} is not the sum of its legs`);
    check(
      journal.every((e, i) => e.state.seq === i + 1),
      `${key} entry sequence has gaps`,
    );
  }
  for (const [asset, sum] of perAsset) check(sum === 0n, `legs of ${asset} sum to ${sum}`);
  // What is reserved and pending out is exactly what the reservations in those phases hold.
  const held = new Map<string, bigint>();
  for (const r of model.reservations.values()) {
    const bucket = { reserved: 'reserved', broadcast: 'pendingOut' }[ledger.phase(r.transferId) as string];
    if (bucket === undefined) continue;
    sumInto(held, `${r.walletId}#${r.asset}#${bucket}`, r.amount);
    sumInto(held, `${r.walletId}#native#${bucket}`, r.feeAllowance);
  }
  for (const walletId of WALLETS) {
    for (const asset of ASSETS) {
      const b = ledger.balances(walletId, asset);
      const key = `${walletId}#${asset}`;
      // settled = available + reserved + pendingOut, and is what was confirmed in minus what settled out and the fees paid.
      check(
        b.settled === b.available + b.reserved + b.pendingOut,
        `${key}: settled is not available + reserved + pendingOut`,
      );
      check(
        b.settled === (model.settled.get(key) ?? 0n),
        `${key}: settled ${b.settled}, expected ${model.settled.get(key) ?? 0n}`,
      );
      check(
        b.reserved === (held.get(`${key}#reserved`) ?? 0n),
        `${key}: reserved ${b.reserved} is not what reservations hold`,
      );
      check(
        b.pendingOut === (held.get(`${key}#pendingOut`) ?? 0n),
        `${key}: pendingOut ${b.pendingOut} is not what broadcast transfers hold`,
      );
    }
  }
  return found;
}

function fund(ledger: Ledger, model: Model, amounts: readonly bigint[]): void {
  const accounts = WALLETS.flatMap((walletId) => ASSETS.map((asset) => [walletId, asset] as const));
  accounts.forEach(([walletId, asset], i) => {
    const deposit = { depositId: `fund-${i}`, walletId, asset, amount: amounts[i]! };
    for (const posting of [depositSeen(deposit, at(0)), depositConfirmed(deposit, at(0))]) {
      ledger.post(posting);
      model.accepted(posting);
    }
  });
}

describe('the ledger under random sequences of operations', () => {
  it('keeps every invariant, and a refused operation changes nothing', () => {
    let applied = 0;
    let refused = 0;
    fc.assert(
      fc.property(fundingArb, fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }), (funding, ops) => {
        const ledger = new Ledger();
        const model = new Model();
        fund(ledger, model, funding);
        ops.forEach((op, i) => {
          const before = snapshot(ledger);
          const counters = new Map([...ledger.state.accounts].map(([key, state]) => [key, countersOf(state)]));
          try {
            const posting = model.posting(op, at(i + 1));
            if (!ledger.post(posting).replayed) model.accepted(posting);
            applied++;
          } catch (error) {
            if (!(error instanceof StrongroomError)) throw error;
            expect(snapshot(ledger)).toBe(before);
            // Postings built by the domain's own builders are well formed: only a fee outside its allowance is malformed.
            if (error.code === 'LEDGER.INVALID_POSTING') expect(op.kind).toMatch(/^settle/);
            refused++;
          }
          expect(violations(ledger, model, counters)).toEqual([]);
        });
      }),
      { numRuns: 150 },
    );
    // Both paths must have been exercised, or the property proves little (150 random runs give
    // well over a thousand of each; the bound leaves room for an unlucky draw).
    expect(applied).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });
});

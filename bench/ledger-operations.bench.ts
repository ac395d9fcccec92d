// Ledger operations per second on the in-memory model: the pure cost of building, checking and
// applying postings, without any store round trip.
import type { Address } from 'viem';
import type { Asset } from '../lambdas/domain/asset';
import { depositConfirmed, depositSeen } from '../lambdas/domain/ledger/deposit-postings';
import { Ledger } from '../lambdas/domain/ledger/ledger';
import type { Reservation } from '../lambdas/domain/ledger/posting';
import { priorUsage } from '../lambdas/domain/ledger/prior-usage';
import { broadcast, release, reserve, settle } from '../lambdas/domain/ledger/transfer-postings';
import { printTable, throughput, type Throughput } from './lib/measure';

const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address;
const WALLET = 'w-bench';
const AT = new Date('2026-01-01T00:00:00Z');
// A fresh ledger every so many cycles keeps memory flat: the figure is the cost of an operation, not of a growing heap.
const CYCLES_PER_LEDGER = 1_000;

function fundedLedger(): Ledger {
  const ledger = new Ledger();
  for (const asset of ['native', TOKEN] as const) {
    const deposit = { depositId: `fund-${asset}`, walletId: WALLET, asset, amount: 10n ** 30n };
    ledger.post(depositSeen(deposit, AT));
    ledger.post(depositConfirmed(deposit, AT));
  }
  return ledger;
}

/** Runs `cycle` on a ledger that is renewed every {@link CYCLES_PER_LEDGER} cycles. */
function cycles(name: string, asset: Asset, cycle: (ledger: Ledger, r: Reservation, at: Date) => void): Throughput {
  let ledger = fundedLedger();
  return throughput(name, (i) => {
    if (i % CYCLES_PER_LEDGER === 0) ledger = fundedLedger();
    const at = new Date(AT.getTime() + i);
    cycle(ledger, { transferId: `t${i}`, walletId: WALLET, asset, amount: 1_000n, feeAllowance: 21_000n * 50n }, at);
  });
}

const settled = (ledger: Ledger, r: Reservation, at: Date): void => {
  ledger.post(reserve(r, at));
  ledger.post(broadcast(r, at));
  ledger.post(settle(r, 21_000n * 30n, at));
};

const released = (ledger: Ledger, r: Reservation, at: Date): void => {
  ledger.post(reserve(r, at));
  ledger.post(release(r, at));
};

/**
 * priorUsage over a journal of `size` entries spread over 60 days, where one reservation in
 * `releaseEvery` is released (rejected, cancelled, expired) and the others stay reserved. A window
 * subtracts only releases of reservations made inside it, so the cost grows with the releases in the
 * widest (30 d) window: the figure with every reservation released is the worst case.
 */
function usageOverJournal(size: number, releaseEvery: number): Throughput {
  const ledger = fundedLedger();
  const step = (60 * 24 * 3_600_000) / size;
  let entries = 0;
  for (let i = 0; entries < size; i++) {
    const r = { transferId: `u${i}`, walletId: WALLET, asset: TOKEN, amount: 7n, feeAllowance: 1n };
    const at = new Date(AT.getTime() + entries * step);
    if (i % releaseEvery === 0) {
      released(ledger, r, at);
      entries += 2;
    } else {
      ledger.post(reserve(r, at));
      entries += 1;
    }
  }
  const journal = ledger.walletJournal(WALLET, TOKEN);
  const last = journal[journal.length - 1]!;
  const which = releaseEvery === 1 ? 'every reservation released' : `1 in ${releaseEvery} released`;
  return throughput(
    `priorUsage, ${journal.length.toLocaleString('en-US')}-entry journal, ${which}`,
    () => void priorUsage(journal, last, last.at),
  );
}

export function run(): void {
  printTable('ledger operations (in-memory model; one cycle = 2 or 3 postings)', [
    cycles('reserve + broadcast + settle, native', 'native', settled),
    cycles('reserve + broadcast + settle, ERC-20', TOKEN, settled),
    cycles('reserve + release, native', 'native', released),
    cycles('reserve + release, ERC-20', TOKEN, released),
    usageOverJournal(100_000, 20),
    usageOverJournal(100_000, 1),
  ]);
}

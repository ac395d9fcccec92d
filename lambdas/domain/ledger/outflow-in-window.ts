import type { OutflowCounters } from './account-state';
import type { ReleasedReservation } from './journal-entry';

/** What a velocity window reads of a journal entry: its time, its cumulative counters, what it gave back. */
export interface CounterPoint {
  readonly at: Date;
  readonly state: OutflowCounters;
  readonly released?: ReleasedReservation;
}

/** The counters of an account with no entry. */
export const ZERO_COUNTERS: OutflowCounters = { outflowReserved: 0n, outflowReleased: 0n };

/**
 * The outflow of a window that starts (exclusively) at `start`: what was reserved in it, less what was
 * given back of reservations made inside it. A release of a reservation made before the window never
 * lowers it: otherwise parking an amount and cancelling it a day later would open room for that amount
 * again in a window that never saw it reserved. Never below zero.
 *
 * Every release counted here belongs to a reservation whose entry is inside the window too, since an
 * entry is never dated before its posting (`reservedAt` ≤ that entry's `at`), so the difference is exact
 * for reservations stamped at their entry's time and errs towards more usage otherwise.
 */
export function usageSince(start: Date, reservedInWindow: bigint, releases: Iterable<ReleasedReservation>): bigint {
  let usage = reservedInWindow;
  for (const { amount, reservedAt } of releases) if (reservedAt.getTime() > start.getTime()) usage -= amount;
  return usage > 0n ? usage : 0n;
}

/** The index of the last item of `items[0, end)` that satisfies `holds`, which must hold on a prefix; -1 if none. */
export function lastIndexWhere<T>(items: readonly T[], holds: (item: T) => boolean, end = items.length): number {
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    // middle < end <= items.length, so the item exists.
    if (holds(items[middle] as T)) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/** The index of the newest entry at or before instant `t` among `entries[0, end)`; -1 before the first. */
const indexAt = (entries: readonly CounterPoint[], t: Date, end: number): number =>
  lastIndexWhere(entries, (e) => e.at.getTime() <= t.getTime(), end);

/** The counters at instant `t`: the newest entry at or before it among `entries[0, end)`; zeros before the first. */
export function countersAt(entries: readonly CounterPoint[], t: Date, end = entries.length): OutflowCounters {
  return entries[indexAt(entries, t, end)]?.state ?? ZERO_COUNTERS;
}

/**
 * The outflow of `entries[0, end)` in the window starting (exclusively) at `from`: reserved since then,
 * less releases of reservations made since then. Only entries after `from` are scanned: a release is
 * entered after its reservation, so one of a reservation made in the window is in the window too.
 */
export function outflowSince(entries: readonly CounterPoint[], from: Date, end = entries.length): bigint {
  const [usage] = outflowsSince(entries, [from], end);
  return usage ?? 0n;
}

/**
 * {@link outflowSince} for several window starts at once: the releases are collected once, from the
 * earliest start on, and each window keeps those of reservations made inside it. The cost is a binary
 * search per start and one pass over the entries of the widest window.
 */
export function outflowsSince(
  entries: readonly CounterPoint[],
  starts: readonly Date[],
  end = entries.length,
): bigint[] {
  if (starts.length === 0) return [];
  const earliest = starts.reduce((a, b) => (a.getTime() <= b.getTime() ? a : b));
  const releases: ReleasedReservation[] = [];
  for (let i = indexAt(entries, earliest, end) + 1; i < end; i++) {
    const released = entries[i]?.released;
    if (released !== undefined) releases.push(released);
  }
  const atEnd = entries[end - 1]?.state ?? ZERO_COUNTERS;
  return starts.map((from) => {
    const first = indexAt(entries, from, end) + 1;
    // A window starting after the last entry has seen nothing (first ≥ end).
    if (first >= end) return 0n;
    const atStart = entries[first - 1]?.state ?? ZERO_COUNTERS;
    return usageSince(from, atEnd.outflowReserved - atStart.outflowReserved, releases);
  });
}

/**
 * The principal outflow of one wallet account in the window (from, to]: what was reserved in it minus
 * what was given back in it of reservations made in it. `entries` is the account's journal in order; an
 * entry exactly at `from` belongs to the window before.
 */
export function outflowInWindow(entries: readonly CounterPoint[], from: Date, to: Date): bigint {
  return outflowSince(entries, from, indexAt(entries, to, entries.length) + 1);
}

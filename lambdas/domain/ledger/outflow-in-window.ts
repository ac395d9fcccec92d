import type { OutflowCounters } from './account-state';

/** What a velocity window reads of a journal entry: its time and its cumulative counters. */
export interface CounterPoint {
  readonly at: Date;
  readonly state: OutflowCounters;
}

/** The counters of an account with no entry. */
export const ZERO_COUNTERS: OutflowCounters = { outflowReserved: 0n, outflowReleased: 0n };

/** Principal reserved and not given back, up to a point. */
export const netOutflow = (counters: OutflowCounters): bigint => counters.outflowReserved - counters.outflowReleased;

/** Principal reserved minus principal given back between two points, never below zero. */
export function outflowBetween(start: OutflowCounters, end: OutflowCounters): bigint {
  const net = netOutflow(end) - netOutflow(start);
  return net > 0n ? net : 0n;
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

/** The counters at instant `t`: the newest entry at or before it among `entries[0, end)`; zeros before the first. */
export function countersAt(entries: readonly CounterPoint[], t: Date, end = entries.length): OutflowCounters {
  const time = t.getTime();
  const index = lastIndexWhere(entries, (e) => e.at.getTime() <= time, end);
  return entries[index]?.state ?? ZERO_COUNTERS;
}

/**
 * The principal outflow of one wallet account in the window (from, to]: what was reserved in it minus
 * what was given back in it, never below zero (a window may give back more than it reserved): two
 * point reads of the counters. `entries` is the account's journal in order; an entry exactly at `from`
 * belongs to the window before.
 */
export function outflowInWindow(entries: readonly CounterPoint[], from: Date, to: Date): bigint {
  return outflowBetween(countersAt(entries, from), countersAt(entries, to));
}

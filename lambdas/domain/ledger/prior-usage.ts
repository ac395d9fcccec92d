import type { VelocityUsage } from '../policy/policy';
import type { WalletAccountState } from './account-state';
import type { JournalEntry } from './journal-entry';
import { lastIndexWhere, outflowsSince } from './outflow-in-window';

const HOUR_MS = 60 * 60 * 1_000;

/** The rolling velocity windows, in milliseconds. */
export const VELOCITY_WINDOWS_MS: { readonly [W in keyof VelocityUsage]: number } = {
  daily: 24 * HOUR_MS,
  weekly: 7 * 24 * HOUR_MS,
  monthly: 30 * 24 * HOUR_MS,
};

/**
 * The outflow of a wallet account in the rolling 24 h / 7 d / 30 d windows ending at `now` (each
 * `(now − window, now]`) that came before the given reservation: what policy weighs the reservation
 * against. Each window counts what was reserved in it, less releases of reservations made in it (see
 * {@link usageSince}). Later reservations are left out, so concurrent transfers are admitted in
 * reservation order, each seeing those reserved before it. Releases recorded after the reservation are
 * left out too, which can only overstate the usage.
 *
 * `journal` is the account's journal in order, at least from the last entry before `now − 30 d` to the
 * reservation's entry; `reservationEntry` is the entry the reservation wrote on that account.
 */
export function priorUsage(
  journal: readonly JournalEntry<WalletAccountState>[],
  reservationEntry: JournalEntry,
  now: Date,
): VelocityUsage {
  // The entries before the reservation's.
  const end = lastIndexWhere(journal, (e) => e.state.seq < reservationEntry.state.seq) + 1;
  const startOf = (windowMs: number): Date => new Date(now.getTime() - windowMs);
  const { daily, weekly, monthly } = VELOCITY_WINDOWS_MS;
  const [d, w, m] = outflowsSince(journal, [startOf(daily), startOf(weekly), startOf(monthly)], end);
  return { daily: d ?? 0n, weekly: w ?? 0n, monthly: m ?? 0n };
}

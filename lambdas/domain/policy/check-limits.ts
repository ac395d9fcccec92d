import { formatAmount } from '../money';
import type { AssetLimits, EvaluationInput, HourWindow, Violation, WalletLimits } from './policy';
import { violation } from './violation';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const WINDOWS = [
  { window: 'daily', code: 'DAILY_LIMIT' },
  { window: 'weekly', code: 'WEEKLY_LIMIT' },
  { window: 'monthly', code: 'MONTHLY_LIMIT' },
] as const;

/**
 * Every limit this intent breaks. The per-transaction limit judges `intent.amount` (for an approve,
 * the allowance it grants); the velocity windows judge what the transfer counts against them,
 * `input.exposure` when the caller recorded it. `amountLimits: false` skips both (see evaluatePolicy);
 * hours, weekdays and the cooldown always apply.
 */
export function checkLimits(
  limits: WalletLimits,
  input: EvaluationInput,
  { amountLimits = true }: { readonly amountLimits?: boolean } = {},
): Violation[] {
  return [
    ...(amountLimits ? amountViolations(limits.perAsset?.[input.intent.asset], input) : []),
    ...hourViolations(limits.allowedHours, input.now),
    ...weekdayViolations(limits.allowedWeekdays, input.now),
    ...cooldownViolations(limits.cooldownSeconds, input),
  ];
}

function amountViolations(limits: AssetLimits | undefined, { intent, usage, exposure }: EvaluationInput): Violation[] {
  if (limits === undefined) return [];
  const asset = intent.asset;
  const found: Violation[] = [];
  if (limits.perTransaction !== undefined && intent.amount > limits.perTransaction) {
    const [amount, limit] = [formatAmount(intent.amount), formatAmount(limits.perTransaction)];
    found.push(
      violation('PER_TRANSACTION_LIMIT', `amount ${amount} exceeds the per-transaction limit ${limit} of ${asset}`, {
        asset,
        amount,
        limit,
      }),
    );
  }
  const counted = exposure ?? intent.amount;
  const amount = formatAmount(counted);
  for (const { window, code } of WINDOWS) {
    const windowLimit = limits[window];
    if (windowLimit === undefined || usage[window] + counted <= windowLimit) continue;
    const [used, limit] = [formatAmount(usage[window]), formatAmount(windowLimit)];
    found.push(
      violation(code, `${window} outflow ${used} plus ${amount} exceeds the ${window} limit ${limit} of ${asset}`, {
        asset,
        window,
        usage: used,
        amount,
        limit,
      }),
    );
  }
  return found;
}

function hourViolations(window: HourWindow | undefined, now: Date): Violation[] {
  if (window === undefined) return [];
  const hour = now.getUTCHours();
  const { start, end } = window;
  const inside = start < end ? hour >= start && hour < end : hour >= start || hour < end;
  if (inside) return [];
  return [
    violation('OUTSIDE_ALLOWED_HOURS', `hour ${hour} UTC is outside the allowed hours [${start}, ${end}) UTC`, {
      hour,
      start,
      end,
    }),
  ];
}

function weekdayViolations(allowed: readonly number[] | undefined, now: Date): Violation[] {
  const weekday = now.getUTCDay();
  if (allowed === undefined || allowed.includes(weekday)) return [];
  return [
    violation('OUTSIDE_ALLOWED_WEEKDAYS', `${WEEKDAYS[weekday] ?? weekday} (UTC) is not an allowed weekday`, {
      weekday,
      allowedWeekdays: [...allowed],
    }),
  ];
}

// A previous transfer dated after `now` (clock skew) counts as inside the cooldown: fail safe.
function cooldownViolations(
  cooldownSeconds: number | undefined,
  { now, lastTransferAt }: EvaluationInput,
): Violation[] {
  if (cooldownSeconds === undefined || lastTransferAt === undefined) return [];
  const elapsedMs = now.getTime() - lastTransferAt.getTime();
  if (elapsedMs >= cooldownSeconds * 1_000) return [];
  const message = `${Math.max(elapsedMs, 0) / 1_000} s since the previous transfer, the cooldown is ${cooldownSeconds} s`;
  return [violation('COOLDOWN', message, { elapsedMs, cooldownSeconds, lastTransferAt: lastTransferAt.toISOString() })];
}

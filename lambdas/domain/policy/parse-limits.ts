import type { Asset } from '../asset';
import { parseApproval } from './parse-approval';
import {
  compact,
  field,
  invalid,
  readAsset,
  readDistinct,
  readInteger,
  readObject,
  readOptional,
  readPositiveAmount,
  readRecord,
} from './policy-fields';
import type { AssetLimits, HourWindow, PolicyContext, ViolationCode, WalletLimits } from './policy';

// Each window must hold at least the one before it: a daily limit below the per-transaction limit
// would make the per-transaction limit a lie.
const AMOUNT_LIMITS = ['perTransaction', 'daily', 'weekly', 'monthly'] as const;

type AmountLimit = (typeof AMOUNT_LIMITS)[number];

/** Parses `limits`; whether `approval` is needed depends on the escalation map, so the caller checks it. */
export function parseLimits(value: unknown, path: string, context: PolicyContext): WalletLimits {
  const raw = readObject(value, path, ['perAsset', 'allowedHours', 'allowedWeekdays', 'cooldownSeconds', 'approval']);
  return compact({
    perAsset: readOptional(raw, path, 'perAsset', parsePerAsset),
    allowedHours: readOptional(raw, path, 'allowedHours', parseHourWindow),
    allowedWeekdays: readOptional(raw, path, 'allowedWeekdays', (v, p) =>
      readDistinct(v, p, (d, dp) => readInteger(d, dp, 0, 6)),
    ),
    cooldownSeconds: readOptional(raw, path, 'cooldownSeconds', (v, p) => readInteger(v, p, 1)),
    approval: readOptional(raw, path, 'approval', (v, p) =>
      parseApproval(readObject(v, p, ['quorum', 'approverGroup', 'timeoutSeconds']), p, context),
    ),
  });
}

const AMOUNT_VIOLATION: Readonly<Record<AmountLimit, ViolationCode>> = {
  perTransaction: 'PER_TRANSACTION_LIMIT',
  daily: 'DAILY_LIMIT',
  weekly: 'WEEKLY_LIMIT',
  monthly: 'MONTHLY_LIMIT',
};

/** The violations these limits can raise. */
export function possibleViolations(limits: WalletLimits): readonly ViolationCode[] {
  const amountLimits = Object.values(limits.perAsset ?? {}).flatMap(
    (assetLimits) => Object.keys(assetLimits ?? {}) as AmountLimit[],
  );
  return [
    ...new Set(amountLimits.map((key) => AMOUNT_VIOLATION[key])),
    ...(limits.allowedHours === undefined ? [] : ['OUTSIDE_ALLOWED_HOURS' as const]),
    ...(limits.allowedWeekdays === undefined ? [] : ['OUTSIDE_ALLOWED_WEEKDAYS' as const]),
    ...(limits.cooldownSeconds === undefined ? [] : ['COOLDOWN' as const]),
  ];
}

function parsePerAsset(value: unknown, path: string): Partial<Record<Asset, AssetLimits>> {
  const perAsset: Partial<Record<Asset, AssetLimits>> = {};
  for (const [key, limits] of Object.entries(readRecord(value, path))) {
    const asset = readAsset(key, field(path, key));
    if (perAsset[asset] !== undefined) invalid(field(path, key), `names asset ${asset} a second time`);
    perAsset[asset] = parseAssetLimits(limits, field(path, key));
  }
  return perAsset;
}

function parseAssetLimits(value: unknown, path: string): AssetLimits {
  const raw = readObject(value, path, AMOUNT_LIMITS);
  const read = (key: AmountLimit): bigint | undefined => readOptional(raw, path, key, readPositiveAmount);
  const limits = compact({
    perTransaction: read('perTransaction'),
    daily: read('daily'),
    weekly: read('weekly'),
    monthly: read('monthly'),
  });
  if (Object.keys(limits).length === 0) invalid(path, `must set at least one of ${AMOUNT_LIMITS.join(', ')}`);
  let lower: { key: AmountLimit; limit: bigint } | undefined;
  for (const key of AMOUNT_LIMITS) {
    const limit = limits[key];
    if (limit === undefined) continue;
    if (lower !== undefined && limit < lower.limit)
      invalid(field(path, key), `must be at least the ${lower.key} limit (${lower.limit})`);
    lower = { key, limit };
  }
  return limits;
}

function parseHourWindow(value: unknown, path: string): HourWindow {
  const raw = readObject(value, path, ['start', 'end']);
  const start = readInteger(raw.start, field(path, 'start'), 0, 23);
  const end = readInteger(raw.end, field(path, 'end'), 0, 23);
  if (start === end) invalid(field(path, 'end'), 'must differ from start: the window [start, end) would be empty');
  return { start, end };
}

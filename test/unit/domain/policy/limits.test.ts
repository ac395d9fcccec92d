import { evaluatePolicy } from '../../../../lambdas/domain/policy/evaluate-policy';
import type { EvaluationInput } from '../../../../lambdas/domain/policy/policy';
import {
  ALICE,
  NOON,
  SPENDER,
  TOKEN,
  allow,
  erc20Approve,
  input,
  nativeTransfer,
  policy,
  tokenTransfer,
} from './policy-fixtures';

const APPROVER = { quorum: 1, approverGroup: 'risk', timeoutSeconds: 3600 };

/** The violation codes a policy allowing every transfer raises under these limits. */
function violations(limits: object, evaluation: EvaluationInput): string[] {
  const decision = evaluatePolicy(
    policy({
      rules: [allow('all', { operations: ['transfer', 'approve'] })],
      limits: { approval: APPROVER, ...limits },
    }),
    evaluation,
  );
  return decision.violations.map((v) => v.code);
}

const at = (iso: string): Date => new Date(iso);
const usage = (daily: bigint, weekly = daily, monthly = weekly) => ({ daily, weekly, monthly });

describe('amount limits', () => {
  const limits = { perAsset: { native: { perTransaction: '100', daily: '500', weekly: '2000', monthly: '5000' } } };

  it('per transaction: exactly at the limit is allowed, one base unit over is a violation', () => {
    expect(violations(limits, input(nativeTransfer(ALICE, 100n)))).toEqual([]);
    expect(violations(limits, input(nativeTransfer(ALICE, 101n)))).toEqual(['PER_TRANSACTION_LIMIT']);
  });

  it('daily: usage plus amount exactly at the limit is allowed, one over is a violation', () => {
    expect(violations(limits, input(nativeTransfer(ALICE, 100n), { usage: usage(400n) }))).toEqual([]);
    expect(violations(limits, input(nativeTransfer(ALICE, 100n), { usage: usage(401n) }))).toEqual(['DAILY_LIMIT']);
  });

  it('weekly: at the limit is allowed, one over is a violation', () => {
    expect(violations(limits, input(nativeTransfer(ALICE, 100n), { usage: usage(0n, 1900n) }))).toEqual([]);
    expect(violations(limits, input(nativeTransfer(ALICE, 100n), { usage: usage(0n, 1901n) }))).toEqual([
      'WEEKLY_LIMIT',
    ]);
  });

  it('monthly: at the limit is allowed, one over is a violation', () => {
    expect(violations(limits, input(nativeTransfer(ALICE, 100n), { usage: usage(0n, 0n, 4900n) }))).toEqual([]);
    expect(violations(limits, input(nativeTransfer(ALICE, 100n), { usage: usage(0n, 0n, 4901n) }))).toEqual([
      'MONTHLY_LIMIT',
    ]);
  });

  it('reports every violation, each with JSON-safe details', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('all')], limits: { approval: APPROVER, ...limits } }),
      input(nativeTransfer(ALICE, 101n), { usage: usage(500n, 2000n, 5000n) }),
    );
    expect(decision.violations.map((v) => [v.code, v.severity])).toEqual([
      ['PER_TRANSACTION_LIMIT', 'medium'],
      ['DAILY_LIMIT', 'medium'],
      ['WEEKLY_LIMIT', 'medium'],
      ['MONTHLY_LIMIT', 'medium'],
    ]);
    expect(decision.violations[1]?.details).toEqual({
      asset: 'native',
      window: 'daily',
      usage: '500',
      amount: '101',
      limit: '500',
    });
    expect(JSON.parse(JSON.stringify(decision.violations))).toEqual(decision.violations);
  });

  it('apply only to the assets they name', () => {
    expect(violations(limits, input(tokenTransfer(ALICE, 10n ** 24n)))).toEqual([]);
    expect(violations({ perAsset: { [TOKEN]: { perTransaction: '10' } } }, input(tokenTransfer(ALICE, 11n)))).toEqual([
      'PER_TRANSACTION_LIMIT',
    ]);
  });
});

describe('exposure', () => {
  const tokenLimits = { perAsset: { [TOKEN]: { perTransaction: '100', daily: '500' } } };
  const decide = (evaluation: EvaluationInput) =>
    evaluatePolicy(
      policy({
        rules: [allow('all', { operations: ['transfer', 'approve'] })],
        limits: { approval: APPROVER, ...tokenLimits },
      }),
      evaluation,
    );

  it('is what the velocity windows count, in place of the amount', () => {
    expect(violations(tokenLimits, input(tokenTransfer(ALICE, 100n), { usage: usage(401n), exposure: 99n }))).toEqual(
      [],
    );
    const decision = decide(input(tokenTransfer(ALICE, 10n), { usage: usage(400n), exposure: 101n }));
    expect(decision.violations).toEqual([
      expect.objectContaining({
        code: 'DAILY_LIMIT',
        details: { asset: TOKEN, window: 'daily', usage: '400', amount: '101', limit: '500' },
      }),
    ]);
  });

  it('does not change the per-transaction limit, which judges the amount', () => {
    expect(violations(tokenLimits, input(tokenTransfer(ALICE, 101n), { exposure: 0n }))).toEqual([
      'PER_TRANSACTION_LIMIT',
    ]);
    expect(violations(tokenLimits, input(tokenTransfer(ALICE, 100n), { exposure: 10_000n }))).toEqual(['DAILY_LIMIT']);
  });

  it('an approve counts at the allowance it grants', () => {
    expect(violations(tokenLimits, input(erc20Approve(SPENDER, 100n), { usage: usage(401n) }))).toEqual([
      'DAILY_LIMIT',
    ]);
    expect(violations(tokenLimits, input(erc20Approve(SPENDER, 101n), { exposure: 101n }))).toEqual([
      'PER_TRANSACTION_LIMIT',
    ]);
  });

  it('an approve that lowers an allowance (exposure 0) passes a full window, judged per transaction by its allowance', () => {
    expect(violations(tokenLimits, input(erc20Approve(SPENDER, 100n), { usage: usage(500n), exposure: 0n }))).toEqual(
      [],
    );
    expect(violations(tokenLimits, input(erc20Approve(SPENDER, 101n), { usage: usage(500n), exposure: 0n }))).toEqual([
      'PER_TRANSACTION_LIMIT',
    ]);
  });
});

describe('allowed hours (UTC, half-open)', () => {
  const office = { allowedHours: { start: 9, end: 17 } };
  const night = { allowedHours: { start: 22, end: 6 } };
  const transferAt = (iso: string) => input(nativeTransfer(ALICE, 1n), { now: at(iso) });

  it('a daytime window includes its start and excludes its end', () => {
    expect(violations(office, transferAt('2024-06-05T09:00:00Z'))).toEqual([]);
    expect(violations(office, transferAt('2024-06-05T16:59:59Z'))).toEqual([]);
    expect(violations(office, transferAt('2024-06-05T17:00:00Z'))).toEqual(['OUTSIDE_ALLOWED_HOURS']);
    expect(violations(office, transferAt('2024-06-05T08:59:59Z'))).toEqual(['OUTSIDE_ALLOWED_HOURS']);
  });

  it('a window across midnight (22→6) holds 23:59 and 05:59', () => {
    expect(violations(night, transferAt('2024-06-05T23:59:00Z'))).toEqual([]);
    expect(violations(night, transferAt('2024-06-05T05:59:00Z'))).toEqual([]);
    expect(violations(night, transferAt('2024-06-05T22:00:00Z'))).toEqual([]);
  });

  it('a window across midnight (22→6) excludes 06:00 and 21:59', () => {
    expect(violations(night, transferAt('2024-06-05T06:00:00Z'))).toEqual(['OUTSIDE_ALLOWED_HOURS']);
    expect(violations(night, transferAt('2024-06-05T21:59:00Z'))).toEqual(['OUTSIDE_ALLOWED_HOURS']);
  });

  it('raises a low-severity violation', () => {
    const decision = evaluatePolicy(
      policy({ rules: [allow('all')], limits: office }),
      transferAt('2024-06-05T20:00:00Z'),
    );
    expect(decision.violations[0]).toMatchObject({
      code: 'OUTSIDE_ALLOWED_HOURS',
      severity: 'low',
      details: { hour: 20, start: 9, end: 17 },
    });
  });
});

describe('allowed weekdays (UTC)', () => {
  const weekdays = { allowedWeekdays: [1, 2, 3, 4, 5] };

  it('allows a listed weekday', () => {
    expect(violations(weekdays, input(nativeTransfer(ALICE, 1n), { now: NOON }))).toEqual([]);
  });

  it('refuses an unlisted weekday, read in UTC', () => {
    // Friday 23:30 in New York is already Saturday in UTC.
    expect(violations(weekdays, input(nativeTransfer(ALICE, 1n), { now: at('2024-06-07T23:30:00-04:00') }))).toEqual([
      'OUTSIDE_ALLOWED_WEEKDAYS',
    ]);
    expect(violations(weekdays, input(nativeTransfer(ALICE, 1n), { now: at('2024-06-09T12:00:00Z') }))).toEqual([
      'OUTSIDE_ALLOWED_WEEKDAYS',
    ]);
  });
});

describe('cooldown', () => {
  const cooldown = { cooldownSeconds: 60 };
  const since = (ms: number) =>
    input(nativeTransfer(ALICE, 1n), { now: NOON, lastTransferAt: new Date(NOON.getTime() - ms) });

  it('is a violation just inside the cooldown', () => {
    expect(violations(cooldown, since(59_999))).toEqual(['COOLDOWN']);
  });

  it('is over exactly at the boundary', () => {
    expect(violations(cooldown, since(60_000))).toEqual([]);
  });

  it('is over after it', () => {
    expect(violations(cooldown, since(3_600_000))).toEqual([]);
  });

  it('does not apply to a wallet without a previous transfer', () => {
    expect(violations(cooldown, input(nativeTransfer(ALICE, 1n)))).toEqual([]);
  });

  it('counts a previous transfer dated in the future as inside the cooldown', () => {
    expect(violations(cooldown, since(-5_000))).toEqual(['COOLDOWN']);
  });
});

import { formatUtc } from '../../../../../lambdas/handlers/api/approval-page/format-utc';

describe('formatUtc', () => {
  it('writes a moment in UTC with weekday, day, month, year and zero-padded time', () => {
    expect(formatUtc(new Date('2026-01-15T10:00:00Z'))).toBe('Thu 15 Jan 2026, 10:00 UTC');
    expect(formatUtc(new Date('2026-03-01T00:05:59.999+02:00'))).toBe('Sat 28 Feb 2026, 22:05 UTC');
    expect(formatUtc(new Date('2027-12-31T23:59:00Z'))).toBe('Fri 31 Dec 2027, 23:59 UTC');
  });
});

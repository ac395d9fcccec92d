import { normaliseIdempotencyKey } from '../../../lambdas/domain/idempotency-key';

describe('normaliseIdempotencyKey', () => {
  it('trims and lower-cases', () => {
    expect(normaliseIdempotencyKey('  3F2504E0-4F89-11D3-9A0C-0305E82C3301 ')).toBe(
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    );
  });

  it.each([
    [undefined, 'IDEMPOTENCY.MISSING_KEY'],
    ['   ', 'IDEMPOTENCY.MISSING_KEY'],
    ['short', 'IDEMPOTENCY.INVALID_KEY'],
    ['has space inside', 'IDEMPOTENCY.INVALID_KEY'],
    ['k'.repeat(129), 'IDEMPOTENCY.INVALID_KEY'],
    ['key/with/slash', 'IDEMPOTENCY.INVALID_KEY'],
    [42, 'IDEMPOTENCY.INVALID_KEY'],
  ])('refuses %p', (raw, code) => {
    expect(() => normaliseIdempotencyKey(raw)).toThrow(expect.objectContaining({ code }));
  });
});

import { StrongroomError } from '../../../../lambdas/domain/errors';
import { canonicalJson } from '../../../../lambdas/domain/passkeys/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no white space', () => {
    expect(canonicalJson({ b: { d: 1, c: [{ f: 2, e: 3 }] }, a: 'x' })).toBe(
      '{"a":"x","b":{"c":[{"e":3,"f":2}],"d":1}}',
    );
  });

  it('writes bigints as decimal strings and Dates as ISO strings, exactly', () => {
    expect(canonicalJson({ amount: 2n ** 200n, at: new Date('2026-01-01T00:00:00.000Z') })).toBe(
      `{"amount":"${(2n ** 200n).toString()}","at":"2026-01-01T00:00:00.000Z"}`,
    );
  });

  it('leaves out undefined members as JSON does, and keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'line\nbreak </script>' })).toBe('{"k\\"":"line\\nbreak </script>"}');
  });

  it('refuses what JSON cannot say', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(StrongroomError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(StrongroomError);
    expect(() => canonicalJson([undefined])).toThrow(StrongroomError);
  });
});

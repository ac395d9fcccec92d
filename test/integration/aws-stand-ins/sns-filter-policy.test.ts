import {
  FilterPolicyError,
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsMessageAttribute,
} from '../../../local/aws/sns-filter-policy';

const string = (value: string): SnsMessageAttribute => ({ DataType: 'String', StringValue: value });
const number = (value: string): SnsMessageAttribute => ({ DataType: 'Number', StringValue: value });
const matches = (policy: object, attributes: Record<string, SnsMessageAttribute>): boolean =>
  matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy)), attributes);

describe('SNS filter policies of the SNS stand-in', () => {
  it('matches exact strings (any of the listed values), case-sensitively, and needs every key', () => {
    expect(matches({ kind: ['A', 'B'] }, { kind: string('B') })).toBe(true);
    expect(matches({ kind: ['A'] }, { kind: string('a') })).toBe(false);
    expect(matches({ kind: ['A'], chain: ['1'] }, { kind: string('A') })).toBe(false);
    expect(matches({ kind: ['A'], chain: ['1'] }, { kind: string('A'), chain: string('1') })).toBe(true);
  });

  it('anything-but matches a present attribute outside the list, never an absent one', () => {
    expect(matches({ kind: [{ 'anything-but': ['A', 'B'] }] }, { kind: string('C') })).toBe(true);
    expect(matches({ kind: [{ 'anything-but': 'A' }] }, { kind: string('A') })).toBe(false);
    expect(matches({ kind: [{ 'anything-but': 'A' }] }, {})).toBe(false);
    expect(matches({ kind: [{ 'anything-but': { prefix: 'tr-' } }] }, { kind: string('wa-1') })).toBe(true);
  });

  it('numeric, prefix, suffix, exists and String.Array conditions', () => {
    expect(matches({ amount: [{ numeric: ['>', 0, '<=', 5] }] }, { amount: number('5') })).toBe(true);
    expect(matches({ amount: [{ numeric: ['>', 0, '<=', 5] }] }, { amount: number('5.5') })).toBe(false);
    expect(matches({ amount: [{ numeric: ['=', 5] }] }, { amount: string('5') })).toBe(false);
    expect(matches({ amount: [5] }, { amount: number('5.0') })).toBe(true);
    expect(matches({ id: [{ prefix: 'tr-' }] }, { id: string('tr-9') })).toBe(true);
    expect(matches({ id: [{ suffix: '.eth' }] }, { id: string('tr-9') })).toBe(false);
    expect(matches({ id: [{ 'equals-ignore-case': 'AbC' }] }, { id: string('abc') })).toBe(true);
    expect(matches({ trace: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ trace: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ tags: ['hot'] }, { tags: { DataType: 'String.Array', StringValue: '["cold","hot"]' } })).toBe(
      true,
    );
    expect(matches({ blob: ['AQI='] }, { blob: { DataType: 'Binary', BinaryValue: 'AQI=' } })).toBe(false);
  });

  it('refuses what SNS refuses, and the nested policies it does not serve', () => {
    expect(() => parseFilterPolicy('{"kind": "A"}')).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy('[]')).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy('{"a": [{"numeric": [">", "x"]}]}')).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy('{"a": [{"wildcard": "x*"}]}')).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy('{"a": {"b": ["c"]}}')).toThrow(FilterPolicyError);
  });
});

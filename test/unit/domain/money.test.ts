import { ValidationError, type ErrorCode } from '../../../lambdas/domain/errors';
import { formatAmount, MAX_UINT256, parseAmount, parsePositiveAmount } from '../../../lambdas/domain/money';

function codeOf(parse: () => unknown): ErrorCode {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('amount');
    expect((error as ValidationError).message).toMatch(/^amount: /);
    return (error as ValidationError).code;
  }
  throw new Error('expected a ValidationError');
}

describe('parseAmount', () => {
  it.each([
    ['0', 0n],
    ['1', 1n],
    ['1000000000000000000', 10n ** 18n],
    [MAX_UINT256.toString(), MAX_UINT256],
  ])('accepts %s', (input, expected) => {
    expect(parseAmount(input, 'amount')).toBe(expected);
  });

  it.each<[string, unknown, ErrorCode]>([
    ['a number', 1, 'MONEY.INVALID_TYPE'],
    ['a float', 1.5, 'MONEY.INVALID_TYPE'],
    ['a bigint', 1n, 'MONEY.INVALID_TYPE'],
    ['null', null, 'MONEY.INVALID_TYPE'],
    ['undefined', undefined, 'MONEY.INVALID_TYPE'],
    ['an object', { value: '1' }, 'MONEY.INVALID_TYPE'],
    ['an array', ['1'], 'MONEY.INVALID_TYPE'],
    ['an empty string', '', 'MONEY.EMPTY'],
    ['a negative amount', '-1', 'MONEY.NEGATIVE'],
    ['negative zero', '-0', 'MONEY.NEGATIVE'],
    ['a plus sign', '+1', 'MONEY.SIGNED'],
    ['a decimal fraction', '1.5', 'MONEY.FRACTIONAL'],
    ['a trailing decimal point', '1.', 'MONEY.FRACTIONAL'],
    ['a leading decimal point', '.5', 'MONEY.FRACTIONAL'],
    ['a decimal comma', '1,5', 'MONEY.FRACTIONAL'],
    ['an exponent', '1e18', 'MONEY.EXPONENT'],
    ['an upper-case exponent with sign', '1E+18', 'MONEY.EXPONENT'],
    ['a fractional exponent', '1.5e3', 'MONEY.EXPONENT'],
    ['a leading space', ' 1', 'MONEY.WHITESPACE'],
    ['a trailing newline', '1\n', 'MONEY.WHITESPACE'],
    ['an inner tab', '1\t0', 'MONEY.WHITESPACE'],
    ['a non-breaking space', '1\u00A0000', 'MONEY.WHITESPACE'],
    ['a zero-width space', '1\u200B0', 'MONEY.INVISIBLE_CHARACTER'],
    ['a zero-width joiner', '\u200D10', 'MONEY.INVISIBLE_CHARACTER'],
    ['a byte-order mark', '\uFEFF10', 'MONEY.INVISIBLE_CHARACTER'],
    ['a right-to-left override', '10\u202E', 'MONEY.INVISIBLE_CHARACTER'],
    ['a soft hyphen', '1\u00AD0', 'MONEY.INVISIBLE_CHARACTER'],
    ['hex', '0x10', 'MONEY.NOT_DIGITS'],
    ['letters', 'ten', 'MONEY.NOT_DIGITS'],
    ['Infinity', 'Infinity', 'MONEY.NOT_DIGITS'],
    ['NaN', 'NaN', 'MONEY.NOT_DIGITS'],
    ['Arabic-Indic digits', '\u0661\u0662', 'MONEY.NOT_DIGITS'],
    ['full-width digits', '\uFF11\uFF12', 'MONEY.NOT_DIGITS'],
    ['an underscore separator', '1_000', 'MONEY.NOT_DIGITS'],
    ['a thousands separator and fraction', '1,000.5', 'MONEY.NOT_DIGITS'],
    ['a bigint literal suffix', '10n', 'MONEY.NOT_DIGITS'],
    ['leading zeros', '007', 'MONEY.LEADING_ZERO'],
    ['a double zero', '00', 'MONEY.LEADING_ZERO'],
    ['2^256', (MAX_UINT256 + 1n).toString(), 'MONEY.OUT_OF_RANGE'],
    ['a hundred digits', '9'.repeat(100), 'MONEY.OUT_OF_RANGE'],
  ])('refuses %s', (_name, input, code) => {
    expect(codeOf(() => parseAmount(input, 'amount'))).toBe(code);
  });

  it('refuses zero where a positive amount is required', () => {
    expect(codeOf(() => parsePositiveAmount('0', 'amount'))).toBe('MONEY.NOT_POSITIVE');
    expect(parsePositiveAmount('1', 'amount')).toBe(1n);
  });

  it('does not echo the rejected input back in the message', () => {
    const secretish = 'x'.repeat(500);
    expect(() => parseAmount(secretish, 'amount')).toThrow(/^amount: must contain only the ASCII digits 0-9$/);
  });

  it('formats amounts canonically and refuses negatives', () => {
    expect(formatAmount(MAX_UINT256)).toBe(MAX_UINT256.toString());
    expect(parseAmount(formatAmount(12345n), 'amount')).toBe(12345n);
    expect(() => formatAmount(-1n)).toThrow(RangeError);
  });
});

import { ValidationError, type ErrorCode } from '../../../lambdas/domain/errors';
import { parseAddress, parseCounterpartyAddress, sameAddress, ZERO_ADDRESS } from '../../../lambdas/domain/address';
import { parseAsset } from '../../../lambdas/domain/asset';

const CHECKSUMMED = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

function codeOf(parse: () => unknown, field = 'to'): ErrorCode {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    return (error as ValidationError).code;
  }
  throw new Error('expected a ValidationError');
}

describe('parseAddress', () => {
  it.each([
    ['checksummed', CHECKSUMMED],
    ['all lower case', CHECKSUMMED.toLowerCase()],
    ['all upper case', `0x${CHECKSUMMED.slice(2).toUpperCase()}`],
  ])('accepts an address %s and returns its checksummed form', (_name, input) => {
    expect(parseAddress(input, 'to')).toBe(CHECKSUMMED);
  });

  it.each<[string, unknown, ErrorCode]>([
    ['a number', 0x1234, 'ADDRESS.INVALID_TYPE'],
    ['null', null, 'ADDRESS.INVALID_TYPE'],
    ['an object', { address: CHECKSUMMED }, 'ADDRESS.INVALID_TYPE'],
    ['no 0x prefix', CHECKSUMMED.slice(2), 'ADDRESS.MISSING_PREFIX'],
    ['an upper-case 0X prefix', `0X${CHECKSUMMED.slice(2)}`, 'ADDRESS.MISSING_PREFIX'],
    ['an empty string', '', 'ADDRESS.MISSING_PREFIX'],
    ['a leading space', ` ${CHECKSUMMED}`, 'ADDRESS.MISSING_PREFIX'],
    ['a trailing space', `${CHECKSUMMED} `, 'ADDRESS.NOT_HEX'],
    ['a zero-width space', `${CHECKSUMMED.slice(0, 10)}\u200B${CHECKSUMMED.slice(10)}`, 'ADDRESS.NOT_HEX'],
    ['a non-hex letter', `0x${'g'.repeat(40)}`, 'ADDRESS.NOT_HEX'],
    ['one digit short', CHECKSUMMED.slice(0, 41), 'ADDRESS.BAD_LENGTH'],
    ['one digit long', `${CHECKSUMMED.toLowerCase()}0`, 'ADDRESS.BAD_LENGTH'],
    ['a 32-byte hash', `0x${'ab'.repeat(32)}`, 'ADDRESS.BAD_LENGTH'],
    ['only the prefix', '0x', 'ADDRESS.BAD_LENGTH'],
    ['a broken checksum', CHECKSUMMED.replace('aA', 'Aa'), 'ADDRESS.BAD_CHECKSUM'],
    ['one letter case flipped', `${CHECKSUMMED.slice(0, -1)}D`, 'ADDRESS.BAD_CHECKSUM'],
  ])('refuses %s', (_name, input, code) => {
    expect(codeOf(() => parseAddress(input, 'to'))).toBe(code);
  });

  it('refuses the zero address as a counterparty only', () => {
    expect(parseAddress(ZERO_ADDRESS, 'to')).toBe(ZERO_ADDRESS);
    expect(codeOf(() => parseCounterpartyAddress(ZERO_ADDRESS, 'to'))).toBe('ADDRESS.ZERO');
  });

  it('compares addresses case-insensitively', () => {
    expect(sameAddress(CHECKSUMMED, CHECKSUMMED.toLowerCase())).toBe(true);
    expect(sameAddress(CHECKSUMMED, ZERO_ADDRESS)).toBe(false);
  });
});

describe('parseAsset', () => {
  it('accepts "native" and a token address', () => {
    expect(parseAsset('native', 'asset')).toBe('native');
    expect(parseAsset(CHECKSUMMED.toLowerCase(), 'asset')).toBe(CHECKSUMMED);
  });

  it.each<[string, unknown, ErrorCode]>([
    ['a symbol', 'ETH', 'ASSET.INVALID'],
    ['"NATIVE" in capitals', 'NATIVE', 'ASSET.INVALID'],
    ['a number', 1, 'ASSET.INVALID'],
    ['a malformed address', '0x1234', 'ADDRESS.BAD_LENGTH'],
    ['a bad checksum', CHECKSUMMED.replace('aA', 'Aa'), 'ADDRESS.BAD_CHECKSUM'],
  ])('refuses %s', (_name, input, code) => {
    expect(codeOf(() => parseAsset(input, 'asset'), 'asset')).toBe(code);
  });
});

import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { bytesToHex } from 'viem';
import { ValidationError } from '../../../../lambdas/domain/errors';
import { parseCreateWalletRequest } from '../../../../lambdas/domain/wallets/parse-create-wallet-request';

const SECRET = new Uint8Array(32).fill(7);
const COMPRESSED = bytesToHex(secp256k1.getPublicKey(SECRET, true));
const UNCOMPRESSED = bytesToHex(secp256k1.getPublicKey(SECRET, false));
// The parser checks a recovery key's length and prefix; that it is a curve point is createWallet's
// check (with noble, which the domain may not import): test/unit/use-cases/wallets/create-wallet.test.ts.

function refusal(body: unknown): ValidationError {
  try {
    parseCreateWalletRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected the request to be refused');
}

describe('parseCreateWalletRequest', () => {
  it('parses kms and enclave wallets', () => {
    expect(parseCreateWalletRequest({ name: 'Treasury', chainId: 1, keyScheme: 'kms' })).toEqual({
      name: 'Treasury',
      chainId: 1,
      keyScheme: 'kms',
    });
    expect(parseCreateWalletRequest({ name: 'Agent wallet ü', chainId: 8453, keyScheme: 'enclave' })).toEqual({
      name: 'Agent wallet ü',
      chainId: 8453,
      keyScheme: 'enclave',
    });
  });

  it('parses an mpc wallet with a compressed or uncompressed recovery key, returned in lower case', () => {
    expect(
      parseCreateWalletRequest({
        name: 'Cold',
        chainId: 10,
        keyScheme: 'mpc',
        recoveryPublicKey: COMPRESSED.toUpperCase().replace('0X', '0x'),
      }),
    ).toEqual({
      name: 'Cold',
      chainId: 10,
      keyScheme: 'mpc',
      recoveryPublicKey: COMPRESSED,
    });
    expect(
      parseCreateWalletRequest({ name: 'Cold', chainId: 10, keyScheme: 'mpc', recoveryPublicKey: UNCOMPRESSED })
        .recoveryPublicKey,
    ).toBe(UNCOMPRESSED);
  });

  it('accepts names of 1 and 128 characters, and refuses 129', () => {
    expect(parseCreateWalletRequest({ name: 'a', chainId: 1, keyScheme: 'kms' }).name).toBe('a');
    expect(parseCreateWalletRequest({ name: 'a'.repeat(128), chainId: 1, keyScheme: 'kms' }).name).toHaveLength(128);
    expect(refusal({ name: 'a'.repeat(129), chainId: 1, keyScheme: 'kms' })).toMatchObject({
      code: 'REQUEST.INVALID_FIELD',
      field: 'name',
    });
  });

  it.each([
    ['a body that is not an object', [], 'REQUEST.INVALID_BODY', 'body'],
    ['null', null, 'REQUEST.INVALID_BODY', 'body'],
    [
      'an unknown field',
      { name: 'n', chainId: 1, keyScheme: 'kms', walletId: 'mine' },
      'REQUEST.UNKNOWN_FIELD',
      'walletId',
    ],
    ['a missing name', { chainId: 1, keyScheme: 'kms' }, 'REQUEST.MISSING_FIELD', 'name'],
    ['an empty name', { name: '', chainId: 1, keyScheme: 'kms' }, 'REQUEST.INVALID_FIELD', 'name'],
    [
      'a name with a control character',
      { name: 'a\nb', chainId: 1, keyScheme: 'kms' },
      'REQUEST.INVALID_FIELD',
      'name',
    ],
    [
      'a name with an invisible character',
      { name: 'pay\u200broll', chainId: 1, keyScheme: 'kms' },
      'REQUEST.INVALID_FIELD',
      'name',
    ],
    ['a name that is a number', { name: 5, chainId: 1, keyScheme: 'kms' }, 'REQUEST.INVALID_FIELD', 'name'],
    ['a missing chainId', { name: 'n', keyScheme: 'kms' }, 'REQUEST.MISSING_FIELD', 'chainId'],
    ['a chainId given as a string', { name: 'n', chainId: '1', keyScheme: 'kms' }, 'REQUEST.INVALID_FIELD', 'chainId'],
    ['a zero chainId', { name: 'n', chainId: 0, keyScheme: 'kms' }, 'REQUEST.INVALID_FIELD', 'chainId'],
    ['a negative chainId', { name: 'n', chainId: -1, keyScheme: 'kms' }, 'REQUEST.INVALID_FIELD', 'chainId'],
    ['a fractional chainId', { name: 'n', chainId: 1.5, keyScheme: 'kms' }, 'REQUEST.INVALID_FIELD', 'chainId'],
    [
      'a chainId beyond safe integers',
      { name: 'n', chainId: 2 ** 53, keyScheme: 'kms' },
      'REQUEST.INVALID_FIELD',
      'chainId',
    ],
    ['a missing keyScheme', { name: 'n', chainId: 1 }, 'REQUEST.MISSING_FIELD', 'keyScheme'],
    ['an unknown keyScheme', { name: 'n', chainId: 1, keyScheme: 'KMS' }, 'REQUEST.INVALID_FIELD', 'keyScheme'],
    [
      'a recovery key for kms',
      { name: 'n', chainId: 1, keyScheme: 'kms', recoveryPublicKey: COMPRESSED },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key for enclave',
      { name: 'n', chainId: 1, keyScheme: 'enclave', recoveryPublicKey: COMPRESSED },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'mpc without a recovery key',
      { name: 'n', chainId: 1, keyScheme: 'mpc' },
      'REQUEST.MISSING_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key without 0x',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: COMPRESSED.slice(2) },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key of 32 bytes',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: `0x${COMPRESSED.slice(4)}` },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key of 64 bytes',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: `0x${UNCOMPRESSED.slice(4)}` },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a compressed key with prefix 04',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: `0x04${COMPRESSED.slice(4)}` },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'an uncompressed key with prefix 02',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: `0x02${UNCOMPRESSED.slice(4)}` },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key with a non-hex digit',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: `${COMPRESSED.slice(0, -1)}g` },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key that is not a string',
      { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: 12 },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
  ])('refuses %s, naming the field', (_name, body, code, field) => {
    const error = refusal(body);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('takes the public key of any secret key, compressed and uncompressed', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: secp256k1.Point.CURVE().n - 1n }), (secret) => {
        const bytes = Uint8Array.from(Buffer.from(secret.toString(16).padStart(64, '0'), 'hex'));
        for (const compressed of [true, false]) {
          const key = bytesToHex(secp256k1.getPublicKey(bytes, compressed));
          expect(
            parseCreateWalletRequest({ name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey: key })
              .recoveryPublicKey,
          ).toBe(key);
        }
      }),
      { numRuns: 50 },
    );
  });
});

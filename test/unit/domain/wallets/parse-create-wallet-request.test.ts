import { x25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { bytesToHex } from 'viem';
import { decodeBase64url, encodeBase64url, parseRecoveryPublicKey } from '../../../../enclave-host/shares';
import { ValidationError } from '../../../../lambdas/domain/errors';
import { parseCreateWalletRequest } from '../../../../lambdas/domain/wallets/parse-create-wallet-request';

const RECOVERY_KEY = encodeBase64url(x25519.getPublicKey(new Uint8Array(32).fill(7)));
const COMPRESSED = bytesToHex(secp256k1.getPublicKey(new Uint8Array(32).fill(7), true));
const b64url = (bytes: Uint8Array): string => encodeBase64url(bytes);
// The parser checks a recovery key's encoding and length (X25519, 32 bytes, base64url without
// padding); that it is not a low-order point is createWallet's check (with enclave-host/shares, which
// the domain may not import): test/unit/use-cases/wallets/create-wallet.test.ts.

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

  it('parses an mpc wallet with its X25519 recovery key, unchanged', () => {
    expect(
      parseCreateWalletRequest({ name: 'Cold', chainId: 10, keyScheme: 'mpc', recoveryPublicKey: RECOVERY_KEY }),
    ).toEqual({ name: 'Cold', chainId: 10, keyScheme: 'mpc', recoveryPublicKey: RECOVERY_KEY });
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
      { name: 'n', chainId: 1, keyScheme: 'kms', recoveryPublicKey: RECOVERY_KEY },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key for enclave',
      { name: 'n', chainId: 1, keyScheme: 'enclave', recoveryPublicKey: RECOVERY_KEY },
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'mpc without a recovery key',
      { name: 'n', chainId: 1, keyScheme: 'mpc' },
      'REQUEST.MISSING_FIELD',
      'recoveryPublicKey',
    ],
    ['a secp256k1 key (hex)', mpc(COMPRESSED), 'REQUEST.INVALID_FIELD', 'recoveryPublicKey'],
    ['a recovery key with padding', mpc(`${RECOVERY_KEY}=`), 'REQUEST.INVALID_FIELD', 'recoveryPublicKey'],
    [
      'a recovery key in standard base64',
      mpc(`${RECOVERY_KEY.slice(0, -2)}+E`),
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    ['a recovery key with a space', mpc(` ${RECOVERY_KEY.slice(1)}`), 'REQUEST.INVALID_FIELD', 'recoveryPublicKey'],
    [
      'a recovery key of 31 bytes',
      mpc(b64url(new Uint8Array(31).fill(9))),
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key of 33 bytes',
      mpc(b64url(new Uint8Array(33).fill(9))),
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    [
      'a recovery key with non-canonical trailing bits',
      mpc(`${'A'.repeat(42)}F`),
      'REQUEST.INVALID_FIELD',
      'recoveryPublicKey',
    ],
    ['an empty recovery key', mpc(''), 'REQUEST.INVALID_FIELD', 'recoveryPublicKey'],
    ['a recovery key that is not a string', mpc(12), 'REQUEST.INVALID_FIELD', 'recoveryPublicKey'],
  ])('refuses %s, naming the field', (_name, body, code, field) => {
    const error = refusal(body);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('takes any 32 bytes in canonical base64url, as enclave-host/shares decodes them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const key = b64url(bytes);
        expect(parseCreateWalletRequest(mpc(key)).recoveryPublicKey).toBe(key);
        expect(decodeBase64url(key)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses exactly the 43-character strings that enclave-host/shares does not decode', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), (text) => {
        const canonical = decodeBase64url(text) !== undefined;
        let parsed: boolean;
        try {
          parseCreateWalletRequest(mpc(text));
          parsed = true;
        } catch {
          parsed = false;
        }
        expect(parsed).toBe(canonical);
        if (parsed) expect(() => parseRecoveryPublicKey(text)).not.toThrow(/canonical|characters|bytes/);
      }),
      { numRuns: 300 },
    );
  });
});

function mpc(recoveryPublicKey: unknown) {
  return { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey };
}

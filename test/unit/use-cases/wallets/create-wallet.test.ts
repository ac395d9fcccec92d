import { ECDH } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { bytesToHex } from 'viem';
import { StrongroomError, ValidationError } from '../../../../lambdas/domain/errors';
import { createWallet, type CreateWalletDeps } from '../../../../lambdas/use-cases/wallets/create-wallet';

// The recovery key of an `mpc` wallet is checked to be a curve point by the use case (noble), after
// the domain's parser checked its length and prefix. `mpc` itself is then refused as not available
// yet, so a key that passes the point check shows as WALLET.KEY_SCHEME_NOT_AVAILABLE.

const SECRET = new Uint8Array(32).fill(7);
const COMPRESSED = bytesToHex(secp256k1.getPublicKey(SECRET, true));
const UNCOMPRESSED = bytesToHex(secp256k1.getPublicKey(SECRET, false));
const P = secp256k1.Point.CURVE().p;
const hex32 = (n: bigint) => n.toString(16).padStart(64, '0');
// x = 1 is on the curve; x + P is the same field element written out of range (fits in 32 bytes).
const X1 = secp256k1.Point.fromHex(`02${hex32(1n)}`);

/** Ports that fail the test if touched: a refused request must leave no key and no event behind. */
const untouchable = new Proxy({} as CreateWalletDeps, {
  get(_target, port) {
    throw new Error(`createWallet touched the ${String(port)} port`);
  },
});

async function outcome(recoveryPublicKey: unknown): Promise<StrongroomError> {
  const request = { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey };
  const error = await createWallet(untouchable, { principal: { id: 'u-1', roles: ['admin'] }, body: request }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrongroomError);
  return error as StrongroomError;
}

/** Whether OpenSSL (Node's ECDH), an implementation independent of noble, takes `hex` as a curve point. */
function openSslAccepts(hex: string): boolean {
  try {
    ECDH.convertKey(hex.slice(2), 'secp256k1', 'hex', 'hex', 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

describe('createWallet: the mpc recovery public key', () => {
  it.each([
    ['compressed', COMPRESSED],
    ['uncompressed', UNCOMPRESSED],
    ['in upper case', COMPRESSED.toUpperCase().replace('0X', '0x')],
    ['with x = 1', `0x02${hex32(1n)}`],
  ])('takes a curve point, %s (then refuses mpc as not available yet)', async (_name, key) => {
    expect((await outcome(key)).code).toBe('WALLET.KEY_SCHEME_NOT_AVAILABLE');
  });

  it.each([
    ['an uncompressed point off the curve', `${UNCOMPRESSED.slice(0, -1)}${UNCOMPRESSED.endsWith('0') ? '1' : '0'}`],
    ['a compressed x with no point (x = 0)', `0x02${'00'.repeat(32)}`],
    ['a coordinate beyond the field', `0x02${'ff'.repeat(32)}`],
    ['a compressed x written out of the field (x + P for x = 1)', `0x02${hex32(1n + P)}`],
    ['an uncompressed x written out of the field (x + P for x = 1)', `0x04${hex32(1n + P)}${hex32(X1.y)}`],
    ['the point at infinity as (0, 0), the affine form noble maps to infinity', `0x04${'00'.repeat(64)}`],
  ])('refuses %s as REQUEST.INVALID_FIELD on recoveryPublicKey, touching no port', async (_name, key) => {
    const error = await outcome(key);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('REQUEST.INVALID_FIELD');
    expect((error as ValidationError).field).toBe('recoveryPublicKey');
    expect(error.message).toBe('recoveryPublicKey: is not a point on the secp256k1 curve');
  });

  it('refuses the SEC1 encoding of the point at infinity (0x00) by its length', async () => {
    const error = await outcome('0x00');
    expect(error.code).toBe('REQUEST.INVALID_FIELD');
    expect((error as ValidationError).field).toBe('recoveryPublicKey');
  });

  it('takes exactly the compressed keys that are curve points, as OpenSSL does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom('02', '03'),
        async (x, prefix) => {
          const key = `0x${prefix}${bytesToHex(x).slice(2)}`;
          const accepted = (await outcome(key)).code === 'WALLET.KEY_SCHEME_NOT_AVAILABLE';
          expect(accepted).toBe(openSslAccepts(key));
        },
      ),
      { numRuns: 300 },
    );
  });
});

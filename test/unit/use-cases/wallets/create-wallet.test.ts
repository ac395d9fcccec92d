import { x25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { encodeBase64url } from '../../../../enclave-host/shares';
import { StrongroomError, ValidationError } from '../../../../lambdas/domain/errors';
import { createWallet, type CreateWalletDeps } from '../../../../lambdas/use-cases/wallets/create-wallet';

// The recovery key of an `mpc` wallet is an X25519 public key. The domain's parser checks its encoding
// and length (test/unit/domain/wallets/parse-create-wallet-request.test.ts); createWallet refuses a
// low-order point (enclave-host/shares' parseRecoveryPublicKey), with which share 3 would be readable
// by anyone, before any port is touched. A key that passes reaches the enclave.

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const le = (bytes: number[]): Uint8Array => Uint8Array.from([...bytes, ...new Array(32 - bytes.length).fill(0)]);

/** The low-order points of Curve25519 (libsodium's list), little-endian u coordinates. */
const LOW_ORDER: readonly [string, Uint8Array][] = [
  ['u = 0 (all zeros)', new Uint8Array(32)],
  ['u = 1', le([1])],
  ['a point of order 8', hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
  ['the other point of order 8', hex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157')],
  ['u = p - 1', hex(`ec${'ff'.repeat(30)}7f`)],
];

/** Ports that fail the test if touched: a refused request must leave no key and no event behind. */
const untouchable = new Proxy({} as CreateWalletDeps, {
  get(_target, port) {
    throw new Error(`createWallet touched the ${String(port)} port`);
  },
});

/** The error createWallet ends with; `untouchable` ports make any key that passes end at the first port. */
async function outcome(recoveryPublicKey: unknown): Promise<Error> {
  const request = { name: 'n', chainId: 1, keyScheme: 'mpc', recoveryPublicKey };
  const error = await createWallet(untouchable, { principal: { id: 'u-1', roles: ['admin'] }, body: request }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** Passed every check of the request: it went on to the chain registry, the first port createWallet asks. */
const passed = (error: Error): boolean => error.message === 'createWallet touched the chains port';

describe('createWallet: the mpc recovery public key', () => {
  it('takes an X25519 public key and goes on to make the wallet', async () => {
    const key = encodeBase64url(x25519.getPublicKey(new Uint8Array(32).fill(7)));
    expect(passed(await outcome(key))).toBe(true);
  });

  it.each(LOW_ORDER)('refuses %s as REQUEST.INVALID_FIELD on recoveryPublicKey, touching no port', async (_name, u) => {
    const error = await outcome(encodeBase64url(u));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('REQUEST.INVALID_FIELD');
    expect((error as ValidationError).field).toBe('recoveryPublicKey');
    expect(error.message).toMatch(/^recoveryPublicKey: is a low-order X25519 point/);
  });

  it('refuses a secp256k1 key (the old form) by its encoding, naming the field', async () => {
    const error = await outcome(`0x02${'79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'}`);
    expect(error).toBeInstanceOf(StrongroomError);
    expect((error as ValidationError).field).toBe('recoveryPublicKey');
  });

  it('takes every public key X25519 makes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (secret) => {
        expect(passed(await outcome(encodeBase64url(x25519.getPublicKey(secret))))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

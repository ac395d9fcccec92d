import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import type * as Shamir from 'shamir-secret-sharing';
import { bytesToHex, hexToBytes } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { combineShares } from '../../../../enclave-host/shares/combine-shares';
import { ShareError } from '../../../../enclave-host/shares/share-error';
import { splitKey } from '../../../../enclave-host/shares/split-key';

const KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const GROUP_ORDER = secp256k1.Point.CURVE().n;

/** viem's own derivation, independent of the one under test. */
const addressOf = (key: Uint8Array) => privateKeyToAddress(bytesToHex(key));

describe('splitKey', () => {
  it("returns the key's address and three 33-byte shares with distinct, non-zero x coordinates", async () => {
    const { address, shares } = await splitKey(KEY);
    expect(address).toBe(addressOf(KEY));
    expect(shares.map((s) => s.length)).toEqual([33, 33, 33]);
    const xs = shares.map((s) => s[32]);
    expect(new Set(xs).size).toBe(3);
    expect(xs).not.toContain(0);
  });

  it.each([
    [1, 2],
    [1, 3],
    [2, 3],
    [2, 1],
    [3, 1],
    [3, 2],
  ])('shares %i and %i rebuild the key and its address', async (i, j) => {
    const { address, shares } = await splitKey(KEY);
    const key = await combineShares(shares[i - 1]!, shares[j - 1]!, address);
    expect(bytesToHex(key)).toBe(bytesToHex(KEY));
    expect(addressOf(key)).toBe(address);
  });

  it("leaves the caller's key as it was (it zeroises only its own combinations)", async () => {
    const copy = Uint8Array.from(KEY);
    await splitKey(copy);
    expect(copy).toEqual(KEY);
  });

  it('splits the same key differently each time (the polynomial is random)', async () => {
    const first = await splitKey(KEY);
    const second = await splitKey(KEY);
    expect(bytesToHex(first.shares[0])).not.toBe(bytesToHex(second.shares[0]));
  });

  it.each([
    ['31 bytes', new Uint8Array(31).fill(1)],
    ['33 bytes', new Uint8Array(33).fill(1)],
  ])('refuses a key of %s', async (_, key) => {
    await expect(splitKey(key)).rejects.toMatchObject({
      name: 'ShareError',
      code: 'SHARES.MALFORMED',
      field: 'secretKey',
    });
  });

  it.each([
    ['zero', new Uint8Array(32)],
    ['the group order', hexToBytes(`0x${GROUP_ORDER.toString(16).padStart(64, '0')}`)],
    ['all ones (above the group order)', new Uint8Array(32).fill(0xff)],
  ])('refuses a key that is no secp256k1 private key: %s', async (_, key) => {
    await expect(splitKey(key)).rejects.toMatchObject({ code: 'SHARES.INVALID_KEY' });
  });

  it('for random keys, every pair of the three shares rebuilds the key (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k)),
        async (key) => {
          const { address, shares } = await splitKey(key);
          expect(address).toBe(addressOf(key));
          for (const [i, j] of [
            [0, 1],
            [0, 2],
            [1, 2],
          ] as const) {
            expect(bytesToHex(await combineShares(shares[i], shares[j], address))).toBe(bytesToHex(key));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('splitKey when the split is faulty', () => {
  afterEach(() => jest.resetModules());

  it('checks every pair and throws SHARES.SPLIT_UNVERIFIED, zeroising the shares, when one does not rebuild the key', async () => {
    // A split whose third share is of another key: pairs with it rebuild something else, and the library
    // itself would never notice. The library is replaced, not the module under test.
    let handedOut: Uint8Array[] = [];
    jest.resetModules();
    jest.doMock('shamir-secret-sharing', () => {
      const actual = jest.requireActual<typeof Shamir>('shamir-secret-sharing');
      return {
        ...actual,
        split: async (secret: Uint8Array, n: number, t: number) => {
          const good = await actual.split(secret, n, t);
          const other = await actual.split(new Uint8Array(32).fill(7), n, t);
          const third = other.find((s) => s[32] !== good[0]![32] && s[32] !== good[1]![32])!;
          handedOut = [good[0]!, good[1]!, third];
          return handedOut;
        },
      };
    });
    // A fresh copy of the module under test, over the faulty library (requireActual: not mocked itself).
    const { splitKey: faultySplit } = jest.requireActual<{ splitKey: typeof splitKey }>(
      '../../../../enclave-host/shares/split-key',
    );
    const { ShareError: IsolatedShareError } = jest.requireActual<{ ShareError: typeof ShareError }>(
      '../../../../enclave-host/shares/share-error',
    );
    const error = await faultySplit(KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolatedShareError);
    expect(error).toMatchObject({ code: 'SHARES.SPLIT_UNVERIFIED', message: 'shares 1 and 3 do not rebuild the key' });
    for (const share of handedOut) expect(share.every((b) => b === 0)).toBe(true);
  });
});

it('ShareError is what the module throws (one class for the folder)', async () => {
  await expect(splitKey(new Uint8Array(1))).rejects.toBeInstanceOf(ShareError);
});

import { bytesToHex, hexToBytes } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { combineShares, zeroise } from '../../../../enclave-host/shares/combine-shares';
import { splitKey } from '../../../../enclave-host/shares/split-key';

const KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const OTHER_KEY = hexToBytes('0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f');
const ADDRESS = privateKeyToAddress(bytesToHex(KEY));

const flip = (share: Uint8Array, index: number) => {
  const copy = Uint8Array.from(share);
  copy[index]! ^= 0x01;
  return copy;
};

async function threeShares() {
  const { shares } = await splitKey(KEY);
  return shares;
}

describe('combineShares', () => {
  it('gives the key when two shares rebuild the expected address, in any letter case', async () => {
    const [a, b] = await threeShares();
    for (const expected of [ADDRESS, ADDRESS.toLowerCase(), `0x${ADDRESS.slice(2).toUpperCase()}`]) {
      expect(bytesToHex(await combineShares(a, b, expected))).toBe(bytesToHex(KEY));
    }
  });

  it('refuses one share given twice: one share alone rebuilds nothing', async () => {
    const [a] = await threeShares();
    await expect(combineShares(a, Uint8Array.from(a), ADDRESS)).rejects.toMatchObject({
      name: 'ShareError',
      code: 'SHARES.DUPLICATE_SHARE',
    });
  });

  it('refuses two values at one x coordinate, even when their bytes differ', async () => {
    const [a] = await threeShares();
    await expect(combineShares(a, flip(a, 0), ADDRESS)).rejects.toMatchObject({ code: 'SHARES.DUPLICATE_SHARE' });
  });

  it('refuses a single share (the second missing)', async () => {
    const [a] = await threeShares();
    await expect(combineShares(a, undefined as unknown as Uint8Array, ADDRESS)).rejects.toMatchObject({
      code: 'SHARES.MALFORMED',
      field: 'shareB',
    });
  });

  it('gives SHARES.ADDRESS_MISMATCH for a share of another key', async () => {
    const [a] = await threeShares();
    const { shares: others } = await splitKey(OTHER_KEY);
    // Another key's share at the same x would be refused as a duplicate instead: take one at another x.
    const foreign = others.find((s) => s[32] !== a[32])!;
    await expect(combineShares(a, foreign, ADDRESS)).rejects.toMatchObject({ code: 'SHARES.ADDRESS_MISMATCH' });
  });

  it("gives SHARES.ADDRESS_MISMATCH for the right shares and another wallet's address", async () => {
    const [a, b] = await threeShares();
    await expect(combineShares(a, b, privateKeyToAddress(bytesToHex(OTHER_KEY)))).rejects.toMatchObject({
      code: 'SHARES.ADDRESS_MISMATCH',
    });
  });

  it('gives SHARES.ADDRESS_MISMATCH for a flipped bit in any of the 32 value bytes of either share', async () => {
    const [a, b] = await threeShares();
    for (let i = 0; i < 32; i++) {
      await expect(combineShares(flip(a, i), b, ADDRESS)).rejects.toMatchObject({ code: 'SHARES.ADDRESS_MISMATCH' });
      await expect(combineShares(a, flip(b, i), ADDRESS)).rejects.toMatchObject({ code: 'SHARES.ADDRESS_MISMATCH' });
    }
  });

  it('gives SHARES.ADDRESS_MISMATCH for a share whose x coordinate was changed', async () => {
    const [a, b] = await threeShares();
    let x = (b[32]! % 255) + 1;
    while (x === a[32] || x === b[32]) x = (x % 255) + 1;
    const moved = Uint8Array.from(b);
    moved[32] = x;
    await expect(combineShares(a, moved, ADDRESS)).rejects.toMatchObject({ code: 'SHARES.ADDRESS_MISMATCH' });
  });

  it.each([
    ['32 bytes', new Uint8Array(32).fill(1)],
    ['34 bytes', new Uint8Array(34).fill(1)],
    ['a hex string', 'ab'.repeat(33)],
    ['x coordinate 0', Uint8Array.from([...new Array(32).fill(5), 0])],
  ])('refuses a share of %s as SHARES.MALFORMED, naming it', async (_, bad) => {
    const [a] = await threeShares();
    await expect(combineShares(a, bad as Uint8Array, ADDRESS)).rejects.toMatchObject({
      code: 'SHARES.MALFORMED',
      field: 'shareB',
    });
    await expect(combineShares(bad as Uint8Array, a, ADDRESS)).rejects.toMatchObject({ field: 'shareA' });
  });

  it('refuses an expected address that is no address', async () => {
    const [a, b] = await threeShares();
    await expect(combineShares(a, b, '0x1234')).rejects.toMatchObject({
      code: 'SHARES.MALFORMED',
      field: 'expectedAddress',
    });
  });

  it('never names a share or the key in its messages', async () => {
    const [a, b] = await threeShares();
    const errors = await Promise.all([
      combineShares(a, a, ADDRESS).catch((e: Error) => e),
      combineShares(flip(a, 3), b, ADDRESS).catch((e: Error) => e),
    ]);
    const secrets = [a, b, flip(a, 3), KEY].map((bytes) => bytesToHex(bytes).slice(2));
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      const text = `${(error as Error).message} ${JSON.stringify(error)}`.toLowerCase();
      for (const secret of secrets) expect(text).not.toContain(secret.slice(0, 16));
    }
  });
});

describe('zeroise', () => {
  it('fills every buffer given with zeros and skips undefined', () => {
    const a = Uint8Array.from([1, 2, 3]);
    const b = new Uint8Array(33).fill(9);
    zeroise(a, undefined, b);
    expect([...a, ...b].every((byte) => byte === 0)).toBe(true);
  });
});

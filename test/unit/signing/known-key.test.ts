import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, numberToHex, serializeSignature, type Hex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { assertSignedBy } from '../../../lambdas/domain/proof/assert-signed-by';
import type { DigestSignature, KeyVault } from '../../../lambdas/ports/key-vault';
import { knownKey, knownKeyOf, type KnownKey } from '../../../lambdas/signing/known-key';
import { ecSpki } from '../../support/der';
import { MemoryKeyVault } from '../../support/memory-key-vault';

const N = secp256k1.Point.CURVE().n;
const HALF_N = N >> 1n;
/** Deterministic pseudo-random bytes, so a failure names a vector that fails again. */
const seeded = (label: string): Uint8Array => Uint8Array.from(createHash('sha256').update(label).digest());

interface Vector {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly digest: Uint8Array;
  /** noble's 65-byte recovered form: recovery ‖ r ‖ s, low-s */
  readonly recovered: Uint8Array;
  readonly signature: DigestSignature;
}

function vector(secret: Uint8Array, label: string): Vector {
  const digest = seeded(label);
  const recovered = secp256k1.sign(digest, secret, { prehash: false, format: 'recovered' });
  const { r, s, recovery } = secp256k1.Signature.fromBytes(recovered, 'recovered');
  const yParity = recovery === 0 ? 0 : 1;
  return {
    secret,
    publicKey: secp256k1.getPublicKey(secret, false),
    digest,
    recovered,
    signature: { r: numberToHex(r, { size: 32 }), s: numberToHex(s, { size: 32 }), yParity },
  };
}

/** noble's own check of a (r, s, yParity) against a public key: low-s, and the recovery bit bound to the key. */
function nobleVerifies(publicKey: Uint8Array, digest: Uint8Array, signature: DigestSignature): boolean {
  const r = BigInt(signature.r);
  const s = BigInt(signature.s);
  if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
  const bytes = new secp256k1.Signature(r, s, signature.yParity).toBytes('recovered');
  return secp256k1.verify(bytes, digest, publicKey, { prehash: false, format: 'recovered', lowS: true });
}

const highSTwin = (signature: DigestSignature): DigestSignature => ({
  r: signature.r,
  s: numberToHex(N - BigInt(signature.s), { size: 32 }),
  yParity: signature.yParity === 0 ? 1 : 0,
});

const flipBit = (bytes: Uint8Array, bit: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return copy;
};

// Ten keys, the first four with multiplication tables: both ways of computing R are checked.
const SECRETS = Array.from({ length: 10 }, (_, i) => seeded(`known-key test key ${i}`));
const KEYS: KnownKey[] = SECRETS.map((secret, i) => {
  const key = knownKey(secp256k1.getPublicKey(secret, false));
  if (i < 4) key.precompute();
  return key;
});

describe('node:crypto cannot check a signature over a prehashed digest (why known-key uses noble)', () => {
  const { digest, publicKey, secret } = vector(SECRETS[0]!, 'node');
  const key = createPublicKey({ key: Buffer.from(ecSpki(publicKey)), format: 'der', type: 'spki' });
  const p1363 = (sig: Uint8Array) => nodeVerify(null, digest, { key, dsaEncoding: 'ieee-p1363' }, sig);

  it('verify(null, digest) checks the signature over sha256(digest), not over the digest', () => {
    expect(key.asymmetricKeyDetails).toEqual({ namedCurve: 'secp256k1' });
    const overDigest = secp256k1.sign(digest, secret, { prehash: false });
    const overSha256 = secp256k1.sign(createHash('sha256').update(digest).digest(), secret, { prehash: false });
    expect(p1363(overDigest)).toBe(false);
    expect(p1363(overSha256)).toBe(true);
  });

  it('has no identity digest to name', () => {
    const sig = secp256k1.sign(digest, secret, { prehash: false });
    for (const algorithm of ['NULL', 'none', 'md_null'])
      expect(() => nodeVerify(algorithm, digest, { key, dsaEncoding: 'ieee-p1363' }, sig)).toThrow(
        expect.objectContaining({ code: 'ERR_CRYPTO_INVALID_DIGEST' }),
      );
  });
});

describe('KnownKey against noble on 1000 random vectors', () => {
  it('accepts the signature, and refuses another key, a modified digest, the high-s twin and the other parity, as noble does', () => {
    const parities = new Set<number>();
    for (let i = 0; i < 1_000; i++) {
      const k = i % KEYS.length;
      const key = KEYS[k]!;
      const v = vector(SECRETS[k]!, `vector ${i}`);
      const r = BigInt(v.signature.r);
      const s = BigInt(v.signature.s);
      parities.add(v.signature.yParity);

      expect(key.verifies(v.digest, v.signature)).toBe(true);
      expect(nobleVerifies(v.publicKey, v.digest, v.signature)).toBe(true);
      expect(key.recoveryBit(v.digest, r, s)).toBe(v.signature.yParity);
      if (i % 10 === 0) {
        expect(key.verifies(bytesToHex(v.digest), v.signature)).toBe(true);
        expect(key.verifiesSerialized(bytesToHex(v.digest), serializeSignature(v.signature))).toBe(true);
      }

      // The high-s twin is a valid ECDSA signature with the other parity: found by recoveryBit,
      // refused by verifies (EIP-2), and by noble with lowS. Both refusals come before any EC work.
      const twin = highSTwin(v.signature);
      expect(key.recoveryBit(v.digest, r, N - s)).toBe(twin.yParity);
      expect(key.verifies(v.digest, twin)).toBe(false);
      expect(nobleVerifies(v.publicKey, v.digest, twin)).toBe(false);
      // The other parity names the key recovery would find with it: another key.
      if (i % 10 === 0)
        expect(key.verifies(v.digest, { ...v.signature, yParity: v.signature.yParity === 0 ? 1 : 0 })).toBe(false);

      const other = KEYS[(k + 1) % KEYS.length]!;
      expect(other.verifies(v.digest, v.signature)).toBe(false);

      const modified = flipBit(v.digest, i);
      expect(key.verifies(modified, v.signature)).toBe(false);
      expect(nobleVerifies(v.publicKey, modified, v.signature)).toBe(false);
    }
    expect([...parities].sort()).toEqual([0, 1]);
  }, 180_000);

  it('takes the same keys with and without tables, and tables change no answer', () => {
    const plain = KEYS[5]!;
    const v = vector(SECRETS[5]!, 'tables');
    expect(plain.verifies(v.digest, v.signature)).toBe(true);
    plain.precompute();
    plain.precompute(); // idempotent
    expect(plain.verifies(v.digest, v.signature)).toBe(true);
    expect(plain.verifies(flipBit(v.digest, 3), v.signature)).toBe(false);
    expect(plain.verifies(v.digest, highSTwin(v.signature))).toBe(false);
  });
});

describe('KnownKey refuses, without throwing', () => {
  const key = KEYS[0]!;
  const v = vector(SECRETS[0]!, 'edges');
  const hex = (n: bigint) => numberToHex(n, { size: 32 });

  it('r or s out of range, s just above n/2, a yParity other than 0 or 1', () => {
    for (const [r, s] of [
      [0n, 1n],
      [N, 1n],
      [1n, 0n],
      [1n, N],
      [BigInt(v.signature.r), HALF_N + 1n],
    ] as const) {
      expect(key.verifies(v.digest, { r: hex(r), s: hex(s), yParity: 0 })).toBe(false);
      expect(key.verifies(v.digest, { r: hex(r), s: hex(s), yParity: 1 })).toBe(false);
    }
    for (const yParity of [2, 27, -1, '0'])
      expect(key.verifies(v.digest, { ...v.signature, yParity: yParity as 0 })).toBe(false);
  });

  it('a digest that is not 32 bytes, and values that are not hex', () => {
    expect(key.recoveryBit(v.digest.subarray(1), BigInt(v.signature.r), BigInt(v.signature.s))).toBeUndefined();
    expect(key.verifies(`0x${'11'.repeat(33)}`, v.signature)).toBe(false);
    expect(key.verifies('0xzz' as Hex, v.signature)).toBe(false);
    expect(key.verifies(v.digest, { ...v.signature, r: 'not hex' as Hex })).toBe(false);
  });

  it('exactly the serialized signatures assertSignedBy refuses', async () => {
    const digest = bytesToHex(v.digest);
    const serialized = serializeSignature(v.signature);
    const address = publicKeyToAddress(bytesToHex(v.publicKey));
    const candidates: unknown[] = [
      serialized,
      serialized.toUpperCase().replace('0X', '0x'),
      serializeSignature(highSTwin(v.signature)),
      `${serialized.slice(0, 130)}${v.signature.yParity === 0 ? '00' : '01'}`, // v 0/1
      `${serialized.slice(0, 130)}${v.signature.yParity === 0 ? '1c' : '1b'}`, // the other v
      serialized.slice(0, 130), // 64 bytes
      `${serialized}00`,
      serializeSignature(vector(SECRETS[1]!, 'edges').signature), // another key's over another digest
      `0x${'00'.repeat(64)}1b`,
      '0x',
      42,
      undefined,
    ];
    for (const candidate of candidates) {
      const accepted = await assertSignedBy({ digest, signature: candidate, expectedSigner: address }).then(
        () => true,
        () => false,
      );
      expect([candidate, key.verifiesSerialized(digest, candidate)]).toEqual([candidate, accepted]);
    }
    expect(key.verifiesSerialized(digest, serialized)).toBe(true);
  });
});

describe('knownKey', () => {
  const publicKey = secp256k1.getPublicKey(SECRETS[7]!, false);

  it('derives the address once and gives the same key for bytes and for hex of either case', () => {
    const key = knownKey(publicKey);
    expect(key.address).toBe(publicKeyToAddress(bytesToHex(publicKey)));
    expect(key.publicKey).toBe(bytesToHex(publicKey));
    expect(knownKey(bytesToHex(publicKey))).toBe(key);
    expect(knownKey(bytesToHex(publicKey).toUpperCase().replace('0X', '0x') as Hex)).toBe(key);
  });

  it('refuses a compressed key, a point off the curve, and bytes of the wrong length', () => {
    expect(() => knownKey(secp256k1.getPublicKey(SECRETS[7]!, true))).toThrow(RangeError);
    const offCurve = Uint8Array.from(publicKey);
    offCurve[64]! ^= 1;
    expect(() => knownKey(offCurve)).toThrow(RangeError);
    expect(() => knownKey(publicKey.subarray(0, 64))).toThrow(RangeError);
    expect(() => knownKey(`0x04${'00'.repeat(64)}`)).toThrow(RangeError);
  });
});

describe('knownKeyOf', () => {
  it('gives the vault key, checked against its address', async () => {
    const vault = new MemoryKeyVault();
    const { keyId, address } = await vault.createKey({ ownerId: 'w', purpose: 'custody' });
    const key = await knownKeyOf(vault, keyId, address);
    expect(key?.address).toBe(address);
  });

  it('gives nothing for a vault without publicKeyOf: the caller recovers', async () => {
    const vault = new MemoryKeyVault();
    const { keyId, address } = await vault.createKey({ ownerId: 'w', purpose: 'custody' });
    const wrapper: KeyVault = {
      createKey: (request) => vault.createKey(request),
      addressOf: (id) => vault.addressOf(id),
      signDigest: (id, digest, purpose) => vault.signDigest(id, digest, purpose),
    };
    await expect(knownKeyOf(wrapper, keyId, address)).resolves.toBeUndefined();
  });

  it('refuses (KEY.BAD_SIGNATURE) a public key of another address, or one that is not a point', async () => {
    const vault = new MemoryKeyVault();
    const { keyId, address } = await vault.createKey({ ownerId: 'w', purpose: 'custody' });
    const other = await vault.createKey({ ownerId: 'w', purpose: 'custody' });
    jest
      .spyOn(vault, 'publicKeyOf')
      .mockImplementation(() => MemoryKeyVault.prototype.publicKeyOf.call(vault, other.keyId));
    await expect(knownKeyOf(vault, keyId, address)).rejects.toMatchObject({
      code: 'KEY.BAD_SIGNATURE',
      details: { keyId, address, publicKeyAddress: other.address },
    });
    jest.spyOn(vault, 'publicKeyOf').mockResolvedValue(`0x02${'11'.repeat(32)}`);
    await expect(knownKeyOf(vault, keyId, address)).rejects.toMatchObject({ code: 'KEY.BAD_SIGNATURE' });
  });
});

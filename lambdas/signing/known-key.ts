import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { sameAddress, type Address } from '../domain/address';
import { SigningError } from '../domain/errors';
import type { DigestSignature, KeyVault } from '../ports/key-vault';

/*
 * Why noble and not node:crypto. `crypto.verify` always hashes what it is given: with algorithm
 * null an EC key gets OpenSSL's default digest, SHA-256, so `crypto.verify(null, digest, { key,
 * dsaEncoding: 'ieee-p1363' }, sig)` checks the signature over sha256(digest), never over the digest
 * itself (test/unit/signing/known-key.test.ts shows it). There is no identity digest to name ('NULL'
 * is ERR_CRYPTO_INVALID_DIGEST), Node 20's OpenSSL 3.0 has no Keccak-256 to hash the preimage with
 * instead (only SHA3-256, whose padding differs), and WebCrypto ECDSA knows no secp256k1. So a known
 * key is checked here with @noble/curves, by the ECDSA verification equation, without recovery.
 *
 * What it saves: recovery is a square root, a double scalar multiplication and a keccak (and viem's
 * recoverAddress runs an older noble); verifying against the key is the double multiplication alone,
 * about 1.7 times as many checks per second, and a key given multiplication tables (`precompute`: the
 * approval and audit keys, which check a signature or more per transfer) about 5 times as many
 * (bench/key-vault.bench.ts prints the three).
 */

const Point = secp256k1.Point;
const Fn = Point.Fn;
const N = Fn.ORDER;
const HALF_N = N >> 1n;
const SERIALIZED = /^0x[0-9a-fA-F]{130}$/;
const UNCOMPRESSED = /^0x04[0-9a-fA-F]{128}$/;

/** Keys remembered by public key; each is a parsed point and its address, a few hundred bytes. */
const MAX_KEYS = 1_000;
/** Window of a key's multiplication tables: about 200 KiB per key, built by its first check after `precompute`. */
const TABLE_WINDOW = 6;
/** At most this many keys get tables, whatever asks: the approval and audit keys, and their successors. */
const MAX_TABLES = 8;

/** A secp256k1 public key we hold (from the key vault), to check signatures against without recovery. */
export interface KnownKey {
  /** Uncompressed SEC1, 0x04 ‖ x ‖ y. */
  readonly publicKey: Hex;
  /** Derived once from the public key. */
  readonly address: Address;
  /**
   * The yParity with which (r, s) over the 32-byte `digest` recovers to this key: the signature
   * verifies against it and its R has x = r exactly (so yParity 0/1 can express it). Undefined when
   * it does not verify, r or s is outside [1, n − 1], or the digest is not 32 bytes. Either s is
   * accepted here (the KMS adapter normalises first); `verifies` is the canonical check.
   */
  recoveryBit(digest: Uint8Array, r: bigint, s: bigint): 0 | 1 | undefined;
  /**
   * True exactly when `signature` would recover to this key and is canonical: r in [1, n − 1], s in
   * [1, n/2] (EIP-2), yParity 0 or 1 and the one that recovers to this key. Never throws.
   */
  verifies(digest: Hex | Uint8Array, signature: DigestSignature): boolean;
  /**
   * The same check for 65 bytes r ‖ s ‖ v, with exactly the encoding rules of the domain's
   * `assertSignedBy` (0x-prefixed hex, v 27 or 28, low-s); what `assertSignedBy` with this key's
   * address accepts, and nothing else. Never throws.
   */
  verifiesSerialized(digest: Hex, signature: unknown): boolean;
  /** Gives this key multiplication tables (lazily, idempotent): for keys that verify many signatures. */
  precompute(): void;
}

/** Keys by public key hex; the oldest is dropped when full. */
const keys = new Map<string, KnownKey>();
/** Keys given tables: kept for the life of the process (their tables are the point of them), never more than MAX_TABLES. */
const withTables = new Map<string, KnownKey>();

/**
 * The KnownKey of an uncompressed secp256k1 public key (65 bytes, or their 0x-prefixed hex), parsed
 * and its address derived once, then remembered. Throws a RangeError for anything that is not an
 * uncompressed point on the curve.
 */
export function knownKey(publicKey: Hex | Uint8Array): KnownKey {
  const hex = (typeof publicKey === 'string' ? publicKey : bytesToHex(publicKey)).toLowerCase() as Hex;
  const cached = withTables.get(hex) ?? keys.get(hex);
  if (cached !== undefined) return cached;
  if (!UNCOMPRESSED.test(hex)) throw new RangeError('a public key is 65 bytes: 0x04, x and y');
  let point: InstanceType<typeof Point>;
  try {
    point = Point.fromBytes(hexToBytes(hex)); // checks that (x, y) is on the curve
  } catch (cause) {
    throw new RangeError('the public key is not a point on secp256k1', { cause });
  }
  const key = makeKnownKey(hex, point);
  if (keys.size >= MAX_KEYS) {
    const oldest = keys.keys().next();
    if (!oldest.done) keys.delete(oldest.value);
  }
  keys.set(hex, key);
  return key;
}

/**
 * The KnownKey of a vault key whose address the caller has established (`addressOf`, or a check
 * against it), when the vault can give public keys; undefined when it cannot (a vault wrapper that
 * does not pass `publicKeyOf` on), and the caller then checks signatures by recovery. A public key
 * whose address is not `address` is a faulty vault: KEY.BAD_SIGNATURE, nothing is verified with it.
 */
export async function knownKeyOf(vault: KeyVault, keyId: string, address: Address): Promise<KnownKey | undefined> {
  if (vault.publicKeyOf === undefined) return undefined;
  const publicKey = await vault.publicKeyOf(keyId);
  let key: KnownKey;
  try {
    key = knownKey(publicKey);
  } catch (cause) {
    throw new SigningError('KEY.BAD_SIGNATURE', `the key vault gave key ${keyId} a public key that is not one`, {
      details: { keyId },
      cause,
    });
  }
  if (!sameAddress(key.address, address)) {
    throw new SigningError(
      'KEY.BAD_SIGNATURE',
      `the key vault gave key ${keyId} the public key of ${key.address}, not of its address ${address}`,
      { details: { keyId, address, publicKeyAddress: key.address } },
    );
  }
  return key;
}

function makeKnownKey(publicKey: Hex, point: InstanceType<typeof Point>): KnownKey {
  let hasTables = false;

  const recoveryBit = (digest: Uint8Array, r: bigint, s: bigint): 0 | 1 | undefined => {
    if (digest.length !== 32 || r <= 0n || r >= N || s <= 0n || s >= N) return undefined;
    // SEC 1 §4.1.4: e is the digest as an integer mod n; u1 = e/s, u2 = r/s; R = u1·G + u2·Q.
    const w = Fn.inv(s);
    const u1 = Fn.mul(Fn.create(bytesToBigInt(digest)), w);
    const u2 = Fn.mul(r, w);
    const R = hasTables
      ? Point.BASE.multiplyUnsafe(u1).add(point.multiplyUnsafe(u2)) // both through their tables
      : Point.BASE.mulAddUnsafe(u1, point, u2); // one shared doubling chain, as noble's verify
    if (R.is0()) return undefined;
    const { x, y } = R.toAffine();
    // ECDSA only asks x ≡ r (mod n); recovery from (r, yParity) rebuilds R from x = r, so an R with
    // x ≥ n (x = r + n) verifies but recovers to another key: it is refused, as recovery would.
    if (x !== r) return undefined;
    return (y & 1n) === 0n ? 0 : 1;
  };

  const verifiesScalars = (digest: Uint8Array, r: bigint, s: bigint, yParity: unknown): boolean =>
    (yParity === 0 || yParity === 1) && s <= HALF_N && recoveryBit(digest, r, s) === yParity;

  const key: KnownKey = {
    publicKey,
    address: publicKeyToAddress(publicKey),
    recoveryBit,
    verifies: (digest, signature) => {
      try {
        const bytes = typeof digest === 'string' ? hexToBytes(digest) : digest;
        return verifiesScalars(bytes, BigInt(signature.r), BigInt(signature.s), signature.yParity);
      } catch {
        return false; // r or s not hex, a digest not hex: not a signature of this key
      }
    },
    verifiesSerialized: (digest, signature) => {
      if (typeof signature !== 'string' || !SERIALIZED.test(signature)) return false;
      const v = Number.parseInt(signature.slice(130), 16);
      if (v !== 27 && v !== 28) return false;
      try {
        const r = BigInt(signature.slice(0, 66));
        const s = BigInt(`0x${signature.slice(66, 130)}`);
        return verifiesScalars(hexToBytes(digest), r, s, v - 27);
      } catch {
        return false;
      }
    },
    precompute: () => {
      if (hasTables || withTables.size >= MAX_TABLES) return;
      withTables.set(publicKey, key);
      point.precompute(TABLE_WINDOW); // lazy: the tables are built by the first multiplication
      hasTables = true;
    },
  };
  return key;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt(bytesToHex(bytes));
}

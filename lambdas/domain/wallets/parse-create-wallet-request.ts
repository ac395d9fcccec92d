import type { Hex } from 'viem';
import { ValidationError } from '../errors';
import { describe } from '../money';
import {
  checkString,
  expectObject,
  rejectUnknownFields,
  requireString,
  type StringRule,
  type UncheckedObject,
} from '../validation';
import { KEY_SCHEMES, type KeyScheme } from './wallet';

/** The body of `POST /v1/wallets`, checked. The wallet id is the use case's to generate. */
export interface CreateWalletRequest {
  readonly name: string;
  readonly chainId: number;
  readonly keyScheme: KeyScheme;
  /** For `mpc` only: the secp256k1 public key the customer's share is encrypted to (lower-case hex). */
  readonly recoveryPublicKey?: Hex;
}

const NAME_RULE: StringRule = { maxLength: 128 };
// 33 bytes compressed (02/03 prefix) or 65 bytes uncompressed (04 prefix); the point is checked below.
const PUBLIC_KEY_RULE: StringRule = {
  maxLength: 132,
  pattern: /^0x(?:0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/,
  patternHint: 'a 0x-prefixed secp256k1 public key of 33 bytes (compressed) or 65 bytes (uncompressed)',
};

/**
 * Parses the body of `POST /v1/wallets` strictly: a closed object, every refusal a ValidationError
 * naming the field. `recoveryPublicKey` belongs to `mpc` and is required there: the customer's key
 * share is returned only encrypted to it, so without it there is nowhere safe to send that share.
 */
export function parseCreateWalletRequest(body: unknown): CreateWalletRequest {
  const raw = expectObject(body, 'body');
  rejectUnknownFields(raw, ['name', 'chainId', 'keyScheme', 'recoveryPublicKey'], '');
  const name = requireString(raw, 'name', '', NAME_RULE);
  const chainId = parseChainId(raw);
  const keyScheme = parseKeyScheme(raw);
  if (keyScheme !== 'mpc') {
    if (raw.recoveryPublicKey !== undefined) {
      throw new ValidationError(
        'REQUEST.INVALID_FIELD',
        'recoveryPublicKey',
        `is only taken with keyScheme "mpc", not "${keyScheme}"`,
      );
    }
    return { name, chainId, keyScheme };
  }
  if (raw.recoveryPublicKey === undefined) {
    throw new ValidationError(
      'REQUEST.MISSING_FIELD',
      'recoveryPublicKey',
      'is required with keyScheme "mpc": the customer key share is encrypted to it',
    );
  }
  return { name, chainId, keyScheme, recoveryPublicKey: parseRecoveryPublicKey(raw.recoveryPublicKey) };
}

function parseChainId(raw: UncheckedObject): number {
  const value = raw.chainId;
  if (value === undefined) throw new ValidationError('REQUEST.MISSING_FIELD', 'chainId', 'is required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      'chainId',
      `must be a positive whole number, got ${describe(value)}`,
    );
  }
  return value;
}

function parseKeyScheme(raw: UncheckedObject): KeyScheme {
  const value = raw.keyScheme;
  if (value === undefined) throw new ValidationError('REQUEST.MISSING_FIELD', 'keyScheme', 'is required');
  if (typeof value !== 'string' || !(KEY_SCHEMES as readonly string[]).includes(value)) {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'keyScheme', `must be one of ${KEY_SCHEMES.join(', ')}`);
  }
  return value as KeyScheme;
}

function parseRecoveryPublicKey(value: unknown): Hex {
  const key = checkString(value, 'recoveryPublicKey', PUBLIC_KEY_RULE).toLowerCase() as Hex;
  if (!isOnSecp256k1(key))
    throw new ValidationError('REQUEST.INVALID_FIELD', 'recoveryPublicKey', 'is not a point on the secp256k1 curve');
  return key;
}

// secp256k1: y² = x³ + 7 over the field of this prime.
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

/**
 * Whether a SEC1 public key (format checked by the pattern) is a point of the curve. A share
 * encrypted to a point off the curve could never be opened, or worse, could leak through a
 * small-subgroup key agreement; it is refused here as bad input rather than failing in the enclave.
 */
function isOnSecp256k1(key: Hex): boolean {
  const x = BigInt(`0x${key.slice(4, 68)}`);
  if (x >= P) return false;
  const rhs = (modPow(x, 3n) + 7n) % P;
  if (key.startsWith('0x04')) {
    const y = BigInt(`0x${key.slice(68)}`);
    return y < P && (y * y) % P === rhs;
  }
  // A compressed x is valid when x³ + 7 has a square root (Euler's criterion); it is never 0 here.
  return modPow(rhs, (P - 1n) / 2n) === 1n;
}

function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

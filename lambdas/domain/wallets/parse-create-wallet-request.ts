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
  /**
   * For `mpc` only: the secp256k1 public key the customer's share is encrypted to (lower-case hex),
   * its length and prefix checked here. Whether it is a point of the curve is checked by the
   * use case (`createWallet`), with noble: the domain may not import it.
   */
  readonly recoveryPublicKey?: Hex;
}

const NAME_RULE: StringRule = { maxLength: 128 };
// 33 bytes compressed (02/03 prefix) or 65 bytes uncompressed (04 prefix). The point itself is
// checked by createWallet with @noble/curves, which the domain's purity rule does not admit.
const PUBLIC_KEY_RULE: StringRule = {
  maxLength: 132,
  pattern: /^0x(?:0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/,
  patternHint: 'a 0x-prefixed secp256k1 public key of 33 bytes (compressed) or 65 bytes (uncompressed)',
};

/**
 * Parses the body of `POST /v1/wallets` strictly: a closed object, every refusal a ValidationError
 * naming the field. `recoveryPublicKey` belongs to `mpc` and is required there: the customer's key
 * share is returned only encrypted to it, so without it there is nowhere safe to send that share.
 * That key's length and prefix are checked here; that it is a curve point, by `createWallet`.
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
  return checkString(value, 'recoveryPublicKey', PUBLIC_KEY_RULE).toLowerCase() as Hex;
}

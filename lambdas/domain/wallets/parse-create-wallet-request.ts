import { ValidationError } from '../errors';
import { describe } from '../money';
import { expectObject, rejectUnknownFields, requireString, type StringRule, type UncheckedObject } from '../validation';
import { KEY_SCHEMES, RECOVERY_PUBLIC_KEY_PATTERN, type KeyScheme } from './wallet';

/** The body of `POST /v1/wallets`, checked. The wallet id is the use case's to generate. */
export interface CreateWalletRequest {
  readonly name: string;
  readonly chainId: number;
  readonly keyScheme: KeyScheme;
  /**
   * For `mpc` only: the customer's X25519 public key (32 bytes, base64url without padding;
   * enclave-host/contract.ts `RecoveryPublicKey`) that share 3 is encrypted to. Its encoding and length
   * are checked here; that it is not a low-order point, by the use case (`createWallet`, with
   * enclave-host/shares' `parseRecoveryPublicKey`: the domain may not import it).
   */
  readonly recoveryPublicKey?: string;
}

const NAME_RULE: StringRule = { maxLength: 128 };
/** 32 bytes in base64url without padding. */
const RECOVERY_KEY_LENGTH = 43;

/**
 * Parses the body of `POST /v1/wallets` strictly: a closed object, every refusal a ValidationError
 * naming the field. `recoveryPublicKey` belongs to `mpc` and is required there: the customer's key
 * share is returned only encrypted to it, so without it there is nowhere safe to send that share.
 * That key's encoding and length are checked here; that it is not a low-order X25519 point,
 * by `createWallet`.
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

/** A recovery public key as text, each refusal saying what is wrong with it (a secp256k1 key is the likely mistake). */
function parseRecoveryPublicKey(value: unknown): string {
  const refuse = (reason: string): never => {
    throw new ValidationError('REQUEST.INVALID_FIELD', 'recoveryPublicKey', reason);
  };
  const hint = 'an X25519 public key: 32 bytes in base64url without padding (43 characters)';
  if (typeof value !== 'string') return refuse(`must be ${hint}, got ${describe(value)}`);
  if (value.startsWith('0x')) return refuse(`must be ${hint}, not hex (a secp256k1 key is not a recovery key)`);
  if (value.includes('=')) return refuse(`must be base64url without padding (no "="): ${hint}`);
  if (/[+/]/.test(value)) return refuse(`must be base64url ("-" and "_"), not standard base64 ("+" and "/"): ${hint}`);
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return refuse(`has characters outside the base64url alphabet: ${hint}`);
  if (value.length !== RECOVERY_KEY_LENGTH)
    return refuse(`must be ${RECOVERY_KEY_LENGTH} characters (32 bytes), not ${value.length}: ${hint}`);
  if (!RECOVERY_PUBLIC_KEY_PATTERN.test(value))
    return refuse('is not canonical base64url: its last character carries bits beyond the 32 bytes');
  return value;
}

import { getAddress } from 'viem';
import type {
  CoSignerShare,
  CreatedAgentKey,
  CreatedMpcKey,
  HpkeSealed,
  JobAnswer,
  ShareContext,
  SignedByEnclave,
} from '../contract';
import { SHARE_LENGTH } from '../shares/address-of-secret-key';
import { decodeBase64url } from '../shares/base64url';
import { causeOf } from './enclave-refusal-of';
import { isJobRefusalCode } from './job-refusal-code';
import { sealedKeyOf } from './parse-signing-job';

const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const IDENTIFIER = /^[\x21-\x7e]{1,256}$/;
/** An mpc key's epoch: 1 at creation, +1 at each rotation (a sealed share's `version` spells it alike). */
const EPOCH = /^[1-9][0-9]{0,8}$/;
/** HPKE's encapsulated key for DHKEM(X25519), and AES-256-GCM's tag after the 33-byte share. */
const HPKE_ENC_LENGTH = 32;
const HPKE_SHARE_CIPHERTEXT_LENGTH = SHARE_LENGTH + 16;
const SHARE_CONTEXT_KEYS = ['address', 'deployment', 'epoch', 'share', 'walletId'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A signed transaction, checked and copied field by field (nothing else the enclave or a table added comes along). */
export function signedByEnclaveOf(value: unknown): SignedByEnclave | undefined {
  if (!isRecord(value)) return undefined;
  const { serializedTransaction, txHash } = value;
  if (typeof serializedTransaction !== 'string' || !HEX.test(serializedTransaction)) return undefined;
  if (typeof txHash !== 'string' || !HASH.test(txHash)) return undefined;
  return { serializedTransaction: serializedTransaction as `0x${string}`, txHash: txHash as `0x${string}` };
}

/** A created key (address, sealed key, attestation), checked and copied field by field. */
export function createdAgentKeyOf(value: unknown): CreatedAgentKey | undefined {
  if (!isRecord(value)) return undefined;
  const { address, sealedKey, attestation } = value;
  if (typeof address !== 'string' || !ADDRESS.test(address)) return undefined;
  if (typeof attestation !== 'string' || !BASE64.test(attestation)) return undefined;
  try {
    return { address: address as `0x${string}`, sealedKey: sealedKeyOf(sealedKey), attestation };
  } catch {
    return undefined;
  }
}

const hasOnlyKeys = (value: Record<string, unknown>, keys: readonly string[]): boolean =>
  Object.keys(value).every((key) => keys.includes(key));

/** A share's context, closed and every field spelled as the contract says; undefined otherwise. */
function shareContextOf(value: unknown, share: ShareContext['share']): ShareContext | undefined {
  if (!isRecord(value) || !hasOnlyKeys(value, SHARE_CONTEXT_KEYS)) return undefined;
  const { deployment, walletId, address, epoch } = value;
  if (value.share !== share) return undefined;
  if (typeof deployment !== 'string' || !IDENTIFIER.test(deployment)) return undefined;
  if (typeof walletId !== 'string' || !IDENTIFIER.test(walletId)) return undefined;
  if (typeof address !== 'string' || !ADDRESS.test(address)) return undefined;
  if (typeof epoch !== 'string' || !EPOCH.test(epoch)) return undefined;
  return { deployment, walletId, address: address as `0x${string}`, epoch, share };
}

/** Canonical base64 only (one text per byte string), so a digest over the decoded bytes has one input. */
const isCanonicalBase64 = (text: unknown): text is string =>
  typeof text === 'string' && BASE64.test(text) && Buffer.from(text, 'base64').toString('base64') === text;

function coSignerShareOf(value: unknown): CoSignerShare | undefined {
  if (!isRecord(value) || !hasOnlyKeys(value, ['format', 'context', 'ciphertextBlob'])) return undefined;
  if (value.format !== 'strongroom.cosigner-share.v1' || !isCanonicalBase64(value.ciphertextBlob)) return undefined;
  const context = shareContextOf(value.context, '2');
  return context === undefined
    ? undefined
    : { format: 'strongroom.cosigner-share.v1', context, ciphertextBlob: value.ciphertextBlob };
}

function recoveryShareOf(value: unknown): HpkeSealed | undefined {
  if (!isRecord(value) || !hasOnlyKeys(value, ['format', 'context', 'enc', 'ciphertext'])) return undefined;
  const { enc, ciphertext } = value;
  if (value.format !== 'strongroom.hpke.v1') return undefined;
  if (decodeBase64url(enc)?.length !== HPKE_ENC_LENGTH) return undefined;
  if (decodeBase64url(ciphertext)?.length !== HPKE_SHARE_CIPHERTEXT_LENGTH) return undefined;
  const context = shareContextOf(value.context, '3');
  return context === undefined
    ? undefined
    : { format: 'strongroom.hpke.v1', context, enc: enc as string, ciphertext: ciphertext as string };
}

/**
 * A created mpc key (enclave-host/contract.ts `CreatedMpcKey`), checked and copied field by field:
 * share 1 sealed as a key share, share 2 for the co-signer, share 3 for the customer, each closed and
 * well formed, and all three of one deployment, wallet, address (EIP-55, as the contexts are
 * authenticated as spelled) and epoch. Whether the enclave made them is the attestation's to say (the
 * wallets function verifies it); this only refuses what no enclave ever answers. Undefined otherwise.
 */
export function createdMpcKeyOf(value: unknown): CreatedMpcKey | undefined {
  if (!isRecord(value)) return undefined;
  const { address, epoch, attestation } = value;
  if (typeof address !== 'string' || !ADDRESS.test(address) || getAddress(address) !== address) return undefined;
  if (typeof epoch !== 'string' || !EPOCH.test(epoch)) return undefined;
  if (typeof attestation !== 'string' || !BASE64.test(attestation)) return undefined;
  let sealedShare: CreatedMpcKey['sealedShare'];
  try {
    sealedShare = sealedKeyOf(value.sealedShare, 'key-share');
  } catch {
    return undefined;
  }
  const coSignerShare = coSignerShareOf(value.coSignerShare);
  const recoveryShare = recoveryShareOf(value.recoveryShare);
  if (coSignerShare === undefined || recoveryShare === undefined) return undefined;
  const sealed = sealedShare.context;
  if (sealedShare.address !== address || sealed.version !== epoch) return undefined;
  for (const { context } of [coSignerShare, recoveryShare])
    if (
      context.address !== address ||
      context.epoch !== epoch ||
      context.walletId !== sealed.walletId ||
      context.deployment !== sealed.deployment
    )
      return undefined;
  return { address, epoch, sealedShare, coSignerShare, recoveryShare, attestation };
}

/**
 * A job's answer as read back from the ledger, checked: a damaged or hand-written item must never
 * answer a task with garbage (the host then treats the ledger as unreadable). Undefined when it is
 * not a `JobAnswer`. Also the one place an answer is copied into its stored shape.
 */
export function jobAnswerOf(value: unknown): JobAnswer | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.kind) {
    case 'signed': {
      const result = signedByEnclaveOf(value.result);
      return result === undefined ? undefined : { kind: 'signed', result };
    }
    case 'created': {
      const result = createdAgentKeyOf(value.result);
      return result === undefined ? undefined : { kind: 'created', result };
    }
    case 'created-mpc': {
      const result = createdMpcKeyOf(value.result);
      return result === undefined ? undefined : { kind: 'created-mpc', result };
    }
    case 'refused':
      return isJobRefusalCode(value.code) && typeof value.message === 'string'
        ? { kind: 'refused', code: value.code, message: causeOf(value.message) }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether two answers say the same: the same signed bytes, the same key (by its address and
 * ciphertext; for an mpc key, its sealed share 1's), or the same refusal code. How the host tells its
 * own answer from another host's.
 */
export function sameAnswer(a: JobAnswer, b: JobAnswer): boolean {
  if (a.kind === 'signed' && b.kind === 'signed')
    return a.result.serializedTransaction === b.result.serializedTransaction;
  if (a.kind === 'created' && b.kind === 'created')
    return a.result.address === b.result.address && a.result.sealedKey.ciphertext === b.result.sealedKey.ciphertext;
  if (a.kind === 'created-mpc' && b.kind === 'created-mpc')
    return a.result.address === b.result.address && a.result.sealedShare.ciphertext === b.result.sealedShare.ciphertext;
  if (a.kind === 'refused' && b.kind === 'refused') return a.code === b.code;
  return false;
}

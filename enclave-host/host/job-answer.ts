import type { CreatedAgentKey, JobAnswer, SignedByEnclave } from '../contract';
import { causeOf } from './enclave-refusal-of';
import { isJobRefusalCode } from './job-refusal-code';
import { sealedKeyOf } from './parse-signing-job';

const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

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
 * ciphertext), or the same refusal code. How the host tells its own answer from another host's.
 */
export function sameAnswer(a: JobAnswer, b: JobAnswer): boolean {
  if (a.kind === 'signed' && b.kind === 'signed')
    return a.result.serializedTransaction === b.result.serializedTransaction;
  if (a.kind === 'created' && b.kind === 'created')
    return a.result.address === b.result.address && a.result.sealedKey.ciphertext === b.result.sealedKey.ciphertext;
  if (a.kind === 'refused' && b.kind === 'refused') return a.code === b.code;
  return false;
}

import type { Hex } from 'viem';
import { parseAddress } from '../address';
import { ValidationError } from '../errors';
import { formatAmount, parseAmount } from '../money';
import type { PreparedTransaction } from '../lifecycle/transfer-events';
import {
  checkString,
  expectObject,
  ID_RULE,
  join,
  rejectUnknownFields,
  requireString,
  type UncheckedObject,
} from '../validation';
import type { AuthorizationProof } from './authorization-proof';

/** An authorization proof as stored and passed between states: bigints as decimal strings, dates ISO 8601. */
export interface AuthorizationProofJson {
  readonly transferId: string;
  readonly walletId: string;
  readonly transaction: {
    readonly chainId: number;
    readonly nonce: number;
    readonly from: string;
    readonly to: string;
    readonly value: string;
    readonly data: string;
    readonly gasLimit: string;
    readonly maxFeePerGas: string;
    readonly maxPriorityFeePerGas: string;
  };
  readonly policyDecisionId: string;
  readonly approvalIds: readonly string[];
  readonly approvalDigests: readonly string[];
  readonly validUntil: string;
}

/** More approvals than any sane quorum; a bound keeps a hostile payload from growing the typed data. */
export const MAX_APPROVAL_IDS = 100;

const PROOF_FIELDS = [
  'transferId',
  'walletId',
  'transaction',
  'policyDecisionId',
  'approvalIds',
  'approvalDigests',
  'validUntil',
];
const TRANSACTION_FIELDS = [
  'chainId',
  'nonce',
  'from',
  'to',
  'value',
  'data',
  'gasLimit',
  'maxFeePerGas',
  'maxPriorityFeePerGas',
];
const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
// Exactly what Date.prototype.toISOString writes for a whole second.
const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/;

export function proofToJson(proof: AuthorizationProof): AuthorizationProofJson {
  const tx = proof.transaction;
  return {
    transferId: proof.transferId,
    walletId: proof.walletId,
    transaction: {
      chainId: tx.chainId,
      nonce: tx.nonce,
      from: tx.from,
      to: tx.to,
      value: formatAmount(tx.value),
      data: tx.data,
      gasLimit: formatAmount(tx.gasLimit),
      maxFeePerGas: formatAmount(tx.maxFeePerGas),
      maxPriorityFeePerGas: formatAmount(tx.maxPriorityFeePerGas),
    },
    policyDecisionId: proof.policyDecisionId,
    approvalIds: [...proof.approvalIds],
    approvalDigests: [...proof.approvalDigests],
    validUntil: proof.validUntil.toISOString(),
  };
}

/** Parses a stored proof strictly: closed objects, canonical numbers, whole-second expiry. */
export function proofFromJson(input: unknown, path = 'proof'): AuthorizationProof {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, PROOF_FIELDS, path);
  return {
    transferId: requireString(raw, 'transferId', path, ID_RULE),
    walletId: requireString(raw, 'walletId', path, ID_RULE),
    transaction: transactionFromJson(raw.transaction, join(path, 'transaction')),
    policyDecisionId: requireString(raw, 'policyDecisionId', path, ID_RULE),
    approvalIds: approvalIdsFromJson(raw.approvalIds, join(path, 'approvalIds')),
    approvalDigests: approvalDigestsFromJson(raw.approvalDigests, join(path, 'approvalDigests')),
    validUntil: isoSecond(raw.validUntil, join(path, 'validUntil')),
  };
}

function transactionFromJson(input: unknown, path: string): PreparedTransaction {
  const raw = expectObject(input, path);
  rejectUnknownFields(raw, TRANSACTION_FIELDS, path);
  return {
    chainId: integer(raw, 'chainId', path, 1),
    nonce: integer(raw, 'nonce', path, 0),
    from: parseAddress(raw.from, join(path, 'from')),
    to: parseAddress(raw.to, join(path, 'to')),
    value: parseAmount(raw.value, join(path, 'value')),
    data: hexData(raw.data, join(path, 'data')),
    gasLimit: parseAmount(raw.gasLimit, join(path, 'gasLimit')),
    maxFeePerGas: parseAmount(raw.maxFeePerGas, join(path, 'maxFeePerGas')),
    maxPriorityFeePerGas: parseAmount(raw.maxPriorityFeePerGas, join(path, 'maxPriorityFeePerGas')),
  };
}

function integer(raw: UncheckedObject, key: string, path: string, min: number): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError('REQUEST.INVALID_FIELD', join(path, key), `must be an integer of at least ${min}`);
  }
  return value;
}

function hexData(value: unknown, field: string): `0x${string}` {
  if (typeof value !== 'string' || !HEX_DATA.test(value))
    throw new ValidationError('INTENT.INVALID_DATA', field, 'must be 0x-prefixed hex of whole bytes');
  return value as `0x${string}`;
}

function approvalIdsFromJson(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ValidationError('REQUEST.INVALID_FIELD', field, 'must be an array of ids');
  if (value.length > MAX_APPROVAL_IDS)
    throw new ValidationError('REQUEST.INVALID_FIELD', field, `must hold at most ${MAX_APPROVAL_IDS} ids`);
  return value.map((id, index) => checkString(id, `${field}[${index}]`, ID_RULE));
}

/** 32-byte digests, 0x-hex, lower case as they are signed; at most as many as approval ids. */
function approvalDigestsFromJson(value: unknown, field: string): Hex[] {
  if (!Array.isArray(value)) throw new ValidationError('REQUEST.INVALID_FIELD', field, 'must be an array of digests');
  if (value.length > MAX_APPROVAL_IDS)
    throw new ValidationError('REQUEST.INVALID_FIELD', field, `must hold at most ${MAX_APPROVAL_IDS} digests`);
  return value.map((digest, index) => {
    if (typeof digest !== 'string' || !/^0x[0-9a-f]{64}$/.test(digest))
      throw new ValidationError('REQUEST.INVALID_FIELD', `${field}[${index}]`, 'must be a 32-byte 0x-hex digest');
    return digest as Hex;
  });
}

function isoSecond(value: unknown, field: string): Date {
  const date = typeof value === 'string' && ISO_SECOND.test(value) ? new Date(value) : undefined;
  // The round trip refuses impossible dates such as February 30th, which Date would roll over.
  if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString() !== value) {
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      field,
      'must be an ISO 8601 UTC instant in whole seconds, e.g. 2030-01-01T00:00:00.000Z',
    );
  }
  return date;
}

import type { PreparedTransaction } from '../lifecycle/transfer-events';

/** A field of the unsigned transaction an authorization proof covers. */
export type TransactionField = keyof PreparedTransaction;

/** Every field, in the order they are compared (and the first difference reported). */
export const TRANSACTION_FIELDS = [
  'chainId',
  'nonce',
  'from',
  'to',
  'value',
  'data',
  'gasLimit',
  'maxFeePerGas',
  'maxPriorityFeePerGas',
] as const satisfies readonly TransactionField[];

// Addresses and calldata are hex whose letter case carries no meaning (EIP-55 is only a typo check).
const HEX_FIELDS: ReadonlySet<TransactionField> = new Set(['from', 'to', 'data']);

/** The first field in which two transactions differ, or undefined when they are the same transaction. */
export function firstDifferingField(a: PreparedTransaction, b: PreparedTransaction): TransactionField | undefined {
  return TRANSACTION_FIELDS.find((field) => !sameField(field, a[field], b[field]));
}

function sameField(field: TransactionField, a: unknown, b: unknown): boolean {
  if (HEX_FIELDS.has(field))
    return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
  return a === b;
}

import type { SignedByEnclave } from '../contract';

/**
 * Where the host keeps each job's signed transaction, by jobId, so that a redelivered message (SQS
 * delivers at least once; a callback or a delete may fail after signing) is answered with the same
 * transaction instead of a second signature. Nothing in it is secret: a signed transaction is public
 * once broadcast.
 */
export interface JobResultStore {
  get(jobId: string): Promise<SignedByEnclave | undefined>;
  /** Keeps the first result stored for a job: a later put for the same jobId leaves it unchanged. */
  put(jobId: string, result: SignedByEnclave): Promise<void>;
}

const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;

/** A stored result read back, checked (a damaged file must not answer a task with garbage). */
export function signedByEnclaveOf(value: unknown): SignedByEnclave | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { serializedTransaction, txHash } = value as Record<string, unknown>;
  if (typeof serializedTransaction !== 'string' || !HEX.test(serializedTransaction)) return undefined;
  if (typeof txHash !== 'string' || !HASH.test(txHash)) return undefined;
  return { serializedTransaction: serializedTransaction as `0x${string}`, txHash: txHash as `0x${string}` };
}

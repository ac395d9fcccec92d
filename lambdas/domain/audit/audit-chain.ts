import { sha256, stringToBytes, type Hex } from 'viem';

/** The all-zero hash that the first record of a trace links to. */
export const GENESIS_HASH: Hex = `0x${'00'.repeat(32)}`;

/** What a step of the system reports to the audit trail. */
export interface AuditEntry {
  readonly traceId: string;
  readonly actor: string;
  readonly action: string;
  /** SHA-256 of the canonical encoding of the step's inputs: the inputs themselves may be sensitive. */
  readonly inputsDigest: Hex;
  /** A short, non-secret outcome: "ALLOW by rule small", "0xabc… broadcast". */
  readonly result: string;
  readonly at: Date;
}

/**
 * One record of the trail: hash-chained per trace. There is no global number: one deployment-wide
 * sequence is a hot key; order across traces comes from the signed checkpoints instead.
 */
export interface AuditRecord extends AuditEntry {
  readonly seq: number;
  readonly prevHash: Hex;
  readonly hash: Hex;
}

/** The newest record of a trace as a checkpoint saw it. */
export interface TraceHead {
  readonly traceId: string;
  readonly seq: number;
  readonly hash: Hex;
}

/**
 * Canonical JSON: object keys sorted, no white space, Dates as ISO strings, bigints as decimal
 * strings. Two encoders that agree on the values agree on the bytes, so hashes are reproducible.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return JSON.stringify(value.toString(10));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`cannot encode a ${typeof value} canonically`);
}

/** SHA-256 over the canonical encoding of a value. */
export const digestOf = (value: unknown): Hex => sha256(stringToBytes(canonicalJson(value)));

/** The hash of a record: every field but the hash itself. */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): Hex {
  const { traceId, seq, prevHash, actor, action, inputsDigest, result, at } = record;
  return digestOf({ traceId, seq, prevHash, actor, action, inputsDigest, result, at });
}

/** What the next record of a trace links to: the seq and hash of the newest record before it. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: Hex;
}

/**
 * The next record of a trace after `previous` (undefined for the first). Only its seq and hash are
 * needed, so a caller that knows the trace head need not read the record; a whole record is checked
 * to be of the same trace.
 */
export function chainRecord(
  previous: (ChainHead & { readonly traceId?: string }) | undefined,
  entry: AuditEntry,
): AuditRecord {
  if (previous !== undefined) {
    if (previous.traceId !== undefined && previous.traceId !== entry.traceId)
      throw new RangeError('a record chains only to its own trace');
    if (!Number.isSafeInteger(previous.seq) || previous.seq < 1)
      throw new RangeError(`a previous record has a seq from 1, got ${previous.seq}`);
    if (!/^0x[0-9a-fA-F]{64}$/.test(previous.hash)) throw new RangeError('a previous record has a 32-byte hex hash');
  }
  const unsigned = { ...entry, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...unsigned, hash: hashRecord(unsigned) };
}

/** The result of checking a trace: where it first breaks, if it does. */
export interface TraceVerification {
  readonly verified: boolean;
  readonly recordCount: number;
  readonly firstBroken?: { readonly seq: number; readonly reason: string };
}

/**
 * Checks a trace's records (in seq order): numbering from 1 without gaps, each hash recomputed,
 * each link to the previous hash; and, when a signed checkpoint saw the trace, that the record it
 * saw is still there with the same hash (a deleted tail is caught here, not only an edit).
 */
export function verifyTrace(records: readonly AuditRecord[], checkpointHead?: TraceHead): TraceVerification {
  const broken = (seq: number, reason: string): TraceVerification => ({
    verified: false,
    recordCount: records.length,
    firstBroken: { seq, reason },
  });
  let previous: AuditRecord | undefined;
  for (const [index, record] of records.entries()) {
    const expectedSeq = index + 1;
    if (record.seq !== expectedSeq)
      return broken(expectedSeq, `record ${expectedSeq} is missing (found ${record.seq} in its place)`);
    if (record.prevHash !== (previous?.hash ?? GENESIS_HASH))
      return broken(record.seq, 'does not link to the hash of the record before it');
    if (hashRecord(record) !== record.hash) return broken(record.seq, 'its contents do not match its hash');
    previous = record;
  }
  if (checkpointHead !== undefined) {
    const seen = records[checkpointHead.seq - 1];
    if (seen === undefined)
      return broken(
        records.length + 1,
        `the trail ends at ${records.length} but a signed checkpoint saw ${checkpointHead.seq} records: records were removed`,
      );
    if (seen.hash !== checkpointHead.hash) return broken(seen.seq, 'differs from the record a signed checkpoint saw');
  }
  return { verified: true, recordCount: records.length };
}

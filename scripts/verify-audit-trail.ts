// Verifies a trace's audit trail as a client would: with nothing but the JSON of
// `GET /v1/audit/{traceId}` and the audit key's address, and no code of strongroom's.
// usage: npx tsx scripts/verify-audit-trail.ts <trail.json> <auditKeyAddress>
//
// 1. the checkpoint's EIP-712 typed data is signed by the audit key (viem's verifyTypedData);
// 2. its Merkle root includes the trace head's leaf [traceId, seq, hash] (OpenZeppelin's
//    StandardMerkleTree.verify, the same format OpenZeppelin's MerkleProof checks on chain);
// 3. each record hashes to its `hash` and links to the one before it, and record `seq` of the leaf
//    is still there with that hash (so nothing the checkpoint saw was edited, removed or cut off).
// A record's hash is SHA-256 over the canonical JSON (keys sorted, no spaces) of its fields
// action, actor, at, inputsDigest, prevHash, result, seq, traceId; the first links to 32 zero bytes.
import { readFileSync } from 'node:fs';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { hashTypedData, isAddress, sha256, stringToBytes, verifyTypedData, type Hex, type TypedData } from 'viem';

interface TrailJson {
  readonly traceId: string;
  readonly records: readonly Record<string, unknown>[];
  readonly checkpoint?: {
    readonly typedData: {
      readonly domain: Record<string, unknown>;
      readonly types: Record<string, readonly { name: string; type: string }[]>;
      readonly primaryType: string;
      readonly message: Record<string, unknown>;
    };
    readonly digest: Hex;
    readonly signature: Hex;
  };
  readonly inclusion?: { readonly leafEncoding: string[]; readonly leaf: [string, string, Hex]; readonly proof: Hex[] };
}

export interface TrailCheck {
  readonly verified: boolean;
  /** The checkpoint that vouches for the trail, when one does. */
  readonly checkpointNumber?: string;
  readonly problems: readonly string[];
}

const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;
const RECORD_FIELDS = ['action', 'actor', 'at', 'inputsDigest', 'prevHash', 'result', 'seq', 'traceId'] as const;

/** The hash of a record as the API returns it. */
function recordHash(record: Record<string, unknown>): Hex {
  const canonical = `{${RECORD_FIELDS.map((f) => `${JSON.stringify(f)}:${JSON.stringify(record[f])}`).join(',')}}`;
  return sha256(stringToBytes(canonical));
}

/** uint fields travel as decimal strings in JSON; the typed data wants bigints back. */
function withIntegers(
  typedData: NonNullable<TrailJson['checkpoint']>['typedData'],
): Parameters<typeof hashTypedData>[0] {
  const fields = typedData.types[typedData.primaryType] ?? [];
  const message = Object.fromEntries(
    Object.entries(typedData.message).map(([name, value]) => {
      const type = fields.find((f) => f.name === name)?.type ?? '';
      return [name, /^u?int\d*$/.test(type) ? BigInt(value as string) : value];
    }),
  );
  return { ...typedData, types: typedData.types as TypedData, message } as Parameters<typeof hashTypedData>[0];
}

/** OpenZeppelin's own check of a standard-tree proof; a malformed leaf or proof is "not included". */
function includes(root: Hex, inclusion: NonNullable<TrailJson['inclusion']>): boolean {
  try {
    return StandardMerkleTree.verify(root, inclusion.leafEncoding, inclusion.leaf, inclusion.proof);
  } catch {
    return false;
  }
}

export async function verifyAuditTrail(trail: TrailJson, auditKeyAddress: string): Promise<TrailCheck> {
  if (!isAddress(auditKeyAddress)) return { verified: false, problems: ['the audit key address is not an address'] };
  const problems: string[] = [];
  let previous: Hex = ZERO_HASH;
  for (const [index, record] of trail.records.entries()) {
    if (record.seq !== index + 1 || record.traceId !== trail.traceId) problems.push(`record ${index + 1} is missing`);
    else if (record.prevHash !== previous) problems.push(`record ${index + 1} does not link to the one before it`);
    else if (recordHash(record) !== record.hash) problems.push(`record ${index + 1} does not match its hash`);
    if (problems.length > 0) break;
    previous = record.hash as Hex;
  }
  const { checkpoint, inclusion } = trail;
  if (checkpoint === undefined || inclusion === undefined)
    return { verified: false, problems: [...problems, 'no checkpoint covers this trace yet'] };
  const typedData = withIntegers(checkpoint.typedData);
  const checkpointNumber = String(checkpoint.typedData.message.number);
  const signed = await verifyTypedData({ ...typedData, address: auditKeyAddress, signature: checkpoint.signature });
  if (!signed) problems.push('the checkpoint is not signed by the audit key');
  if (hashTypedData(typedData) !== checkpoint.digest) problems.push('the checkpoint digest does not match its data');
  const root = checkpoint.typedData.message.headsRoot as Hex;
  const included = includes(root, inclusion);
  if (!included) problems.push('the checkpoint root does not include the trace head');
  const [traceId, seq, hash] = inclusion.leaf;
  if (traceId !== trail.traceId) problems.push(`the leaf is of trace ${traceId}`);
  const seen = trail.records[Number(seq) - 1];
  if (seen === undefined) problems.push(`the checkpoint saw record ${seq}, the trail ends at ${trail.records.length}`);
  else if (seen.hash !== hash) problems.push(`record ${seq} differs from the one the checkpoint saw`);
  return { verified: problems.length === 0, checkpointNumber, problems };
}

async function main(args: readonly string[]): Promise<void> {
  const [file, address] = args;
  if (file === undefined || address === undefined) {
    console.error('usage: npx tsx scripts/verify-audit-trail.ts <trail.json> <auditKeyAddress>');
    process.exitCode = 2;
    return;
  }
  const trail = JSON.parse(readFileSync(file, 'utf8')) as TrailJson;
  const check = await verifyAuditTrail(trail, address);
  if (check.verified)
    console.log(`verified: ${trail.records.length} records of ${trail.traceId}, checkpoint ${check.checkpointNumber}`);
  else {
    console.log(`NOT verified: ${check.problems.join('; ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv.slice(2));

/**
 * The wire format of a Nitro attestation document: a COSE_Sign1 (RFC 9052) whose payload is a CBOR
 * map, as AWS's `aws-nitro-enclaves-nsm-api/docs/attestation_process.md` defines it. Encoding is used
 * by the synthetic NSM, decoding by the verifier; both live here so they cannot drift apart.
 *
 * Decoding is strict on purpose: a document is untrusted input until its signature and chain verify,
 * and every field is checked for the type and size AWS specifies before anything reads it.
 */
import { Decoder, Encoder, Tag } from 'cbor-x';
import { AttestationError } from './attestation-error';

/** COSE algorithm identifier of ECDSA with SHA-384 (RFC 9053), the only one Nitro documents use. */
export const COSE_ALG_ES384 = -35;
/** CBOR tag of COSE_Sign1. The NSM emits the array untagged; a tagged one is accepted too. */
const COSE_SIGN1_TAG = 18;
/** A real document is about 4.5 KiB; anything much larger is refused before decoding. */
export const MAX_DOCUMENT_BYTES = 16 * 1024;
/** The NSM takes at most this many bytes in each of public_key, user_data and nonce. */
export const MAX_ATTESTED_FIELD_BYTES = 1024;
const PCR_LENGTHS = new Set([32, 48, 64]);

/** The payload map, with the names AWS gives its fields in camel case. */
export interface AttestationPayload {
  readonly moduleId: string;
  readonly digest: 'SHA384';
  /** Milliseconds since the epoch (UTC), as the NSM writes it. */
  readonly timestamp: number;
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
  /** The leaf certificate (DER) whose key signed the document. */
  readonly certificate: Uint8Array;
  /** The chain above the leaf (DER), root first. */
  readonly cabundle: readonly Uint8Array[];
  readonly publicKey?: Uint8Array;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
}

/** The four parts of a COSE_Sign1, each as it was on the wire. */
export interface CoseSign1 {
  /** The serialized protected header map (the bstr's contents). */
  readonly protectedHeader: Uint8Array;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

// Byte strings stay byte strings both ways (no typed-array tags, no record extension), and maps stay
// Maps so integer keys (PCR indexes, COSE labels) keep their type.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

const malformed = (message: string, cause?: unknown): AttestationError =>
  new AttestationError('ATTESTATION.MALFORMED', message, cause === undefined ? {} : { cause });

/** The protected header every Nitro document carries: {1 (alg): -35 (ES384)}. */
export function es384ProtectedHeader(): Uint8Array {
  return encoder.encode(new Map([[1, COSE_ALG_ES384]]));
}

/** Sig_structure for COSE_Sign1 (RFC 9052 §4.4), with empty external data: what the signature covers. */
export function sigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return encoder.encode(['Signature1', protectedHeader, new Uint8Array(0), payload]);
}

/** An untagged COSE_Sign1 with an empty unprotected header, as the NSM emits it. */
export function encodeCoseSign1(parts: CoseSign1): Uint8Array {
  return encoder.encode([parts.protectedHeader, new Map(), parts.payload, parts.signature]);
}

export function decodeCoseSign1(document: Uint8Array): CoseSign1 {
  if (!(document instanceof Uint8Array) || document.length === 0) throw malformed('the document is empty');
  if (document.length > MAX_DOCUMENT_BYTES)
    throw malformed(`the document is ${document.length} bytes, more than ${MAX_DOCUMENT_BYTES}`);
  let decoded = decode(document, 'the document');
  if (decoded instanceof Tag) {
    if (decoded.tag !== COSE_SIGN1_TAG) throw malformed(`the document carries CBOR tag ${decoded.tag}, not 18`);
    decoded = decoded.value;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) throw malformed('the document is not a COSE_Sign1 array');
  const [protectedHeader, unprotectedHeader, payload, signature] = decoded as unknown[];
  if (!isBytes(protectedHeader)) throw malformed('the protected header is not a byte string');
  if (!(unprotectedHeader instanceof Map)) throw malformed('the unprotected header is not a map');
  if (!isBytes(payload) || payload.length === 0) throw malformed('the payload is missing (detached)');
  if (!isBytes(signature)) throw malformed('the signature is not a byte string');
  return { protectedHeader, payload, signature };
}

/** The `alg` (label 1) of a protected header, or undefined when it names none. */
export function coseAlgorithmOf(protectedHeader: Uint8Array): unknown {
  if (protectedHeader.length === 0) return undefined;
  const header = decode(protectedHeader, 'the protected header');
  if (!(header instanceof Map)) throw malformed('the protected header is not a map');
  return header.get(1);
}

/** The payload map in AWS's field order; absent optional fields are written as null, as the NSM does. */
export function encodeAttestationPayload(payload: AttestationPayload): Uint8Array {
  const pcrs = new Map([...payload.pcrs.entries()].sort(([a], [b]) => a - b));
  return encoder.encode(
    new Map<string, unknown>([
      ['module_id', payload.moduleId],
      ['digest', payload.digest],
      // A bigint, so it is written as a CBOR unsigned integer (major type 0), never as a float.
      ['timestamp', BigInt(payload.timestamp)],
      ['pcrs', pcrs],
      ['certificate', payload.certificate],
      ['cabundle', payload.cabundle],
      ['public_key', payload.publicKey ?? null],
      ['user_data', payload.userData ?? null],
      ['nonce', payload.nonce ?? null],
    ]),
  );
}

/** Decodes the payload and checks every field against AWS's syntactic rules. */
export function decodeAttestationPayload(bytes: Uint8Array): AttestationPayload {
  const map = decode(bytes, 'the payload');
  if (!(map instanceof Map)) throw malformed('the payload is not a CBOR map');
  for (const key of map.keys())
    if (typeof key !== 'string') throw malformed('the payload has a key that is not a text string');

  const moduleId = map.get('module_id');
  if (typeof moduleId !== 'string' || moduleId.length === 0) throw malformed('module_id is not a non-empty string');
  const digest = map.get('digest');
  if (digest !== 'SHA384') throw malformed('digest is not "SHA384"');
  const timestamp = timestampOf(map.get('timestamp'));

  const rawPcrs = map.get('pcrs');
  if (!(rawPcrs instanceof Map) || rawPcrs.size < 1 || rawPcrs.size > 32)
    throw malformed('pcrs is not a map of 1 to 32 entries');
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, value] of rawPcrs as Map<unknown, unknown>) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 31)
      throw malformed('a PCR index is not an integer from 0 to 31');
    if (!isBytes(value) || !PCR_LENGTHS.has(value.length))
      throw malformed(`PCR${index} is not a byte string of 32, 48 or 64 bytes`);
    pcrs.set(index, value);
  }

  const certificate = map.get('certificate');
  if (!isBytes(certificate) || certificate.length < 1 || certificate.length > 1024)
    throw malformed('certificate is not a byte string of 1 to 1024 bytes');
  const cabundle = map.get('cabundle');
  if (!Array.isArray(cabundle) || cabundle.length < 1) throw malformed('cabundle is not a non-empty array');
  for (const entry of cabundle as unknown[])
    if (!isBytes(entry) || entry.length < 1 || entry.length > 1024)
      throw malformed('a cabundle entry is not a byte string of 1 to 1024 bytes');

  const publicKey = optionalBytes(map, 'public_key');
  const userData = optionalBytes(map, 'user_data');
  const nonce = optionalBytes(map, 'nonce');
  return {
    moduleId,
    digest,
    timestamp,
    pcrs,
    certificate,
    cabundle: cabundle as Uint8Array[],
    ...(publicKey === undefined ? {} : { publicKey }),
    ...(userData === undefined ? {} : { userData }),
    ...(nonce === undefined ? {} : { nonce }),
  };
}

function decode(bytes: Uint8Array, what: string): unknown {
  try {
    // Trailing bytes after the first item make cbor-x throw, so nothing can hide after the document.
    return decoder.decode(bytes);
  } catch (error) {
    throw malformed(`${what} is not well-formed CBOR`, error);
  }
}

function timestampOf(value: unknown): number {
  const ms =
    typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : null;
  if (ms === null || ms <= 0n || ms > BigInt(Number.MAX_SAFE_INTEGER))
    throw malformed('timestamp is not a positive integer of milliseconds');
  return Number(ms);
}

function optionalBytes(map: Map<unknown, unknown>, key: string): Uint8Array | undefined {
  const value = map.get(key);
  if (value === undefined || value === null) return undefined;
  if (!isBytes(value) || value.length > MAX_ATTESTED_FIELD_BYTES)
    throw malformed(`${key} is not a byte string of at most ${MAX_ATTESTED_FIELD_BYTES} bytes`);
  return value;
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

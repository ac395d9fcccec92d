/**
 * A Nitro Secure Module made of software, for the local runtime and tests: at construction it makes a
 * P-384 test root → intermediate → leaf, and `attest()` signs real COSE_Sign1 documents with the leaf
 * key, in AWS's exact format, so the verifier and the KMS stand-in check them as they would check the
 * hardware's. Nothing it signs is trusted in production mode: the verifier pins the AWS root there.
 */
import { X509Certificate, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Nsm, PcrValues } from '../contract';
import {
  MAX_ATTESTED_FIELD_BYTES,
  encodeAttestationPayload,
  encodeCoseSign1,
  es384ProtectedHeader,
  sigStructure,
} from './attestation-document';
import { issueCertificate } from './issue-certificate';
import { pcrBytesOf } from './pcrs';

/** Like the hardware, the synthetic module reports PCRs 0 to 15; those not configured read as zero. */
const REPORTED_PCRS = 16;
const PCR_BYTES = 48;
const HOUR_MS = 3_600_000;
/** GetRandom of the NSM answers in chunks; a caller asking for more is a mistake worth catching. */
const MAX_RANDOM_BYTES = 1024 * 1024;

export interface SyntheticNsmOptions {
  /** The measurements the module reports (lowercase hex of 48 bytes); every other PCR of 0–15 is all zero. */
  readonly pcrs?: PcrValues;
  /** Default `i-0000000000000000-enc0000000000000000`, shaped like a real enclave id. */
  readonly moduleId?: string;
  /** Dates documents (and the certificates made at construction). Tests move it to make stale documents. */
  readonly clock?: () => Date;
  /** How long the leaf certificate is valid from construction. Default 3 hours, about as long as AWS's. */
  readonly leafLifetimeMs?: number;
}

export class SyntheticNsm implements Nsm {
  /** The test root (DER): what a verifier in local mode pins. */
  readonly rootCertificate: Uint8Array;
  readonly moduleId: string;
  private readonly pcrs: ReadonlyMap<number, Uint8Array>;
  private readonly cabundle: readonly Uint8Array[];
  private readonly leafCertificate: Uint8Array;
  private readonly leafKey: KeyObject;
  private readonly clock: () => Date;

  constructor(options: SyntheticNsmOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.moduleId = options.moduleId ?? 'i-0000000000000000-enc0000000000000000';
    const pcrs = new Map<number, Uint8Array>();
    for (let index = 0; index < REPORTED_PCRS; index++) pcrs.set(index, new Uint8Array(PCR_BYTES));
    for (const [index, hex] of Object.entries(options.pcrs ?? {})) {
      const bytes = pcrBytesOf(hex);
      if (bytes.length !== PCR_BYTES) throw new RangeError(`PCR${index} must be 48 bytes (SHA-384)`);
      pcrs.set(pcrIndexOf(index), bytes);
    }
    this.pcrs = pcrs;

    const now = this.clock().getTime();
    const root = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const intermediate = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const rootName = 'strongroom synthetic nitro root';
    const intermediateName = 'strongroom synthetic nitro intermediate';
    this.rootCertificate = issueCertificate({
      subject: rootName,
      publicKey: root.publicKey,
      privateKey: root.privateKey,
      notBefore: new Date(now - HOUR_MS),
      notAfter: new Date(now + 30 * 24 * HOUR_MS),
      ca: true,
    });
    const intermediateCertificate = issueCertificate({
      subject: intermediateName,
      publicKey: intermediate.publicKey,
      issuer: { subject: rootName, privateKey: root.privateKey },
      notBefore: new Date(now - HOUR_MS),
      notAfter: new Date(now + 7 * 24 * HOUR_MS),
      ca: true,
    });
    this.leafCertificate = issueCertificate({
      subject: this.moduleId,
      publicKey: leaf.publicKey,
      issuer: { subject: intermediateName, privateKey: intermediate.privateKey },
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + (options.leafLifetimeMs ?? 3 * HOUR_MS)),
      ca: false,
    });
    this.cabundle = [this.rootCertificate, intermediateCertificate];
    this.leafKey = leaf.privateKey;
  }

  /** The test root as PEM, for configuration files and the KMS stand-in. */
  get rootCertificatePem(): string {
    return new X509Certificate(this.rootCertificate).toString();
  }

  async attest(request: {
    readonly publicKey?: Uint8Array;
    readonly userData?: Uint8Array;
    readonly nonce?: Uint8Array;
  }): Promise<Uint8Array> {
    for (const [field, value] of Object.entries(request))
      if (value !== undefined && (!(value instanceof Uint8Array) || value.length > MAX_ATTESTED_FIELD_BYTES))
        throw new RangeError(`${field} must be at most ${MAX_ATTESTED_FIELD_BYTES} bytes`);
    const payload = encodeAttestationPayload({
      moduleId: this.moduleId,
      digest: 'SHA384',
      timestamp: this.clock().getTime(),
      pcrs: this.pcrs,
      certificate: this.leafCertificate,
      cabundle: this.cabundle,
      ...(request.publicKey === undefined ? {} : { publicKey: request.publicKey }),
      ...(request.userData === undefined ? {} : { userData: request.userData }),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    });
    const protectedHeader = es384ProtectedHeader();
    // COSE wants the raw r ‖ s (48 + 48 bytes), not DER.
    const signature = sign('sha384', sigStructure(protectedHeader, payload), {
      key: this.leafKey,
      dsaEncoding: 'ieee-p1363',
    });
    return encodeCoseSign1({ protectedHeader, payload, signature });
  }

  async random(length: number): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 0 || length > MAX_RANDOM_BYTES)
      throw new RangeError(`length must be an integer from 0 to ${MAX_RANDOM_BYTES}`);
    return new Uint8Array(randomBytes(length));
  }
}

function pcrIndexOf(key: string): number {
  const index = Number(key);
  if (!Number.isInteger(index) || index < 0 || index > 31) throw new RangeError(`PCR index ${key} is not 0 to 31`);
  return index;
}

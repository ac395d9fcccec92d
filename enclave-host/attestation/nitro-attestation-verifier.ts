/**
 * Verifies Nitro attestation documents the way AWS's attestation process (and KMS) does: the COSE
 * signature by the leaf certificate, the chain leaf → cabundle (read backwards) → the pinned root, each
 * certificate valid at `now`, the document fresh, and the expected PCRs, user data and nonce.
 *
 * Production mode pins the AWS Nitro Enclaves root G1 and takes no other: there is no option to pass a
 * root, so no configuration mistake can make the synthetic root trusted there. It also refuses debug
 * enclaves (all-zero PCR0–2) and an expectation that does not pin PCR0, PCR1 and PCR2. Local mode pins
 * the root it is given (the synthetic NSM's) and accepts zero PCRs, as the synthetic NSM reports them.
 */
import { X509Certificate, createHash, timingSafeEqual, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  KeyUsage,
  KeyUsageFlags,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import type { AttestationExpectation, AttestationVerifier, PcrValues, VerifiedAttestation } from '../contract';
import {
  COSE_ALG_ES384,
  coseAlgorithmOf,
  decodeAttestationPayload,
  decodeCoseSign1,
  sigStructure,
} from './attestation-document';
import { AttestationError } from './attestation-error';
import { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256 } from './aws-nitro-root-g1';
import { isAllZero, pcrBytesOf, pcrHexOf } from './pcrs';

/** How far in the verifier's future a document may be dated (clocks differ a little). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** The PCRs that identify an image (enclave file, kernel and boot, application): production pins all three. */
const IMAGE_PCRS = [0, 1, 2] as const;

export type NitroAttestationVerifierOptions =
  | { readonly mode: 'production' }
  /** The root to pin, DER or PEM: the synthetic NSM's `rootCertificate`. */
  | { readonly mode: 'local'; readonly root: Uint8Array | string };

export class NitroAttestationVerifier implements AttestationVerifier {
  readonly mode: 'production' | 'local';
  private readonly root: X509Certificate;

  constructor(options: NitroAttestationVerifierOptions) {
    this.mode = options.mode;
    if (options.mode === 'production') {
      this.root = new X509Certificate(AWS_NITRO_ROOT_G1_PEM);
      // A corrupted pin is a build defect: fail at construction, never trust it.
      if (createHash('sha256').update(this.root.raw).digest('hex') !== AWS_NITRO_ROOT_G1_SHA256)
        throw new Error('the pinned AWS Nitro root does not match its published fingerprint');
    } else if (options.mode === 'local') {
      this.root = new X509Certificate(typeof options.root === 'string' ? options.root : Buffer.from(options.root));
      if (!this.root.ca) throw new Error('the local root is not a CA certificate');
    } else {
      throw new Error(`unknown verifier mode ${String((options as { mode?: unknown }).mode)}`);
    }
  }

  async verify(document: Uint8Array, expect: AttestationExpectation): Promise<VerifiedAttestation> {
    const now = expect.now.getTime();
    if (!Number.isFinite(now)) throw new RangeError('expect.now is not a valid date');
    if (!Number.isFinite(expect.maxAgeSeconds) || expect.maxAgeSeconds <= 0)
      throw new RangeError('expect.maxAgeSeconds must be a positive number');
    const expectedPcrs = checkExpectedPcrs(this.mode, expect.pcrs);

    const cose = decodeCoseSign1(document);
    const algorithm = coseAlgorithmOf(cose.protectedHeader);
    if (algorithm !== COSE_ALG_ES384)
      throw new AttestationError(
        'ATTESTATION.UNSUPPORTED_ALGORITHM',
        `the COSE algorithm is ${String(algorithm)}, not ES384 (-35)`,
      );
    const payload = decodeAttestationPayload(cose.payload);

    const leaf = parseCertificate(payload.certificate, 'the leaf certificate');
    const bundle = payload.cabundle.map((der, i) => parseCertificate(der, `cabundle[${i}]`));
    this.checkChain(leaf, bundle, now);

    const leafKey = leaf.publicKey;
    if (leafKey.asymmetricKeyType !== 'ec' || leafKey.asymmetricKeyDetails?.namedCurve !== 'secp384r1')
      throw new AttestationError('ATTESTATION.BAD_SIGNATURE', 'the leaf key is not a P-384 key');
    const signed =
      cose.signature.length === 96 &&
      verify(
        'sha384',
        sigStructure(cose.protectedHeader, cose.payload),
        { key: leafKey, dsaEncoding: 'ieee-p1363' },
        cose.signature,
      );
    if (!signed)
      throw new AttestationError(
        'ATTESTATION.BAD_SIGNATURE',
        "the COSE signature does not verify under the leaf's key",
      );

    const age = now - payload.timestamp;
    if (age > expect.maxAgeSeconds * 1000)
      throw new AttestationError(
        'ATTESTATION.STALE',
        `the document is ${Math.round(age / 1000)} s old, more than ${expect.maxAgeSeconds} s`,
      );
    if (-age > MAX_FUTURE_SKEW_MS)
      throw new AttestationError(
        'ATTESTATION.STALE',
        `the document is dated ${Math.round(-age / 1000)} s in the future`,
      );

    checkPcrs(this.mode, payload.pcrs, expectedPcrs);
    if (expect.userData !== undefined && !sameBytes(payload.userData, expect.userData))
      throw new AttestationError('ATTESTATION.USER_DATA_MISMATCH', 'the user data is not the expected value');
    if (expect.nonce !== undefined && !sameBytes(payload.nonce, expect.nonce))
      throw new AttestationError('ATTESTATION.NONCE_MISMATCH', 'the nonce is not the expected value');

    return {
      moduleId: payload.moduleId,
      timestamp: new Date(payload.timestamp),
      pcrs: Object.fromEntries([...payload.pcrs].map(([index, bytes]) => [index, pcrHexOf(bytes)])),
      ...(payload.publicKey === undefined ? {} : { publicKey: payload.publicKey }),
      ...(payload.userData === undefined ? {} : { userData: payload.userData }),
      ...(payload.nonce === undefined ? {} : { nonce: payload.nonce }),
    };
  }

  /** leaf ← cabundle[n-1] ← … ← cabundle[0], which must be the pinned root itself. */
  private checkChain(leaf: X509Certificate, bundle: readonly X509Certificate[], now: number): void {
    const first = bundle[0];
    if (first === undefined || !first.raw.equals(this.root.raw))
      throw new AttestationError(
        'ATTESTATION.UNTRUSTED_ROOT',
        this.mode === 'production'
          ? 'the chain does not start at the AWS Nitro Enclaves root'
          : 'the chain does not start at the pinned local root',
      );
    const chain = [leaf, ...[...bundle].reverse()];
    for (let i = 0; i < chain.length; i++) {
      const certificate = chain[i] as X509Certificate;
      const issuer = chain[i + 1] ?? certificate; // the root signs itself
      const what = i === 0 ? 'the leaf certificate' : `cabundle[${chain.length - 1 - i}]`;
      if (!issuer.ca) throw new AttestationError('ATTESTATION.BAD_CHAIN', `the issuer of ${what} is not a CA`);
      if (certificate.issuer !== issuer.subject || !certificate.verify(issuer.publicKey))
        throw new AttestationError(
          'ATTESTATION.BAD_CHAIN',
          `${what} is not signed by the next certificate of the chain`,
        );
      const { notBefore, notAfter, keyUsage, pathLength } = fieldsOf(certificate);
      // AWS's rules (attestation_process.md 3.2.3): the leaf signs, CAs sign certificates, and no CA
      // has more CAs below it than its pathLenConstraint allows (i - 1 intermediates sit below chain[i]).
      const usage = i === 0 ? KeyUsageFlags.digitalSignature : KeyUsageFlags.keyCertSign;
      if (keyUsage === undefined || (keyUsage & usage) === 0)
        throw new AttestationError(
          'ATTESTATION.BAD_CHAIN',
          `${what} lacks the key usage ${i === 0 ? 'digitalSignature' : 'keyCertSign'}`,
        );
      if (i > 0 && pathLength !== undefined && i - 1 > pathLength)
        throw new AttestationError(
          'ATTESTATION.BAD_CHAIN',
          `${what} has more CAs below it than its path length allows`,
        );
      if (now < notBefore || now > notAfter)
        throw new AttestationError(
          'ATTESTATION.CERTIFICATE_EXPIRED',
          `${what} is valid from ${new Date(notBefore).toISOString()} to ${new Date(notAfter).toISOString()}`,
        );
    }
  }
}

/**
 * The expectation's PCRs as bytes. Production mode refuses an expectation that leaves PCR0, PCR1 or
 * PCR2 open (any enclave image would pass) and one that expects a debug enclave's zeros.
 */
export function checkExpectedPcrs(mode: 'production' | 'local', pcrs: PcrValues): ReadonlyMap<number, Uint8Array> {
  const expected = new Map<number, Uint8Array>();
  for (const [key, hex] of Object.entries(pcrs)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index > 31) throw new RangeError(`PCR index ${key} is not 0 to 31`);
    expected.set(index, pcrBytesOf(hex));
  }
  if (mode === 'production') {
    const missing = IMAGE_PCRS.filter((index) => !expected.has(index));
    if (missing.length > 0)
      throw new AttestationError(
        'ATTESTATION.PCRS_NOT_PINNED',
        `production mode needs the expected PCR0, PCR1 and PCR2; missing: ${missing.map((i) => `PCR${i}`).join(', ')}`,
      );
    for (const [index, bytes] of expected)
      if (isAllZero(bytes))
        throw new AttestationError('ATTESTATION.DEBUG_PCRS', `the expected PCR${index} is all zero (a debug enclave)`);
  }
  return expected;
}

/**
 * The document's PCRs against the expectation. In production mode a document whose PCR0, PCR1 or PCR2
 * is all zero comes from an enclave in debug mode (its memory readable from the host) and is refused
 * whatever the expectation says.
 */
export function checkPcrs(
  mode: 'production' | 'local',
  actual: ReadonlyMap<number, Uint8Array>,
  expected: ReadonlyMap<number, Uint8Array>,
): void {
  if (mode === 'production')
    for (const index of IMAGE_PCRS) {
      const value = actual.get(index);
      if (value !== undefined && isAllZero(value))
        throw new AttestationError('ATTESTATION.DEBUG_PCRS', `PCR${index} is all zero: the enclave runs in debug mode`);
    }
  for (const [index, value] of expected) {
    const got = actual.get(index);
    if (got === undefined || !sameBytes(got, value))
      throw new AttestationError(
        'ATTESTATION.PCR_MISMATCH',
        got === undefined
          ? `the document has no PCR${index}`
          : `PCR${index} is ${pcrHexOf(got)}, not ${pcrHexOf(value)}`,
      );
  }
}

function parseCertificate(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(der));
  } catch (error) {
    throw new AttestationError('ATTESTATION.MALFORMED', `${what} is not a DER certificate`, { cause: error });
  }
}

/**
 * Validity (ms), key usage flags and path length, read from the ASN.1: node's X509Certificate gives the
 * dates only as text and neither of the extensions.
 */
function fieldsOf(certificate: X509Certificate): {
  notBefore: number;
  notAfter: number;
  keyUsage?: number;
  pathLength?: number;
} {
  const { validity, extensions } = AsnConvert.parse(certificate.raw, Certificate).tbsCertificate;
  const extension = (id: string): ArrayBuffer | undefined =>
    extensions?.find((candidate) => candidate.extnID === id)?.extnValue.buffer;
  const keyUsage = extension(id_ce_keyUsage);
  const basicConstraints = extension(id_ce_basicConstraints);
  const pathLength =
    basicConstraints === undefined ? undefined : AsnConvert.parse(basicConstraints, BasicConstraints).pathLenConstraint;
  return {
    notBefore: validity.notBefore.getTime().getTime(),
    notAfter: validity.notAfter.getTime().getTime(),
    ...(keyUsage === undefined ? {} : { keyUsage: AsnConvert.parse(keyUsage, KeyUsage).toNumber() }),
    ...(pathLength === undefined ? {} : { pathLength }),
  };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && timingSafeEqual(a, b);
}

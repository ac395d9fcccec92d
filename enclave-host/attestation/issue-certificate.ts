/**
 * Issues the P-384 certificates of the synthetic NSM (root, intermediate, leaf), signed
 * ecdsa-with-SHA384 like AWS's Nitro PKI. Built from the ASN.1 schema and node:crypto rather than a
 * certificate library: the ones at hand need a global `Reflect` polyfill or WebCrypto's async keys,
 * and this is all a test PKI needs.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';

const ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

export interface CertificateRequest {
  /** The subject's common name (O is always "strongroom synthetic NSM", so no one mistakes it for AWS's). */
  readonly subject: string;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** True for the root and the intermediate (basicConstraints cA, keyCertSign). */
  readonly ca: boolean;
  /** The issuer's common name and key; absent for a self-signed certificate (`privateKey` then signs). */
  readonly issuer?: { readonly subject: string; readonly privateKey: KeyObject };
  /** Signs a self-signed certificate. */
  readonly privateKey?: KeyObject;
}

/** A DER certificate. */
export function issueCertificate(request: CertificateRequest): Uint8Array {
  const signer = request.issuer?.privateKey ?? request.privateKey;
  if (signer === undefined) throw new TypeError('a self-signed certificate needs its privateKey');
  const spkiDer = request.publicKey.export({ type: 'spki', format: 'der' });
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA384 });
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: the first byte neither 0x00 (redundant) nor ≥ 0x80 (negative).
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: algorithm,
    issuer: nameOf(request.issuer?.subject ?? request.subject),
    validity: new Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
    subject: nameOf(request.subject),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      extension(id_ce_basicConstraints, new BasicConstraints({ cA: request.ca })),
      extension(
        id_ce_keyUsage,
        new KeyUsage(request.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature),
      ),
      extension(
        id_ce_subjectKeyIdentifier,
        new SubjectKeyIdentifier(
          toArrayBuffer(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest()),
        ),
        false,
      ),
    ]),
  });
  const signature = sign('sha384', Buffer.from(AsnConvert.serialize(tbsCertificate)), signer);
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm: algorithm,
    signatureValue: toArrayBuffer(signature),
  });
  return new Uint8Array(AsnConvert.serialize(certificate));
}

function nameOf(commonName: string): Name {
  const attribute = (type: string, value: string): RelativeDistinguishedName =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return new Name([attribute(ORGANIZATION, 'strongroom synthetic NSM'), attribute(COMMON_NAME, commonName)]);
}

function extension(extnID: string, value: unknown, critical = true): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

// A small DER encoder for tests: what KMS sends (SubjectPublicKeyInfo, ECDSA-Sig-Value), built here
// independently of the decoders under test, so that the two are checked against each other.

export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_SECP256K1 = '1.3.132.0.10';
export const OID_P256 = '1.2.840.10045.3.1.7';

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return Uint8Array.from([tag, ...length(content.length), ...content]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array =>
  tlv(0x30, Uint8Array.from(items.flatMap((item) => [...item])));

/** The content octets of a DER INTEGER holding a non-negative value: minimal, with 0x00 before a set top bit. */
export function integerContent(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('negative');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (bytes[0]! & 0x80) === 0 ? Uint8Array.from(bytes) : Uint8Array.from([0, ...bytes]);
}

export const integer = (value: bigint): Uint8Array => tlv(0x02, integerContent(value));

export function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const arcs = [first! * 40 + second!, ...rest];
  const content = arcs.flatMap((arc) => {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    return bytes;
  });
  return tlv(0x06, Uint8Array.from(content));
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279), as KMS Sign returns it. */
export const derSignature = (r: bigint, s: bigint): Uint8Array => sequence(integer(r), integer(s));

/** SubjectPublicKeyInfo of an EC public key (RFC 5480), as KMS GetPublicKey returns it. */
export function ecSpki(point: Uint8Array, curve = OID_SECP256K1, algorithm = OID_EC_PUBLIC_KEY): Uint8Array {
  return sequence(sequence(oid(algorithm), oid(curve)), tlv(0x03, Uint8Array.from([0, ...point])));
}

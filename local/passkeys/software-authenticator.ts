import { createHash, randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../../lambdas/adapters/webauthn/webauthn';

/**
 * A SOFTWARE WebAuthn authenticator for the local demo and the tests. NOT A REAL AUTHENTICATOR: its
 * private key is an ordinary value in this process's memory, it verifies no user (it just sets the UV
 * flag it is told to), and it attests nothing. It exists so that the passkey path can run without a
 * phone or a security key: never enroll it in a deployment that holds real assets.
 *
 * It makes what a browser would send: a RegistrationResponseJSON (attestation "none", authenticator
 * data with UP|UV|AT and the credential's COSE ES256 key) and AuthenticationResponseJSON (authenticator
 * data with UP|UV and a counter that rises by one per assertion, and a DER ECDSA P-256 signature over
 * authenticatorData || SHA-256(clientDataJSON)).
 */
export class SoftwareAuthenticator {
  /** The credential id, base64url (16 random bytes). */
  readonly credentialId: string;
  private readonly credentialIdBytes: Uint8Array;
  private readonly secretKey: Uint8Array;
  private signCount = 0;

  constructor() {
    this.secretKey = p256.utils.randomSecretKey();
    this.credentialIdBytes = new Uint8Array(randomBytes(16));
    this.credentialId = Buffer.from(this.credentialIdBytes).toString('base64url');
  }

  /** Creates the credential for `rpId`, as `navigator.credentials.create` would on `origin`. */
  register(input: RegisterInput): RegistrationResponseJSON {
    const clientDataJSON = clientData('webauthn.create', input.challenge, input.origin);
    const flags = UP | AT | (input.userVerified === false ? 0 : UV);
    const authData = concat(
      sha256(utf8(input.rpId)),
      Uint8Array.of(flags),
      uint32(this.signCount),
      new Uint8Array(16), // AAGUID: all zero, as for "none" attestation
      Uint8Array.of(this.credentialIdBytes.length >> 8, this.credentialIdBytes.length & 0xff),
      this.credentialIdBytes,
      this.coseKey(),
    );
    const attestationObject = cborMap([
      [cborText('fmt'), cborText('none')],
      [cborText('attStmt'), cborMap([])],
      [cborText('authData'), cborBytes(authData)],
    ]);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientDataJSON),
        attestationObject: base64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * Signs `challenge` for `rpId`, as `navigator.credentials.get` would on `origin`. `counter` replaces the
   * next counter value (to test a counter that goes back); `userVerified: false` clears the UV flag.
   */
  assert(input: AssertInput): AuthenticationResponseJSON {
    this.signCount = input.counter ?? this.signCount + 1;
    const clientDataJSON = clientData('webauthn.get', input.challenge, input.origin);
    const flags = UP | (input.userVerified === false ? 0 : UV);
    const authData = concat(sha256(utf8(input.rpId)), Uint8Array.of(flags), uint32(this.signCount));
    const signature = p256.sign(concat(authData, sha256(clientDataJSON)), this.secretKey, {
      prehash: true,
      format: 'der',
    });
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(signature),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** The public key as a COSE_Key map: kty EC2, alg ES256, crv P-256, x, y (RFC 9053 §7.1.1). */
  private coseKey(): Uint8Array {
    const point = p256.getPublicKey(this.secretKey, false); // 0x04 | x | y
    return cborMap([
      [cborInt(1), cborInt(2)],
      [cborInt(3), cborInt(-7)],
      [cborInt(-1), cborInt(1)],
      [cborInt(-2), cborBytes(point.slice(1, 33))],
      [cborInt(-3), cborBytes(point.slice(33, 65))],
    ]);
  }
}

export interface RegisterInput {
  readonly challenge: string;
  readonly origin: string;
  readonly rpId: string;
  readonly userVerified?: boolean;
}

export interface AssertInput extends RegisterInput {
  readonly counter?: number;
}

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Uint8Array {
  return utf8(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function uint32(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n, false);
  return bytes;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// The few CBOR items (RFC 8949) an attestation object and a COSE key need, in their shortest form.
function cborHead(major: number, value: number): Uint8Array {
  if (value < 24) return Uint8Array.of((major << 5) | value);
  if (value < 0x100) return Uint8Array.of((major << 5) | 24, value);
  if (value < 0x10000) return Uint8Array.of((major << 5) | 25, value >> 8, value & 0xff);
  throw new RangeError('this CBOR writer stops at 65535');
}
const cborInt = (n: number): Uint8Array => (n >= 0 ? cborHead(0, n) : cborHead(1, -1 - n));
const cborBytes = (bytes: Uint8Array): Uint8Array => concat(cborHead(2, bytes.length), bytes);
const cborText = (text: string): Uint8Array => {
  const bytes = utf8(text);
  return concat(cborHead(3, bytes.length), bytes);
};
const cborMap = (entries: readonly (readonly [Uint8Array, Uint8Array])[]): Uint8Array =>
  concat(cborHead(5, entries.length), ...entries.flat());

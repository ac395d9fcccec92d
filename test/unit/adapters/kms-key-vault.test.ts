import { createHash } from 'node:crypto';
import {
  CreateKeyCommand,
  DisabledException,
  GetPublicKeyCommand,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  InvalidKeyUsageException,
  KeyUnavailableException,
  ListResourceTagsCommand,
  NotFoundException,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { mockClient } from 'aws-sdk-client-mock';
import { bytesToHex, hexToBigInt, recoverAddress, serializeSignature, type Hex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { decodeKmsSignature } from '../../../lambdas/adapters/kms/decode-kms-signature';
import { KMS_MAX_ATTEMPTS, kmsClient, type KmsClientOptions } from '../../../lambdas/adapters/kms/kms-client';
import { KmsKeyVault, type KmsKeyVaultOptions } from '../../../lambdas/adapters/kms/kms-key-vault';
import { KmsSecretSealer } from '../../../lambdas/adapters/kms/kms-secret-sealer';
import { spkiToAddress } from '../../../lambdas/adapters/kms/spki-to-address';
import {
  derSignature,
  ecSpki,
  integerContent,
  oid,
  OID_EC_PUBLIC_KEY,
  OID_P256,
  OID_SECP256K1,
  sequence,
  tlv,
} from '../../support/der';

const N = secp256k1.Point.CURVE().n;
const HALF_N = N / 2n;
/** Deterministic pseudo-random bytes: the searches below find the same vectors on every run. */
const seeded = (label: string): Uint8Array => Uint8Array.from(createHash('sha256').update(label).digest());

// A real secp256k1 key standing in for the one inside KMS.
const SECRET = seeded('strongroom kms-key-vault test key');
const ADDRESS = privateKeyToAddress(bytesToHex(SECRET));
const OTHER_SECRET = seeded('another key');
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0b7f6a0e-1d7b-4f39-9d6f-3c8e2b9a1c55';
/** The tags createKey writes on a custody key, with one of the deployment's own in front. */
const CUSTODY_TAGS = [
  { TagKey: 'aws:cloudformation:stack-name', TagValue: 'strongroom-keys' },
  { TagKey: 'strongroom:owner', TagValue: 'w-123' },
  { TagKey: 'strongroom:purpose', TagValue: 'custody' },
];

interface Signed {
  readonly r: bigint;
  /** s in the lower half, as Ethereum wants it */
  readonly s: bigint;
  readonly yParity: number;
}

/** Signs like KMS (real ECDSA over the digest as given), with RFC 6979 nonces or extra entropy. */
function sign(digest: Uint8Array, secret = SECRET, entropy?: Uint8Array): Signed {
  const bytes = secp256k1.sign(digest, secret, {
    prehash: false,
    format: 'recovered',
    ...(entropy ? { extraEntropy: entropy } : {}),
  });
  const { r, s, recovery } = secp256k1.Signature.fromBytes(bytes, 'recovered');
  return { r, s, yParity: recovery! };
}

/** The DER KMS would send for `signed`, with s in the upper half if `high` (KMS returns either). */
const kmsDer = (signed: Signed, high: boolean): Uint8Array => derSignature(signed.r, high ? N - signed.s : signed.s);

// A search signs a few hundred digests on average: seconds on a busy machine.
const SEARCH_TIMEOUT_MS = 60_000;

/** Searches seeded digests until `predicate` holds for the signature of one. */
function findDigest(label: string, predicate: (signed: Signed) => boolean): { digest: Uint8Array; signed: Signed } {
  for (let i = 0; i < 50_000; i++) {
    const digest = seeded(`${label}:${i}`);
    const signed = sign(digest);
    if (predicate(signed)) return { digest, signed };
  }
  throw new Error(`no digest found for ${label}`);
}

const CLIENT = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } } as const;
// aws-sdk-client-mock replaces `send`, so these tests see the adapter alone: one call per operation,
// no retries (those are the client's; the transport tests at the end of the file count them).
const kms = kmsClient(CLIENT);
const mock = mockClient(kms);
const publicKey = secp256k1.getPublicKey(SECRET, false);

/** How the mocked KMS signs the next requests: by default, the right key with the low s. */
let kmsSigns: (digest: Uint8Array) => Uint8Array;

const vault = (options: KmsKeyVaultOptions = {}): KmsKeyVault => new KmsKeyVault(kms, options);

const signFake = (input: SignCommandInput) => {
  expect(input).toMatchObject({ KeyId: KEY_ARN, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
  return { KeyId: input.KeyId, Signature: kmsSigns(input.Message!), SigningAlgorithm: 'ECDSA_SHA_256' as const };
};

const throttled = (): KMSServiceException =>
  new KMSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

beforeEach(() => {
  mock.reset();
  kmsSigns = (digest) => kmsDer(sign(digest), false);
  mock.on(GetPublicKeyCommand).resolves({
    KeyId: KEY_ARN,
    PublicKey: ecSpki(publicKey),
    KeySpec: 'ECC_SECG_P256K1',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
  });
  mock.on(ListResourceTagsCommand).resolves({ Tags: CUSTODY_TAGS, Truncated: false });
  mock.on(SignCommand).callsFake(signFake);
});

async function expectRecovers(digest: Hex, signature: { r: Hex; s: Hex; yParity: 0 | 1 }): Promise<void> {
  expect(signature.r).toMatch(/^0x[0-9a-f]{64}$/);
  expect(signature.s).toMatch(/^0x[0-9a-f]{64}$/);
  expect(hexToBigInt(signature.s) <= HALF_N).toBe(true);
  expect(await recoverAddress({ hash: digest, signature: serializeSignature(signature) })).toBe(ADDRESS);
}

describe('KmsKeyVault.addressOf', () => {
  it('derives the address from the DER SubjectPublicKeyInfo, and asks KMS once per key', async () => {
    const keys = vault();
    expect(await keys.addressOf(KEY_ARN)).toBe(ADDRESS);
    expect(await keys.addressOf(KEY_ARN)).toBe(ADDRESS);
    await keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody');
    expect(mock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('gives the public key of the SubjectPublicKeyInfo, from the same one GetPublicKey', async () => {
    const keys = vault();
    expect(await keys.publicKeyOf(KEY_ARN)).toBe(bytesToHex(publicKey));
    expect(await keys.addressOf(KEY_ARN)).toBe(ADDRESS);
    expect(await keys.publicKeyOf(KEY_ARN)).toBe(bytesToHex(publicKey));
    expect(mock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('asks again for an alias, which can be pointed at another key', async () => {
    const keys = vault();
    await keys.addressOf('alias/strongroom-approval');
    await keys.addressOf('alias/strongroom-approval');
    expect(mock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a key on another curve, even when KMS calls it secp256k1', async () => {
    mock.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      PublicKey: ecSpki(publicKey, OID_P256),
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
    });
    await expect(vault().addressOf(KEY_ARN)).rejects.toMatchObject({ name: 'SigningError', code: 'KEY.WRONG_PURPOSE' });
  });

  it('refuses a key KMS reports of another spec or usage', async () => {
    mock
      .on(GetPublicKeyCommand)
      .resolves({ KeyId: KEY_ARN, PublicKey: ecSpki(publicKey), KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    await expect(vault().addressOf(KEY_ARN)).rejects.toMatchObject({ code: 'KEY.WRONG_PURPOSE' });
    mock.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      PublicKey: ecSpki(publicKey),
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'KEY_AGREEMENT',
    });
    await expect(vault().addressOf(KEY_ARN)).rejects.toMatchObject({ code: 'KEY.WRONG_PURPOSE' });
  });

  it('reports a missing key as KEY.NOT_FOUND and a disabled one as KEY.DISABLED', async () => {
    mock.on(GetPublicKeyCommand).rejects(new NotFoundException({ message: 'no such key', $metadata: {} }));
    await expect(vault().addressOf(KEY_ARN)).rejects.toMatchObject({
      name: 'SigningError',
      code: 'KEY.NOT_FOUND',
      details: { keyId: KEY_ARN },
    });
    mock.on(GetPublicKeyCommand).rejects(new DisabledException({ message: 'disabled', $metadata: {} }));
    await expect(vault().addressOf(KEY_ARN)).rejects.toMatchObject({ name: 'SigningError', code: 'KEY.DISABLED' });
  });
});

describe('spkiToAddress', () => {
  const point = secp256k1.getPublicKey(SECRET, false);

  it('reads the uncompressed point of a secp256k1 SubjectPublicKeyInfo', () => {
    expect(spkiToAddress(ecSpki(point))).toBe(ADDRESS);
  });

  it('refuses another curve, another algorithm, a compressed point, a point off the curve and trailing bytes', () => {
    expect(() => spkiToAddress(ecSpki(point, OID_P256))).toThrow('not the SubjectPublicKeyInfo of a secp256k1 key');
    expect(() => spkiToAddress(ecSpki(point, OID_SECP256K1, '1.2.840.10045.2.2'))).toThrow(
      'not the SubjectPublicKeyInfo',
    );
    expect(() => spkiToAddress(ecSpki(secp256k1.getPublicKey(SECRET, true)))).toThrow('not the SubjectPublicKeyInfo');
    const offCurve = Uint8Array.from(point);
    offCurve[64] = offCurve[64]! ^ 1;
    expect(() => spkiToAddress(ecSpki(offCurve))).toThrow();
    expect(() => spkiToAddress(Uint8Array.from([...ecSpki(point), 0]))).toThrow('not the SubjectPublicKeyInfo');
    // Same content, but the algorithm identifier carries an explicit NULL: not the DER KMS sends.
    const withNull = sequence(
      sequence(oid(OID_EC_PUBLIC_KEY), oid(OID_SECP256K1), Uint8Array.of(5, 0)),
      tlv(0x03, Uint8Array.from([0, ...point])),
    );
    expect(() => spkiToAddress(withNull)).toThrow('not the SubjectPublicKeyInfo');
  });
});

describe('decodeKmsSignature', () => {
  it('moves s into the lower half and refuses DER that is not strict', () => {
    const signed = sign(seeded('x'));
    expect(decodeKmsSignature(kmsDer(signed, true))).toEqual({ r: signed.r, s: signed.s });
    expect(decodeKmsSignature(kmsDer(signed, false))).toEqual({ r: signed.r, s: signed.s });
    const der = derSignature(signed.r, signed.s);
    expect(() => decodeKmsSignature(Uint8Array.from([...der, 0]))).toThrow();
    // A zero byte before a minimal INTEGER is never minimal: BER would take it, DER does not.
    const padded = sequence(
      tlv(0x02, Uint8Array.from([0, ...integerContent(signed.r)])),
      tlv(0x02, integerContent(signed.s)),
    );
    expect(() => decodeKmsSignature(padded)).toThrow();
    expect(() => decodeKmsSignature(derSignature(0n, signed.s))).toThrow();
    expect(() => decodeKmsSignature(derSignature(signed.r, N))).toThrow();
  });
});

describe('KmsKeyVault.signDigest', () => {
  it('turns 1000 KMS signatures, of either s, into low-s signatures that recover to the key', async () => {
    const keys = vault();
    let high = 0;
    const parities = new Set<number>();
    for (let i = 0; i < 1_000; i++) {
      const digest = seeded(`digest:${i}`);
      const entropy = seeded(`entropy:${i}`);
      const upper = (entropy[0]! & 1) === 1;
      let returned: bigint | undefined;
      kmsSigns = (message) => {
        const der = kmsDer(sign(message, SECRET, entropy), upper);
        returned = secp256k1.Signature.fromBytes(der, 'der').s;
        return der;
      };
      const signature = await keys.signDigest(KEY_ARN, bytesToHex(digest), 'custody');
      await expectRecovers(bytesToHex(digest), signature);
      if (returned! > HALF_N) high++;
      parities.add(signature.yParity);
    }
    // The loop has to have gone through both halves of s and both recovery bits.
    expect(high).toBeGreaterThan(400);
    expect(high).toBeLessThan(600);
    expect([...parities].sort()).toEqual([0, 1]);
  }, 180_000); // three or four EC operations per digest, on shared machines

  it(
    'normalises a high s to n − s and finds the recovery bit of the normalised signature',
    async () => {
      for (const yParity of [0, 1] as const) {
        for (const high of [false, true]) {
          const { digest, signed } = findDigest(`parity-${yParity}`, (s) => s.yParity === yParity);
          kmsSigns = () => kmsDer(signed, high);
          const signature = await vault().signDigest(KEY_ARN, bytesToHex(digest), 'custody');
          expect(signature).toEqual({
            r: `0x${signed.r.toString(16).padStart(64, '0')}`,
            s: `0x${signed.s.toString(16).padStart(64, '0')}`,
            yParity,
          });
          await expectRecovers(bytesToHex(digest), signature);
        }
      }
    },
    SEARCH_TIMEOUT_MS,
  );

  it(
    'pads an r that DER encodes in 31 bytes or fewer to 32 bytes',
    async () => {
      const { digest, signed } = findDigest('short-r', (s) => integerContent(s.r).length <= 31);
      kmsSigns = () => kmsDer(signed, false);
      const signature = await vault().signDigest(KEY_ARN, bytesToHex(digest), 'custody');
      expect(signature.r.startsWith('0x00')).toBe(true);
      await expectRecovers(bytesToHex(digest), signature);
    },
    SEARCH_TIMEOUT_MS,
  );

  it(
    'pads an s of 31 bytes, sent low or sent high, to 32 bytes',
    async () => {
      const { digest, signed } = findDigest('short-s', (s) => integerContent(s.s).length <= 31);
      for (const high of [false, true]) {
        kmsSigns = () => kmsDer(signed, high);
        const signature = await vault().signDigest(KEY_ARN, bytesToHex(digest), 'custody');
        expect(signature.s.startsWith('0x00')).toBe(true);
        await expectRecovers(bytesToHex(digest), signature);
      }
    },
    SEARCH_TIMEOUT_MS,
  );

  it('refuses with KEY.BAD_SIGNATURE a signature by another key, over another digest, or not in DER', async () => {
    const digest = seeded('bad');
    kmsSigns = (message) => kmsDer(sign(message, OTHER_SECRET), false);
    await expect(vault().signDigest(KEY_ARN, bytesToHex(digest), 'custody')).rejects.toMatchObject({
      name: 'SigningError',
      code: 'KEY.BAD_SIGNATURE',
    });
    kmsSigns = () => kmsDer(sign(seeded('another digest')), false);
    await expect(vault().signDigest(KEY_ARN, bytesToHex(digest), 'custody')).rejects.toMatchObject({
      code: 'KEY.BAD_SIGNATURE',
    });
    const { r, s } = sign(digest);
    kmsSigns = () =>
      Uint8Array.from(
        Buffer.concat([
          Buffer.from(r.toString(16).padStart(64, '0'), 'hex'),
          Buffer.from(s.toString(16).padStart(64, '0'), 'hex'),
        ]),
      );
    await expect(vault().signDigest(KEY_ARN, bytesToHex(digest), 'custody')).rejects.toMatchObject({
      code: 'KEY.BAD_SIGNATURE',
    });
  });

  it('refuses a digest that is not 32 bytes of hex, without calling KMS', async () => {
    const keys = vault();
    for (const digest of [
      '0x' + '11'.repeat(31),
      '0x' + '11'.repeat(33),
      '11'.repeat(32),
      '0x' + 'zz'.repeat(32),
      '0x',
    ]) {
      await expect(keys.signDigest(KEY_ARN, digest as Hex, 'custody')).rejects.toThrow(RangeError);
    }
    expect(mock.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('reports a disabled or deleted key as KEY.DISABLED, a missing one as KEY.NOT_FOUND and a non-signing one as KEY.WRONG_PURPOSE', async () => {
    const keys = vault();
    await keys.addressOf(KEY_ARN);
    mock.on(SignCommand).rejects(new DisabledException({ message: 'key is disabled', $metadata: {} }));
    await expect(keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toMatchObject({
      name: 'SigningError',
      code: 'KEY.DISABLED',
    });
    mock.on(SignCommand).rejects(new KMSInvalidStateException({ message: 'pending deletion', $metadata: {} }));
    await expect(keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toMatchObject({
      code: 'KEY.DISABLED',
    });
    mock.on(SignCommand).rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    await expect(keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toMatchObject({
      code: 'KEY.NOT_FOUND',
    });
    mock.on(SignCommand).rejects(new InvalidKeyUsageException({ message: 'not for signing', $metadata: {} }));
    await expect(keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toMatchObject({
      code: 'KEY.WRONG_PURPOSE',
    });
    expect(mock.commandCalls(SignCommand)).toHaveLength(4);
  });

  it('reports a failure the client retried to the end as KEY.UNAVAILABLE, with the attempts the client counted', async () => {
    const keys = vault();
    await keys.addressOf(KEY_ARN);
    const gaveUp = Object.assign(throttled(), {
      $metadata: { httpStatusCode: 400, attempts: 3, totalRetryDelay: 1_200 },
    });
    mock.on(SignCommand).rejects(gaveUp);
    await expect(keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      code: 'KEY.UNAVAILABLE',
      kind: 'unavailable',
      message: `KMS Sign failed 3 times, last with ThrottlingException`,
      details: { attempts: 3, operation: 'Sign', keyId: KEY_ARN, error: 'ThrottlingException' },
      cause: gaveUp,
    });
    // The adapter itself sends once: the retries were the client's.
    expect(mock.commandCalls(SignCommand)).toHaveLength(1);
  });

  it('reports an unavailable key, a KMS 5xx and a dropped connection as KEY.UNAVAILABLE too', async () => {
    const keys = vault();
    await keys.addressOf(KEY_ARN);
    for (const failure of [
      new KeyUnavailableException({ message: 'unavailable', $metadata: { httpStatusCode: 500 } }),
      new KMSInternalException({ message: 'internal', $metadata: { httpStatusCode: 500 } }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ]) {
      mock.on(SignCommand).rejects(failure);
      await expect(keys.signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toMatchObject({
        code: 'KEY.UNAVAILABLE',
        details: { attempts: 1 }, // the client did not say: counted as one
      });
    }
    expect(mock.commandCalls(SignCommand)).toHaveLength(3);
  });

  it('passes on, unretried, a failure that is neither a refusal nor transient', async () => {
    const denied = new KMSServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'not allowed',
    });
    mock.on(SignCommand).rejects(denied);
    await expect(vault().signDigest(KEY_ARN, bytesToHex(seeded('d')), 'custody')).rejects.toBe(denied);
    expect(mock.commandCalls(SignCommand)).toHaveLength(1);
  });
});

describe('KmsKeyVault.signDigest refuses a key of another purpose', () => {
  const OTHER_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
  const tagged = (purpose: string) => ({
    Tags: [
      { TagKey: 'strongroom:owner', TagValue: 'deployment' },
      { TagKey: 'strongroom:purpose', TagValue: purpose },
    ],
    Truncated: false,
  });
  const digest = bytesToHex(seeded('purpose'));

  it('reads the strongroom:purpose tag of the key and signs when it is the purpose asked for', async () => {
    await expectRecovers(digest, await vault().signDigest(KEY_ARN, digest, 'custody'));
    expect(mock.commandCalls(ListResourceTagsCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: KEY_ARN }]);
    expect(mock.commandCalls(SignCommand)).toHaveLength(1);
  });

  it.each([
    ['an approval key asked to sign as custody', 'approval', 'custody'],
    ['an audit key asked to sign as custody', 'audit', 'custody'],
    ['a custody key asked to sign as approval', 'custody', 'approval'],
    ['a custody key asked to sign as audit', 'custody', 'audit'],
    ['an approval key asked to sign as audit', 'approval', 'audit'],
  ] as const)('%s: KEY.WRONG_PURPOSE, and Sign is never called', async (_name, tag, asked) => {
    mock.on(ListResourceTagsCommand).resolves(tagged(tag));
    await expect(vault().signDigest(KEY_ARN, digest, asked)).rejects.toMatchObject({
      name: 'SigningError',
      code: 'KEY.WRONG_PURPOSE',
      details: { keyId: KEY_ARN, purpose: asked, keyPurpose: tag },
    });
    expect(mock.commandCalls(SignCommand)).toHaveLength(0);
  });

  it.each([
    ['no strongroom:purpose tag', { Tags: [{ TagKey: 'strongroom:owner', TagValue: 'w-123' }], Truncated: false }],
    ['no tags at all', { Tags: [], Truncated: false }],
    ['a tag list missing from the answer', {}],
    ['a purpose tag of a value we never write', tagged('Custody')],
  ])(
    'a key with %s is not ours: KEY.WRONG_PURPOSE, Sign never called, and nothing remembered',
    async (_name, answer) => {
      mock.on(ListResourceTagsCommand).resolves(answer);
      const keys = vault();
      for (let i = 0; i < 2; i++) {
        await expect(keys.signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
          code: 'KEY.WRONG_PURPOSE',
          details: { keyId: KEY_ARN, purpose: 'custody', keyPurpose: null },
        });
      }
      expect(mock.commandCalls(SignCommand)).toHaveLength(0);
      // A refusal is not cached: each call asked again.
      expect(mock.commandCalls(ListResourceTagsCommand)).toHaveLength(2);
    },
  );

  it('reads the tags once per key: later signatures, and later refusals, come from the cache', async () => {
    const keys = vault();
    for (let i = 0; i < 3; i++) await expectRecovers(digest, await keys.signDigest(KEY_ARN, digest, 'custody'));
    await expect(keys.signDigest(KEY_ARN, digest, 'approval')).rejects.toMatchObject({
      code: 'KEY.WRONG_PURPOSE',
      details: { keyPurpose: 'custody' },
    });
    expect(mock.commandCalls(ListResourceTagsCommand)).toHaveLength(1);
    expect(mock.commandCalls(SignCommand)).toHaveLength(3);
    // Another vault (another Lambda instance) has its own cache.
    await vault().signDigest(KEY_ARN, digest, 'custody');
    expect(mock.commandCalls(ListResourceTagsCommand)).toHaveLength(2);
  });

  it('finds the purpose tag on a later page of tags', async () => {
    mock
      .on(ListResourceTagsCommand)
      .resolvesOnce({ Tags: [{ TagKey: 'team', TagValue: 'treasury' }], Truncated: true, NextMarker: 'page-2' })
      .resolvesOnce(tagged('custody'));
    await expectRecovers(digest, await vault().signDigest(KEY_ARN, digest, 'custody'));
    expect(mock.commandCalls(ListResourceTagsCommand).map((call) => call.args[0].input)).toEqual([
      { KeyId: KEY_ARN },
      { KeyId: KEY_ARN, Marker: 'page-2' },
    ]);
  });

  it('reads the tags through the error mapping of every KMS call', async () => {
    mock.on(ListResourceTagsCommand).rejects(throttled());
    await expect(vault().signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
      code: 'KEY.UNAVAILABLE',
      details: { operation: 'ListResourceTags' },
    });
    mock.on(ListResourceTagsCommand).rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    await expect(vault().signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
      code: 'KEY.NOT_FOUND',
      details: { operation: 'ListResourceTags' },
    });
    expect(mock.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('resolves an alias to its key on every call, and checks the purpose of, and signs with, that key', async () => {
    const keys = vault();
    await expectRecovers(digest, await keys.signDigest('alias/strongroom-ops', digest, 'custody'));
    await expectRecovers(digest, await keys.signDigest('alias/strongroom-ops', digest, 'custody'));
    expect(mock.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input)).toEqual([
      { KeyId: 'alias/strongroom-ops' },
      { KeyId: 'alias/strongroom-ops' },
    ]);
    // ListResourceTags takes no alias; the key ARN is for life, so its purpose is remembered under it.
    expect(mock.commandCalls(ListResourceTagsCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: KEY_ARN }]);
    expect(mock.commandCalls(SignCommand).map((call) => call.args[0].input.KeyId)).toEqual([KEY_ARN, KEY_ARN]);

    // The alias now names the approval key: refused, though the alias was a custody key a moment ago.
    mock.on(GetPublicKeyCommand).resolves({
      KeyId: OTHER_ARN,
      PublicKey: ecSpki(publicKey),
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
    });
    mock.on(ListResourceTagsCommand, { KeyId: OTHER_ARN }).resolves(tagged('approval'));
    await expect(keys.signDigest('alias/strongroom-ops', digest, 'custody')).rejects.toMatchObject({
      code: 'KEY.WRONG_PURPOSE',
      details: { keyId: OTHER_ARN, keyPurpose: 'approval' },
    });
    expect(mock.commandCalls(SignCommand)).toHaveLength(2);
  });

  it('remembers the purpose of a key it created, without reading tags KMS may not show yet', async () => {
    mock
      .on(CreateKeyCommand)
      .resolves({ KeyMetadata: { KeyId: '0b7f6a0e-1d7b-4f39-9d6f-3c8e2b9a1c55', Arn: KEY_ARN } });
    mock.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
    const keys = vault();
    const { keyId } = await keys.createKey({ ownerId: 'w-123', purpose: 'custody' });
    await expectRecovers(digest, await keys.signDigest(keyId, digest, 'custody'));
    await expect(keys.signDigest(keyId, digest, 'audit')).rejects.toMatchObject({
      code: 'KEY.WRONG_PURPOSE',
      details: { keyPurpose: 'custody' },
    });
    expect(mock.commandCalls(ListResourceTagsCommand)).toHaveLength(0);
  });
});

describe('KmsKeyVault.createKey', () => {
  it('creates a secp256k1 signing key tagged with owner and purpose, and returns its ARN and address', async () => {
    mock
      .on(CreateKeyCommand)
      .resolves({ KeyMetadata: { KeyId: '0b7f6a0e-1d7b-4f39-9d6f-3c8e2b9a1c55', Arn: KEY_ARN } });
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const created = await vault({ keyPolicy: policy }).createKey({ ownerId: 'w-123', purpose: 'custody' });
    expect(created).toEqual({ keyId: KEY_ARN, address: ADDRESS });
    const [call] = mock.commandCalls(CreateKeyCommand);
    expect(call!.args[0].input).toEqual({
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      Description: expect.stringContaining('w-123'),
      Tags: [
        { TagKey: 'strongroom:owner', TagValue: 'w-123' },
        { TagKey: 'strongroom:purpose', TagValue: 'custody' },
      ],
      Policy: policy,
    });
    expect(mock.commandCalls(GetPublicKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ARN });
  });
});

/**
 * The wire under a real client built by `kmsClient`: each HTTP attempt the client makes reaches this
 * fake KMS (AWS JSON 1.1, as KMS speaks it), so the counts below include the SDK's retries.
 */
describe('one retry policy: the client from kmsClient, under a fake KMS transport', () => {
  type Operation = 'GetPublicKey' | 'ListResourceTags' | 'Sign' | 'CreateKey' | 'Encrypt';
  interface Wire {
    readonly statusCode: number;
    readonly headers: Record<string, string>;
    readonly body: Uint8Array;
  }
  /** What the fake KMS answers to one attempt: a body (200), a KMS error, or a dropped connection. */
  type Answer = Record<string, unknown> | { readonly fail: string; readonly status: number } | 'drop';

  const json = (statusCode: number, body: unknown, errorType?: string): Wire => ({
    statusCode,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': 'r-1',
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    },
    body: Buffer.from(JSON.stringify(body)),
  });
  const THROTTLED = { fail: 'ThrottlingException', status: 400 } as const;
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

  let calls: { operation: Operation; attemptHeader: string }[];
  /** Answers of the fake KMS, per operation: a function of the attempt's input, or undefined for the default. */
  let answers: Partial<Record<Operation, (input: Record<string, unknown>) => Answer>>;

  const defaults: Record<Operation, (input: Record<string, unknown>) => Answer> = {
    GetPublicKey: () => ({
      KeyId: KEY_ARN,
      PublicKey: b64(ecSpki(publicKey)),
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
    }),
    ListResourceTags: () => ({ Tags: CUSTODY_TAGS, Truncated: false }),
    Sign: (input) => ({
      KeyId: KEY_ARN,
      Signature: b64(kmsDer(sign(Buffer.from(String(input['Message']), 'base64')), false)),
      SigningAlgorithm: 'ECDSA_SHA_256',
    }),
    CreateKey: () => ({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN } }),
    Encrypt: () => ({ KeyId: KEY_ARN, CiphertextBlob: b64(Uint8Array.of(1, 2, 3)) }),
  };

  const transport = {
    async handle(request: { headers: Record<string, string>; body?: unknown }): Promise<{ response: Wire }> {
      const operation = request.headers['x-amz-target']!.replace('TrentService.', '') as Operation;
      calls.push({ operation, attemptHeader: request.headers['amz-sdk-request'] ?? '' });
      const input = JSON.parse(String(request.body ?? '{}')) as Record<string, unknown>;
      const answer = (answers[operation] ?? defaults[operation])(input);
      if (answer === 'drop') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      if (typeof answer['fail'] === 'string') {
        const { fail, status } = answer as { fail: string; status: number };
        return { response: json(status, { __type: fail, message: `${fail} from the fake` }, fail) };
      }
      return { response: json(200, answer) };
    },
  };

  const client = (): ReturnType<typeof kmsClient> =>
    kmsClient({ ...CLIENT, requestHandler: transport as unknown as KmsClientOptions['requestHandler'] });
  /** Fails `times` attempts with `answer`, then answers as usual. */
  const failing = (operation: Operation, answer: Answer, times = Infinity) => {
    let failed = 0;
    return (input: Record<string, unknown>): Answer => (failed++ < times ? answer : defaults[operation](input));
  };

  const digest = bytesToHex(seeded('over the wire'));
  let random: jest.SpiedFunction<typeof Math.random>;

  beforeEach(() => {
    calls = [];
    answers = {};
    // The SDK's backoff is random() × a growing base: with 0 the retries do not wait.
    random = jest.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => random.mockRestore());

  /** A vault that has signed once: its public key and purpose are cached, so a Sign is one KMS operation. */
  async function warmVault(): Promise<KmsKeyVault> {
    const keys = new KmsKeyVault(client());
    await expectRecovers(digest, await keys.signDigest(KEY_ARN, digest, 'custody'));
    calls = [];
    return keys;
  }

  it(`makes one Sign under persistent throttling ${KMS_MAX_ATTEMPTS} KMS calls (not 4 × 3 = 12), then KEY.UNAVAILABLE`, async () => {
    expect(KMS_MAX_ATTEMPTS).toBe(3);
    const keys = await warmVault();
    answers.Sign = () => THROTTLED;
    await expect(keys.signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      code: 'KEY.UNAVAILABLE',
      kind: 'unavailable',
      message: 'KMS Sign failed 3 times, last with ThrottlingException',
      details: { operation: 'Sign', keyId: KEY_ARN, attempts: 3, error: 'ThrottlingException' },
    });
    expect(calls).toEqual([
      { operation: 'Sign', attemptHeader: 'attempt=1; max=3' },
      { operation: 'Sign', attemptHeader: 'attempt=2; max=3' },
      { operation: 'Sign', attemptHeader: 'attempt=3; max=3' },
    ]);
  });

  it.each([
    ['throttling', THROTTLED],
    ['KeyUnavailableException (500)', { fail: 'KeyUnavailableException', status: 500 }],
    ['KMSInternalException (500)', { fail: 'KMSInternalException', status: 500 }],
    ['DependencyTimeoutException (503)', { fail: 'DependencyTimeoutException', status: 503 }],
    ['a dropped connection', 'drop'],
  ] as const)(
    'retries %s: signs when it passes, KEY.UNAVAILABLE after 3 calls when it does not',
    async (_name, answer) => {
      const keys = await warmVault();
      answers.Sign = failing('Sign', answer, 2);
      await expectRecovers(digest, await keys.signDigest(KEY_ARN, digest, 'custody'));
      expect(calls.map((call) => call.operation)).toEqual(['Sign', 'Sign', 'Sign']);
      calls = [];
      answers.Sign = () => answer;
      await expect(keys.signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
        code: 'KEY.UNAVAILABLE',
        details: { attempts: 3 },
      });
      expect(calls).toHaveLength(3);
    },
  );

  it.each([
    ['NotFoundException', 'KEY.NOT_FOUND'],
    ['DisabledException', 'KEY.DISABLED'],
    ['KMSInvalidStateException', 'KEY.DISABLED'],
    ['InvalidKeyUsageException', 'KEY.WRONG_PURPOSE'],
  ])('does not retry %s: 1 call, %s', async (fail, code) => {
    const keys = await warmVault();
    answers.Sign = () => ({ fail, status: 400 });
    await expect(keys.signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
      name: 'SigningError',
      code,
      details: { operation: 'Sign', error: fail },
    });
    expect(calls).toEqual([{ operation: 'Sign', attemptHeader: 'attempt=1; max=3' }]);
  });

  it('does not retry AccessDenied either, and passes it on', async () => {
    const keys = await warmVault();
    answers.Sign = () => ({ fail: 'AccessDeniedException', status: 400 });
    await expect(keys.signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(calls).toHaveLength(1);
  });

  it('waits a full-jitter backoff between attempts: random() times a growing delay', async () => {
    const totalDelay = async (r: number): Promise<number> => {
      random.mockReturnValue(r);
      const keys = await warmVault();
      answers.Sign = () => THROTTLED;
      const failure = (await keys.signDigest(KEY_ARN, digest, 'custody').catch((e: unknown) => e)) as {
        cause: { $metadata: { totalRetryDelay: number } };
      };
      answers = {};
      return failure.cause.$metadata.totalRetryDelay;
    };
    expect(await totalDelay(0)).toBe(0);
    const small = await totalDelay(0.002);
    expect(small).toBeGreaterThan(0);
    expect(await totalDelay(0.004)).toBe(2 * small);
  });

  it('retries the other operations the same way: GetPublicKey, ListResourceTags and CreateKey', async () => {
    answers.CreateKey = failing('CreateKey', THROTTLED, 1);
    answers.GetPublicKey = failing('GetPublicKey', { fail: 'KMSInternalException', status: 500 }, 1);
    answers.ListResourceTags = failing('ListResourceTags', THROTTLED, 2);
    expect(await new KmsKeyVault(client()).createKey({ ownerId: 'w-123', purpose: 'custody' })).toEqual({
      keyId: KEY_ARN,
      address: ADDRESS,
    });
    expect(calls.map((call) => call.operation)).toEqual(['CreateKey', 'CreateKey', 'GetPublicKey', 'GetPublicKey']);
    calls = [];
    // Another vault, which has not created the key: it reads its purpose tag.
    answers.GetPublicKey = failing('GetPublicKey', { fail: 'KMSInternalException', status: 500 }, 1);
    await expectRecovers(digest, await new KmsKeyVault(client()).signDigest(KEY_ARN, digest, 'custody'));
    expect(calls.map((call) => call.operation)).toEqual([
      'GetPublicKey',
      'GetPublicKey',
      'ListResourceTags',
      'ListResourceTags',
      'ListResourceTags',
      'Sign',
    ]);
  });

  it('is the policy of the secret sealer on the same client too: 3 calls, the error passed on', async () => {
    answers.Encrypt = () => THROTTLED;
    await expect(new KmsSecretSealer(client(), KEY_ARN).seal('token', { transferId: 't-1' })).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { attempts: 3 },
    });
    expect(calls.map((call) => call.operation)).toEqual(['Encrypt', 'Encrypt', 'Encrypt']);
  });

  it('stops retrying while KMS keeps failing: the client retries only while its retry quota lasts', async () => {
    const keys = await warmVault();
    answers.Sign = () => THROTTLED;
    const callsPerSign: number[] = [];
    for (let i = 0; i < 200 && callsPerSign.at(-1) !== 1; i++) {
      calls = [];
      await expect(keys.signDigest(KEY_ARN, digest, 'custody')).rejects.toMatchObject({ code: 'KEY.UNAVAILABLE' });
      callsPerSign.push(calls.length);
    }
    expect(callsPerSign[0]).toBe(3);
    expect(callsPerSign.at(-1)).toBe(1);
    expect(Math.max(...callsPerSign)).toBe(3);
  });
});

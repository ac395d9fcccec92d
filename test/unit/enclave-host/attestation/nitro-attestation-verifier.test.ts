import { generateKeyPairSync, sign } from 'node:crypto';
import { Decoder, Encoder } from 'cbor-x';
import type { AttestationExpectation } from '../../../../enclave-host/contract';
import {
  decodeAttestationPayload,
  decodeCoseSign1,
  encodeAttestationPayload,
  encodeCoseSign1,
  sigStructure,
  type AttestationPayload,
} from '../../../../enclave-host/attestation/attestation-document';
import { AttestationError, type AttestationErrorCode } from '../../../../enclave-host/attestation/attestation-error';
import { checkPcrs } from '../../../../enclave-host/attestation/nitro-attestation-verifier';
import { NitroAttestationVerifier, SyntheticNsm } from '../../../../enclave-host/attestation';

const PCR0 = '0a'.repeat(48);
const PCR1 = '1b'.repeat(48);
const PCR2 = '2c'.repeat(48);
const ZERO = '00'.repeat(48);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const nsm = new SyntheticNsm({ pcrs: { 0: PCR0, 1: PCR1, 2: PCR2 } });
const local = new NitroAttestationVerifier({ mode: 'local', root: nsm.rootCertificate });
const production = new NitroAttestationVerifier({ mode: 'production' });
const expectation = (overrides: Partial<AttestationExpectation> = {}): AttestationExpectation => ({
  pcrs: { 0: PCR0, 1: PCR1, 2: PCR2 },
  now: new Date(),
  maxAgeSeconds: 60,
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<AttestationErrorCode> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AttestationError)) throw new Error(`expected an AttestationError, got ${String(error)}`);
  expect(error.name).toBe('AttestationError');
  return error.code;
}

/** The document with its payload changed by `edit` and signed again by `signer` (default: nobody, the old signature kept). */
function rewritten(
  document: Uint8Array,
  edit: (payload: AttestationPayload) => AttestationPayload,
  signer?: Parameters<typeof sign>[2],
): Uint8Array {
  const cose = decodeCoseSign1(document);
  const payload = encodeAttestationPayload(edit(decodeAttestationPayload(cose.payload)));
  const signature =
    signer === undefined ? cose.signature : sign('sha384', sigStructure(cose.protectedHeader, payload), signer);
  return encodeCoseSign1({ protectedHeader: cose.protectedHeader, payload, signature });
}

describe('NitroAttestationVerifier and the synthetic NSM', () => {
  it('verifies a synthetic document in local mode and returns its fields, every PCR as lowercase hex', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const document = await nsm.attest({ publicKey: spki, userData: bytes('user data'), nonce: bytes('nonce') });

    const verified = await local.verify(document, expectation({ userData: bytes('user data'), nonce: bytes('nonce') }));

    expect(verified.moduleId).toBe(nsm.moduleId);
    expect(Math.abs(verified.timestamp.getTime() - Date.now())).toBeLessThan(10_000);
    expect(verified.pcrs[0]).toBe(PCR0);
    expect(verified.pcrs[2]).toBe(PCR2);
    expect(verified.pcrs[15]).toBe(ZERO); // not configured: zero, as an unused PCR on hardware
    expect(Object.keys(verified.pcrs)).toHaveLength(16);
    expect(Buffer.from(verified.publicKey!).equals(spki)).toBe(true);
    expect(Buffer.from(verified.userData!).toString()).toBe('user data');
    expect(Buffer.from(verified.nonce!).toString()).toBe('nonce');
  });

  it("writes AWS's format: an untagged COSE_Sign1 with protected header {1: -35}, the payload fields in AWS's order and a 96-byte r‖s signature", async () => {
    const document = await nsm.attest({});
    const [protectedHeader, unprotectedHeader, payload, signature] = new Decoder({
      mapsAsObjects: false,
      useRecords: false,
    }).decode(document) as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
    expect(Buffer.from(document.subarray(0, 6)).toString('hex')).toBe('8444a1013822'); // as the NSM's begin
    expect(Buffer.from(protectedHeader).toString('hex')).toBe('a1013822');
    expect(unprotectedHeader.size).toBe(0);
    expect(signature).toHaveLength(96);
    const map = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(payload) as Map<string, unknown>;
    expect([...map.keys()]).toEqual([
      'module_id',
      'digest',
      'timestamp',
      'pcrs',
      'certificate',
      'cabundle',
      'public_key',
      'user_data',
      'nonce',
    ]);
    expect(map.get('digest')).toBe('SHA384');
    expect(typeof map.get('timestamp')).toBe('bigint'); // a CBOR unsigned integer, not a float
    expect(map.get('nonce')).toBeNull();
    expect((map.get('cabundle') as Uint8Array[]).length).toBe(2);
    expect(Buffer.from((map.get('cabundle') as Uint8Array[])[0]!).equals(nsm.rootCertificate)).toBe(true);
  });

  it('accepts the COSE_Sign1 tagged (18) as well', async () => {
    const document = await nsm.attest({});
    const tagged = Buffer.concat([Buffer.of(0xd2), document]);
    await expect(local.verify(tagged, expectation())).resolves.toMatchObject({ moduleId: nsm.moduleId });
  });

  it('refuses a payload changed after signing (BAD_SIGNATURE)', async () => {
    const document = await nsm.attest({ userData: bytes('a') });
    const tampered = rewritten(document, (payload) => ({ ...payload, userData: bytes('b') }));
    expect(await refusal(local.verify(tampered, expectation()))).toBe('ATTESTATION.BAD_SIGNATURE');
  });

  it('refuses a document signed by a key other than the leaf certificate’s (BAD_SIGNATURE)', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const document = rewritten(await nsm.attest({}), (payload) => payload, {
      key: other.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    expect(await refusal(local.verify(document, expectation()))).toBe('ATTESTATION.BAD_SIGNATURE');
  });

  it('refuses a document of another root (UNTRUSTED_ROOT), even when its cabundle names the pinned root first', async () => {
    const foreign = new SyntheticNsm({ pcrs: { 0: PCR0, 1: PCR1, 2: PCR2 } });
    const document = await foreign.attest({});
    expect(await refusal(local.verify(document, expectation()))).toBe('ATTESTATION.UNTRUSTED_ROOT');

    // A forger who puts the pinned root at the head of the bundle still cannot chain to it.
    const grafted = rewritten(document, (payload) => ({
      ...payload,
      cabundle: [nsm.rootCertificate, ...payload.cabundle.slice(1)],
    }));
    expect(await refusal(local.verify(grafted, expectation()))).toBe('ATTESTATION.BAD_CHAIN');
  });

  it('refuses a chain whose leaf certificate has expired (CERTIFICATE_EXPIRED)', async () => {
    let now = new Date();
    const shortLived = new SyntheticNsm({ pcrs: { 0: PCR0 }, clock: () => now, leafLifetimeMs: 60_000 });
    const verifier = new NitroAttestationVerifier({ mode: 'local', root: shortLived.rootCertificate });
    now = new Date(now.getTime() + 10 * 60_000); // the document is fresh, its leaf certificate is not
    const document = await shortLived.attest({});
    expect(await refusal(verifier.verify(document, expectation({ pcrs: { 0: PCR0 }, now })))).toBe(
      'ATTESTATION.CERTIFICATE_EXPIRED',
    );
  });

  it('refuses a document older than the maximum age, or dated more than 5 minutes ahead (STALE)', async () => {
    const document = await nsm.attest({});
    const later = new Date(Date.now() + 61_000);
    expect(await refusal(local.verify(document, expectation({ now: later })))).toBe('ATTESTATION.STALE');
    let clock = new Date();
    const ahead = new SyntheticNsm({ pcrs: { 0: PCR0 }, clock: () => clock });
    clock = new Date(clock.getTime() + 6 * 60_000);
    const future = await ahead.attest({});
    const verifier = new NitroAttestationVerifier({ mode: 'local', root: ahead.rootCertificate });
    expect(await refusal(verifier.verify(future, expectation({ pcrs: { 0: PCR0 } })))).toBe('ATTESTATION.STALE');
    await expect(local.verify(document, expectation({ now: new Date(Date.now() - 60_000) }))).resolves.toBeDefined();
  });

  it('refuses a PCR that differs from the expectation, or that the document lacks (PCR_MISMATCH)', async () => {
    const document = await nsm.attest({});
    const wrong = expectation({ pcrs: { 0: PCR0, 1: PCR1, 2: 'ff'.repeat(48) } });
    expect(await refusal(local.verify(document, wrong))).toBe('ATTESTATION.PCR_MISMATCH');
    const absent = expectation({ pcrs: { 20: PCR0 } });
    expect(await refusal(local.verify(document, absent))).toBe('ATTESTATION.PCR_MISMATCH');
    // Case does not matter, as with StringEqualsIgnoreCase in a key policy.
    await expect(local.verify(document, expectation({ pcrs: { 0: PCR0.toUpperCase() } }))).resolves.toBeDefined();
  });

  it('refuses other user data or nonce than expected, and none when one is expected', async () => {
    const document = await nsm.attest({ userData: bytes('wallet-1'), nonce: bytes('n1') });
    expect(await refusal(local.verify(document, expectation({ userData: bytes('wallet-2') })))).toBe(
      'ATTESTATION.USER_DATA_MISMATCH',
    );
    expect(await refusal(local.verify(document, expectation({ nonce: bytes('n2') })))).toBe(
      'ATTESTATION.NONCE_MISMATCH',
    );
    const bare = await nsm.attest({});
    expect(await refusal(local.verify(bare, expectation({ userData: bytes('wallet-1') })))).toBe(
      'ATTESTATION.USER_DATA_MISMATCH',
    );
  });

  it('refuses the synthetic root in production mode (UNTRUSTED_ROOT)', async () => {
    const document = await nsm.attest({});
    expect(await refusal(production.verify(document, expectation()))).toBe('ATTESTATION.UNTRUSTED_ROOT');
  });

  it('refuses in production mode an expectation of all-zero PCRs (DEBUG_PCRS) or one that leaves PCR0–2 open', async () => {
    const document = await nsm.attest({});
    expect(await refusal(production.verify(document, expectation({ pcrs: { 0: ZERO, 1: PCR1, 2: PCR2 } })))).toBe(
      'ATTESTATION.DEBUG_PCRS',
    );
    expect(await refusal(production.verify(document, expectation({ pcrs: { 0: PCR0 } })))).toBe(
      'ATTESTATION.PCRS_NOT_PINNED',
    );
  });

  it("refuses in production mode a document with all-zero PCR0–2 (a debug enclave), whatever is expected; local mode doesn't", () => {
    const debugPcrs = new Map([0, 1, 2, 3].map((index) => [index, new Uint8Array(48)] as const));
    const expected = new Map([[3, new Uint8Array(48)]]);
    const code = (() => {
      try {
        checkPcrs('production', debugPcrs, expected);
      } catch (error) {
        return (error as AttestationError).code;
      }
      return undefined;
    })();
    expect(code).toBe('ATTESTATION.DEBUG_PCRS');
    expect(() => checkPcrs('local', debugPcrs, expected)).not.toThrow();
  });

  it('refuses what is not a Nitro document: bytes that are not CBOR, trailing bytes, another algorithm, a float timestamp (MALFORMED / UNSUPPORTED_ALGORITHM)', async () => {
    const document = await nsm.attest({});
    expect(await refusal(local.verify(bytes('not cbor at all'), expectation()))).toBe('ATTESTATION.MALFORMED');
    expect(await refusal(local.verify(Buffer.concat([document, Buffer.of(0)]), expectation()))).toBe(
      'ATTESTATION.MALFORMED',
    );

    const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
    const cose = decodeCoseSign1(document);
    const es256 = encodeCoseSign1({ ...cose, protectedHeader: encoder.encode(new Map([[1, -7]])) });
    expect(await refusal(local.verify(es256, expectation()))).toBe('ATTESTATION.UNSUPPORTED_ALGORITHM');

    const map = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(cose.payload) as Map<string, unknown>;
    map.set('timestamp', Date.now() + 0.5);
    const floatTime = encodeCoseSign1({ ...cose, payload: encoder.encode(map) });
    expect(await refusal(local.verify(floatTime, expectation()))).toBe('ATTESTATION.MALFORMED');
  });

  it('makes each document anew: a fresh timestamp and signature each time, and random bytes of the length asked', async () => {
    const [a, b] = [await nsm.attest({}), await nsm.attest({})];
    expect(Buffer.from(a).equals(b)).toBe(false);
    const random = await nsm.random(32);
    expect(random).toHaveLength(32);
    expect(Buffer.from(random).equals(Buffer.from(await nsm.random(32)))).toBe(false);
    await expect(nsm.attest({ userData: new Uint8Array(1025) })).rejects.toThrow(RangeError);
  });
});

import {
  CreateKeyCommand,
  DecryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  InvalidCiphertextException,
  KMSClient,
  MalformedPolicyDocumentException,
  PutKeyPolicyCommand,
  UnsupportedOperationException,
} from '@aws-sdk/client-kms';
import {
  SyntheticNsm,
  generateRecipientKeyPair,
  openRecipientEnvelope,
  type RecipientKeyPair,
} from '../../../../enclave-host/attestation';
import { awsJsonHandler } from '../../../../local/aws/aws-json-protocol';
import { KmsStandIn } from '../../../../local/aws/kms-stand-in';
import { listenOnLoopback, type LoopbackServer } from '../../../../local/aws/loopback-server';
import { standInClientConfig } from '../../../integration/aws-stand-ins/stand-in-client-config';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const PCRS = { 0: '0a'.repeat(48), 1: '1b'.repeat(48), 2: '2c'.repeat(48) };
const CONTEXT = { deployment: 'dev', walletId: 'wallet-1', purpose: 'agent-key', version: '1' };

/**
 * The sealing key's policy as the enclave host stack writes it: the account root may do anything
 * (CDK's default statement, which alone would bypass the PCR condition), the Allow of Decrypt and
 * GenerateDataKey under the PCR conditions, and one explicit Deny per PCR, each matching when that PCR
 * differs or is absent.
 */
function sealingKeyPolicy(pcrs: Readonly<Record<number, string>>): string {
  const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
  const keys = Object.entries(pcrs).map(([index, value]) => [`kms:RecipientAttestation:PCR${index}`, value] as const);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountRoot',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'EnclaveOnly',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/enclave-host` },
        Action: actions,
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: Object.fromEntries(keys) },
      },
      ...keys.map(([key, value]) => ({
        Sid: `DenyOtherThan${key.split(':').pop()}`,
        Effect: 'Deny',
        Principal: '*',
        Action: actions,
        Resource: '*',
        Condition: { StringNotEqualsIgnoreCase: { [key]: value } },
      })),
    ],
  });
}

/** What the enclave does: a fresh RSA pair, an attestation document carrying its public key. */
async function recipientOf(nsm: SyntheticNsm): Promise<{
  pair: RecipientKeyPair;
  Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256'; AttestationDocument: Uint8Array };
}> {
  const pair = generateRecipientKeyPair();
  const AttestationDocument = await nsm.attest({ publicKey: pair.publicKeySpkiDer });
  return { pair, Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument } };
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the request to fail');
  return error;
}

describe('KMS stand-in: Recipient (Nitro Enclaves) and key policies with PCR conditions, through the SDK', () => {
  /** When the enclave's documents are dated: now, unless a test turns its clock back. */
  let enclaveClock: Date | undefined;
  const enclave = new SyntheticNsm({ pcrs: PCRS, clock: () => enclaveClock ?? new Date() });
  const kms = new KmsStandIn(REGION, ACCOUNT, { recipient: { attestationRoot: enclave.rootCertificate } });
  let server: LoopbackServer;
  let client: KMSClient;
  let keyId: string;

  beforeAll(async () => {
    server = await listenOnLoopback(awsJsonHandler(kms.service));
    client = new KMSClient(standInClientConfig(server.url, REGION));
    const created = await client.send(new CreateKeyCommand({ Policy: sealingKeyPolicy(PCRS) }));
    keyId = created.KeyMetadata!.Arn!;
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('GenerateDataKey and Decrypt with an attested Recipient answer only CiphertextForRecipient, which the enclave opens to the same data key', async () => {
    const first = await recipientOf(enclave);
    const generated = await client.send(
      new GenerateDataKeyCommand({
        KeyId: keyId,
        KeySpec: 'AES_256',
        EncryptionContext: CONTEXT,
        Recipient: first.Recipient,
      }),
    );
    expect(generated.Plaintext).toBeUndefined();
    expect(generated.CiphertextBlob).toBeDefined();
    const dataKey = openRecipientEnvelope(generated.CiphertextForRecipient!, first.pair.privateKey);
    expect(dataKey).toHaveLength(32);

    const second = await recipientOf(enclave); // a new pair and document for each request, as the enclave does
    const decrypted = await client.send(
      new DecryptCommand({
        CiphertextBlob: generated.CiphertextBlob,
        EncryptionContext: CONTEXT,
        Recipient: second.Recipient,
      }),
    );
    expect(decrypted.Plaintext).toBeUndefined();
    expect(decrypted.KeyId).toBe(keyId);
    const reopened = openRecipientEnvelope(decrypted.CiphertextForRecipient!, second.pair.privateKey);
    expect(Buffer.from(reopened).equals(Buffer.from(dataKey))).toBe(true);
    // Sealed to the second pair only: the first private key cannot open it.
    expect(() => openRecipientEnvelope(decrypted.CiphertextForRecipient!, first.pair.privateKey)).toThrow();
  });

  it('denies an enclave of other PCRs (AccessDeniedException), even with the account root allowed kms:*', async () => {
    const other = new SyntheticNsm({ pcrs: { ...PCRS, 0: 'ff'.repeat(48) } });
    const trustedOther = new KmsStandIn(REGION, ACCOUNT, { recipient: { attestationRoot: other.rootCertificate } });
    const key = trustedOther.createKey({ policy: sealingKeyPolicy(PCRS) });
    const otherServer = await listenOnLoopback(awsJsonHandler(trustedOther.service));
    const otherClient = new KMSClient(standInClientConfig(otherServer.url, REGION));
    try {
      const { Recipient } = await recipientOf(other);
      const error = await errorOf(
        otherClient.send(
          new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: 'AES_256', EncryptionContext: CONTEXT, Recipient }),
        ),
      );
      expect(error.name).toBe('AccessDeniedException');
    } finally {
      otherClient.destroy();
      await otherServer.close();
    }
  });

  it('denies GenerateDataKey and Decrypt without an attestation under the PCR policy (AccessDeniedException)', async () => {
    const plain = await errorOf(
      client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT })),
    );
    expect(plain.name).toBe('AccessDeniedException');

    const { Recipient } = await recipientOf(enclave);
    const generated = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT, Recipient }),
    );
    const decrypt = await errorOf(
      client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: CONTEXT })),
    );
    expect(decrypt.name).toBe('AccessDeniedException');
  });

  it('binds the encryption context: Decrypt under another context fails even for the attested enclave', async () => {
    const { Recipient } = await recipientOf(enclave);
    const generated = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT, Recipient }),
    );
    const again = await recipientOf(enclave);
    await expect(
      client.send(
        new DecryptCommand({
          CiphertextBlob: generated.CiphertextBlob,
          EncryptionContext: { ...CONTEXT, walletId: 'wallet-2' },
          Recipient: again.Recipient,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('refuses a stale attestation document, and one of an untrusted root (ValidationException naming the reason)', async () => {
    enclaveClock = new Date(Date.now() - 10 * 60_000); // older than the stand-in's 300 s by default
    const stale = await recipientOf(enclave).finally(() => (enclaveClock = undefined));
    const staleError = await errorOf(
      client.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          KeySpec: 'AES_256',
          EncryptionContext: CONTEXT,
          Recipient: stale.Recipient,
        }),
      ),
    );
    expect(staleError.name).toBe('ValidationException');
    expect(staleError.message).toContain('ATTESTATION.STALE');

    const foreign = await recipientOf(new SyntheticNsm({ pcrs: PCRS }));
    const foreignError = await errorOf(
      client.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          KeySpec: 'AES_256',
          EncryptionContext: CONTEXT,
          Recipient: foreign.Recipient,
        }),
      ),
    );
    expect(foreignError.name).toBe('ValidationException');
    expect(foreignError.message).toContain('ATTESTATION.UNTRUSTED_ROOT');
  });

  it('refuses a document without a public key, and another key encryption algorithm', async () => {
    const bare = await enclave.attest({});
    const noKey = await errorOf(
      client.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          KeySpec: 'AES_256',
          Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: bare },
        }),
      ),
    );
    expect(noKey.name).toBe('ValidationException');
    expect(noKey.message).toContain('no public key');

    const { Recipient } = await recipientOf(enclave);
    const algorithm = await errorOf(
      client.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          KeySpec: 'AES_256',
          Recipient: { ...Recipient, KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_1' as 'RSAES_OAEP_SHA_256' },
        }),
      ),
    );
    expect(algorithm.name).toBe('ValidationException');
  });

  it('refuses Recipient when it was given no attestation root, and keeps answering Plaintext for keys without a policy', async () => {
    const untrusting = new KmsStandIn(REGION, ACCOUNT);
    const key = untrusting.createKey();
    const untrustingServer = await listenOnLoopback(awsJsonHandler(untrusting.service));
    const untrustingClient = new KMSClient(standInClientConfig(untrustingServer.url, REGION));
    try {
      const plain = await untrustingClient.send(
        new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
      );
      expect(plain.Plaintext).toHaveLength(32);
      const { Recipient } = await recipientOf(enclave);
      await expect(
        untrustingClient.send(new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: 'AES_256', Recipient })),
      ).rejects.toBeInstanceOf(UnsupportedOperationException);

      untrusting.trustAttestations({ attestationRoot: enclave.rootCertificatePem, maxAgeSeconds: 60 });
      const sealed = await untrustingClient.send(
        new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: 'AES_256', Recipient }),
      );
      expect(sealed.Plaintext).toBeUndefined();
      expect(sealed.CiphertextForRecipient).toBeDefined();
    } finally {
      untrustingClient.destroy();
      await untrustingServer.close();
    }
  });

  it('stores the policy of CreateKey and PutKeyPolicy (GetKeyPolicy), and refuses a policy it cannot evaluate', async () => {
    expect((await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy).toBe(
      sealingKeyPolicy(PCRS),
    );
    await expect(
      client.send(
        new CreateKeyCommand({
          Policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Action: 'kms:*', Condition: { NumericLessThan: { 'kms:X': '1' } } }],
          }),
        }),
      ),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);

    // Relaxed by PutKeyPolicy (what the CloudTrail alarm of the stack watches for), a plain request passes.
    const relaxed = (await client.send(new CreateKeyCommand({ Policy: sealingKeyPolicy(PCRS) }))).KeyMetadata!.Arn!;
    await client.send(
      new PutKeyPolicyCommand({
        KeyId: relaxed,
        PolicyName: 'default',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }),
      }),
    );
    const plain = await client.send(new GenerateDataKeyCommand({ KeyId: relaxed, KeySpec: 'AES_256' }));
    expect(plain.Plaintext).toHaveLength(32);
  });
});

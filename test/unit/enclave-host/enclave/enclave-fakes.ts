import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sealForRecipient } from '../../../../enclave-host/attestation/recipient-envelope';
import type { EnclaveImageConfig, EnclaveResult, Nsm } from '../../../../enclave-host/contract';
import { EnclaveError } from '../../../../enclave-host/protocol/enclave-error';
import {
  EnclaveKmsError,
  type EnclaveKms,
  type EnclaveKmsEncryptRequest,
  type EnclaveKmsRequest,
} from '../../../../enclave-host/enclave/enclave-kms';
import { DOMAIN } from '../../domain/proof/proof-fixtures';

export const SEALING_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
export const CO_SIGNER_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/66666666-7777-8888-9999-000000000000';

export function enclaveConfig(approvalKeyAddress: `0x${string}`): EnclaveImageConfig {
  return {
    deploymentId: DOMAIN.deploymentId,
    approvalKeyAddress,
    sealingKeyArn: SEALING_KEY_ARN,
    region: 'eu-west-1',
    kmsEndpoint: 'http://127.0.0.1:1',
    mode: 'local',
    coSignerKeyArn: CO_SIGNER_KEY_ARN,
  };
}

/** What the fake module attests: its fields in the clear, so tests can read them back. */
export interface FakeDocument {
  readonly publicKey?: string;
  readonly userData?: string;
}

export const readFakeDocument = (document: Uint8Array): FakeDocument =>
  JSON.parse(Buffer.from(document).toString('utf8')) as FakeDocument;

/**
 * An Nsm whose documents are JSON of the attested fields (no signature: the enclave never reads its
 * own documents, KMS and the registrar do), and whose random bytes are recorded, copied, so a test
 * can check that a key the enclave generated never shows up anywhere and that its buffer was zeroised.
 */
export class FakeNsm implements Nsm {
  readonly issued: Uint8Array[] = [];
  readonly handedOut: Uint8Array[] = [];
  readonly copies: Buffer[] = [];

  async attest(request: { publicKey?: Uint8Array; userData?: Uint8Array }): Promise<Uint8Array> {
    const document: FakeDocument = {
      ...(request.publicKey ? { publicKey: Buffer.from(request.publicKey).toString('base64') } : {}),
      ...(request.userData ? { userData: Buffer.from(request.userData).toString('hex') } : {}),
    };
    const bytes = Buffer.from(JSON.stringify(document));
    this.issued.push(bytes);
    return bytes;
  }

  async random(length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(randomBytes(length));
    this.handedOut.push(bytes);
    this.copies.push(Buffer.from(bytes));
    return bytes;
  }
}

interface FakeBlob {
  readonly keyId: string;
  readonly iv: string;
  readonly body: string;
}

/**
 * A KMS that answers as the real one does with Recipient: the data key under its master key, bound
 * to the encryption context (a different context fails to decrypt), and to the attested RSA key as
 * real CMS EnvelopedData (helper `sealForRecipient`). `unavailable` makes every call fail as throttled.
 */
export class FakeEnclaveKms implements EnclaveKms {
  readonly requests: {
    readonly operation: string;
    readonly keyId: string;
    readonly context: Record<string, string>;
  }[] = [];
  unavailable = false;
  private readonly master = randomBytes(32);
  private readonly coSignerMaster = randomBytes(32);

  /** `publicKeyOf` reads the attested RSA key from a document: the fake module's JSON unless given. */
  constructor(private readonly publicKeyOf: (document: Uint8Array) => Uint8Array | undefined = fakePublicKeyOf) {}

  async generateDataKeyForRecipient(request: EnclaveKmsRequest) {
    this.check('GenerateDataKey', request);
    const dataKey = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv);
    cipher.setAAD(contextBytes(request.encryptionContext));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    const blob: FakeBlob = { keyId: request.keyId, iv: iv.toString('base64'), body: body.toString('base64') };
    return {
      ciphertextBlob: Buffer.from(JSON.stringify(blob)),
      ciphertextForRecipient: sealForRecipient(dataKey, this.recipientKey(request)),
    };
  }

  async decryptForRecipient(request: EnclaveKmsRequest & { ciphertextBlob: Uint8Array }) {
    this.check('Decrypt', request);
    let dataKey: Buffer;
    try {
      const blob = JSON.parse(Buffer.from(request.ciphertextBlob).toString('utf8')) as FakeBlob;
      if (blob.keyId !== request.keyId) throw new Error('IncorrectKeyException');
      const body = Buffer.from(blob.body, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.master, Buffer.from(blob.iv, 'base64'));
      decipher.setAAD(contextBytes(request.encryptionContext));
      decipher.setAuthTag(body.subarray(32));
      dataKey = Buffer.concat([decipher.update(body.subarray(0, 32)), decipher.final()]);
    } catch {
      throw new EnclaveKmsError(
        'refused',
        'InvalidCiphertextException',
        'KMS Decrypt failed: InvalidCiphertextException',
      );
    }
    return { ciphertextForRecipient: sealForRecipient(dataKey, this.recipientKey(request)) };
  }

  /** Encrypt under the co-signer's key (no Recipient: KMS answers only a ciphertext). */
  async encrypt(request: EnclaveKmsEncryptRequest) {
    this.requests.push({ operation: 'Encrypt', keyId: request.keyId, context: { ...request.encryptionContext } });
    if (this.unavailable) throw new EnclaveKmsError('unavailable', 'ThrottlingException', 'KMS: ThrottlingException');
    if (request.keyId !== CO_SIGNER_KEY_ARN) throw new EnclaveKmsError('refused', 'NotFoundException', 'no such key');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.coSignerMaster, iv);
    cipher.setAAD(contextBytes(request.encryptionContext));
    const body = Buffer.concat([cipher.update(request.plaintext), cipher.final(), cipher.getAuthTag()]);
    const blob: FakeBlob = { keyId: request.keyId, iv: iv.toString('base64'), body: body.toString('base64') };
    return { ciphertextBlob: Buffer.from(JSON.stringify(blob)) };
  }

  /** The co-signer's Decrypt (its role's, never the enclave's): throws unless the context is the one encrypted with. */
  decryptAsCoSigner(ciphertextBlob: Uint8Array, encryptionContext: Readonly<Record<string, string>>): Uint8Array {
    const blob = JSON.parse(Buffer.from(ciphertextBlob).toString('utf8')) as FakeBlob;
    if (blob.keyId !== CO_SIGNER_KEY_ARN) throw new Error('IncorrectKeyException');
    const body = Buffer.from(blob.body, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.coSignerMaster, Buffer.from(blob.iv, 'base64'));
    decipher.setAAD(contextBytes(encryptionContext));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return new Uint8Array(Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]));
  }

  private recipientKey(request: EnclaveKmsRequest): Uint8Array {
    const publicKey = this.publicKeyOf(request.attestationDocument);
    if (publicKey === undefined) throw new EnclaveKmsError('refused', 'ValidationException', 'no public key attested');
    return publicKey;
  }

  private check(operation: string, request: EnclaveKmsRequest): void {
    this.requests.push({ operation, keyId: request.keyId, context: { ...request.encryptionContext } });
    if (this.unavailable) throw new EnclaveKmsError('unavailable', 'ThrottlingException', 'KMS: ThrottlingException');
    if (request.keyId !== SEALING_KEY_ARN) throw new EnclaveKmsError('refused', 'NotFoundException', 'no such key');
  }
}

function fakePublicKeyOf(document: Uint8Array): Uint8Array | undefined {
  const { publicKey } = readFakeDocument(document);
  return publicKey === undefined ? undefined : Buffer.from(publicKey, 'base64');
}

function contextBytes(context: Readonly<Record<string, string>>): Buffer {
  return Buffer.from(JSON.stringify(context, Object.keys(context).sort()));
}

/** The enclave's refusal of a request, checked to be an EnclaveError with `code`. */
export async function refusal(promise: Promise<EnclaveResult>, code: EnclaveError['code']): Promise<EnclaveError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnclaveError);
  expect((error as EnclaveError).code).toBe(code);
  return error as EnclaveError;
}

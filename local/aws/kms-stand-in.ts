/**
 * A local AWS KMS (`TrentService`, awsJson1_1) for the keys the project uses: secp256k1 signing keys
 * (`ECC_SECG_P256K1` / `SIGN_VERIFY`) and symmetric keys (`SYMMETRIC_DEFAULT` / `ENCRYPT_DECRYPT`).
 *
 * Operations: CreateKey, DescribeKey, GetPublicKey (DER SubjectPublicKeyInfo), Sign (ECDSA_SHA_256,
 * MessageType DIGEST or RAW; DER signature), ListResourceTags, Encrypt / Decrypt (AES-256-GCM under the
 * key's own material; the ciphertext blob names its key and the encryption context is bound as AAD),
 * GenerateDataKey, EnableKey / DisableKey, CreateAlias, GetKeyPolicy / PutKeyPolicy. Keys are named by
 * key id, key ARN, alias name or alias ARN where KMS accepts them. Errors are KMS's: NotFoundException,
 * InvalidKeyUsageException, DisabledException, InvalidCiphertextException, IncorrectKeyException,
 * AccessDeniedException, ValidationException, ….
 *
 * Recipient (the Nitro Enclaves parameter of Decrypt and GenerateDataKey), when the stand-in is given an
 * attestation root (`recipient` option or `trustAttestations`): the attestation document is verified by
 * the enclave host's own `NitroAttestationVerifier` (signature, chain to that root, freshness), its PCRs
 * become the `kms:RecipientAttestation:*` condition keys of the key policy, and the plaintext is answered
 * only as `CiphertextForRecipient`, a CMS envelope to the document's RSA public key, never as `Plaintext`.
 * An invalid or stale document is a ValidationException naming the ATTESTATION.* code.
 *
 * Key policies (CreateKey `Policy`, PutKeyPolicy) are evaluated for every operation on the key, with
 * the subset of IAM described in kms-stand-in-key-policy.ts (Principal and Resource are not); a key
 * without a policy allows everything, as before.
 *
 * Like KMS, Sign does not normalise s: here s is the high one (n − s) exactly when the digest's last
 * byte is odd, so about half of all signatures are high-s, deterministically (KMS picks a random
 * nonce; this signs with RFC 6979's deterministic one, so the same digest gives the same signature).
 *
 * Left out: grants, IAM, the key policy lockout safety check, other key specs (RSA, NIST curves, HMAC), key rotation, deletion, multi-Region keys, custom key
 * stores, imported material, KMS's real ciphertext format, and SigV4 verification.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  NitroAttestationVerifier,
  RecipientEnvelopeError,
  isAttestationError,
  sealForRecipient,
} from '../../enclave-host/attestation';
import type { AttestationVerifier, PcrValues, VerifiedAttestation } from '../../enclave-host/contract';
import type { AwsJsonInput, AwsJsonService } from './aws-json-protocol';
import { AwsServiceError } from './aws-service-error';
import { jsonInput, type JsonInput } from './json-input';
import { KeyPolicy } from './kms-stand-in-key-policy';

export type KmsKeySpec = 'ECC_SECG_P256K1' | 'SYMMETRIC_DEFAULT';
export type KmsKeyUsage = 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT';

export interface CreateKmsKeyOptions {
  /** Default `SYMMETRIC_DEFAULT`. */
  readonly keySpec?: KmsKeySpec;
  /** Default: `SIGN_VERIFY` for `ECC_SECG_P256K1`, `ENCRYPT_DECRYPT` for `SYMMETRIC_DEFAULT`. */
  readonly keyUsage?: KmsKeyUsage;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A key policy (JSON), as CreateKey's `Policy`; evaluated for every operation on the key. Default: none. */
  readonly policy?: string;
  /**
   * A symmetric key of an earlier run, by its id and 32-byte secret (`exportSymmetricKey`), so what it
   * encrypted then decrypts now: for a local runtime that keeps its data across restarts. Real KMS has
   * no such thing (its keys never leave it); nothing in the cloud path calls this.
   */
  readonly restore?: { readonly id: string; readonly secret: Uint8Array };
}

/** What the stand-in trusts for Recipient attestation documents. */
export interface KmsRecipientOptions {
  /** The root the documents must chain to: the synthetic NSM's `rootCertificate` (DER) or its PEM. */
  readonly attestationRoot: Uint8Array | string;
  /** How old a document may be. Default 300 s. */
  readonly maxAgeSeconds?: number;
  /** When documents are checked. Default: the system clock. */
  readonly clock?: () => Date;
}

export interface KmsStandInOptions {
  /** Without it, a request with `Recipient` is refused (UnsupportedOperationException). */
  readonly recipient?: KmsRecipientOptions;
}

export interface KmsKeyRef {
  /** The key id (a UUID). */
  readonly keyId: string;
  /** `arn:aws:kms:<region>:<account>:key/<key id>` */
  readonly arn: string;
}

/** One request the stand-in answered (or refused), in order. */
export interface KmsCall {
  readonly operation: string;
  /** The `KeyId` the request named, as it named it. */
  readonly keyId?: string;
}

interface KmsKey {
  readonly id: string;
  readonly arn: string;
  readonly spec: KmsKeySpec;
  readonly usage: KmsKeyUsage;
  readonly description: string;
  readonly tags: readonly { readonly TagKey: string; readonly TagValue: string }[];
  readonly created: Date;
  /** The secp256k1 secret key, or the AES-256 key. */
  readonly secret: Uint8Array;
  /** Signing keys: the DER SubjectPublicKeyInfo. */
  readonly spki?: Buffer;
  enabled: boolean;
  policy?: KeyPolicy;
}

/** A verified Recipient: where to send the plaintext, and the PCRs the key policy sees. */
interface Recipient {
  readonly publicKey: Uint8Array;
  readonly pcrs: PcrValues;
}

interface RecipientTrust {
  readonly verifier: AttestationVerifier;
  readonly maxAgeSeconds: number;
  readonly clock: () => Date;
}

const N = secp256k1.Point.CURVE().n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// SEQUENCE { SEQUENCE { id-ecPublicKey, secp256k1 }, BIT STRING { 0 unused bits, uncompressed point } }
const SECP256K1_SPKI_PREFIX = Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex');
const BLOB_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BLOB_HEADER_BYTES = 1 + 36;
const MAX_PLAINTEXT_BYTES = 4096;
const DEFAULT_ATTESTATION_MAX_AGE_SECONDS = 300;

const validation = (message: string): AwsServiceError => new AwsServiceError('ValidationException', message);

/**
 * The KMS stand-in's state and operations; serve `service` with the JSON protocol layer. Keys can
 * also be created here directly (`createKey`), and every request is recorded in `calls`.
 */
export class KmsStandIn {
  readonly service: AwsJsonService;
  private readonly recorded: KmsCall[] = [];
  private readonly keys = new Map<string, KmsKey>();
  private readonly aliases = new Map<string, string>();
  private recipientTrust: RecipientTrust | undefined;

  constructor(
    readonly region: string,
    readonly account: string,
    options: KmsStandInOptions = {},
  ) {
    if (options.recipient !== undefined) this.trustAttestations(options.recipient);
    this.service = {
      targetPrefix: 'TrentService',
      jsonVersion: '1.1',
      signingName: 'kms',
      onCall: (operation, input) => {
        const keyId = input.KeyId ?? input.TargetKeyId;
        this.recorded.push(typeof keyId === 'string' ? { operation, keyId } : { operation });
      },
      operations: {
        CreateKey: (input) => this.createKeyOperation(input),
        DescribeKey: (input) => ({
          KeyMetadata: metadataOf(this.authorized(read(input).string('KeyId'), 'DescribeKey'), this.account),
        }),
        GetPublicKey: (input) => this.getPublicKey(input),
        Sign: (input) => this.sign(input),
        ListResourceTags: (input) => this.listResourceTags(input),
        Encrypt: (input) => this.encryptOperation(input),
        Decrypt: (input) => this.decrypt(input),
        GenerateDataKey: (input) => this.generateDataKey(input),
        EnableKey: (input) => {
          this.authorized(read(input).string('KeyId'), 'EnableKey').enabled = true;
        },
        DisableKey: (input) => {
          this.authorized(read(input).string('KeyId'), 'DisableKey').enabled = false;
        },
        CreateAlias: (input) => {
          const request = read(input);
          this.authorized(request.string('TargetKeyId'), 'CreateAlias');
          this.createAlias(request.string('AliasName'), request.string('TargetKeyId'));
        },
        GetKeyPolicy: (input) => {
          const request = read(input);
          const key = this.authorized(request.string('KeyId'), 'GetKeyPolicy');
          policyNameOf(request);
          return { PolicyName: 'default', Policy: key.policy?.text ?? defaultPolicyOf(this.account) };
        },
        PutKeyPolicy: (input) => {
          const request = read(input);
          const key = this.authorized(request.string('KeyId'), 'PutKeyPolicy');
          policyNameOf(request);
          key.policy = KeyPolicy.parse(request.string('Policy'));
        },
      },
    };
  }

  /** Every request so far, in order (operation and the KeyId it named). */
  get calls(): readonly KmsCall[] {
    return this.recorded;
  }

  /** How many requests of `operation` so far. */
  callsOf(operation: string): number {
    return this.recorded.filter((call) => call.operation === operation).length;
  }

  /** Creates a key as CreateKey does, without a request. */
  createKey(options: CreateKmsKeyOptions = {}): KmsKeyRef {
    const spec = options.keySpec ?? 'SYMMETRIC_DEFAULT';
    const usage = options.keyUsage ?? (spec === 'ECC_SECG_P256K1' ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT');
    const tags = Object.entries(options.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    const policy = options.policy === undefined ? undefined : KeyPolicy.parse(options.policy);
    const key = this.newKey(spec, usage, options.description ?? '', tags, policy, options.restore);
    return { keyId: key.id, arn: key.arn };
  }

  /** A symmetric key's id and secret, for `createKey({ restore })` in a later run of a local runtime. */
  exportSymmetricKey(keyId: string): { readonly id: string; readonly secret: Uint8Array } {
    const key = this.keys.get(keyId);
    if (key === undefined || key.spec !== 'SYMMETRIC_DEFAULT') throw new RangeError(`no symmetric key ${keyId}`);
    return { id: key.id, secret: Uint8Array.from(key.secret) };
  }

  /**
   * Trusts attestation documents that chain to `options.attestationRoot` for Recipient requests, for
   * a stand-in made without the `recipient` option (as `startAwsStandIns` makes it).
   */
  trustAttestations(options: KmsRecipientOptions): void {
    const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_ATTESTATION_MAX_AGE_SECONDS;
    if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) throw new RangeError('maxAgeSeconds must be positive');
    this.recipientTrust = {
      verifier: new NitroAttestationVerifier({ mode: 'local', root: options.attestationRoot }),
      maxAgeSeconds,
      clock: options.clock ?? (() => new Date()),
    };
  }

  /** Points `aliasName` (`alias/…`) at a key (id or ARN), as CreateAlias does. */
  createAlias(aliasName: string, targetKeyId: string): void {
    if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(aliasName) || aliasName.startsWith('alias/aws/'))
      throw new AwsServiceError('InvalidAliasNameException', `Alias ${aliasName} is not a valid alias name`);
    if (this.aliases.has(aliasName))
      throw new AwsServiceError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(aliasName)} already exists`,
      );
    if (targetKeyId.startsWith('alias/') || targetKeyId.includes(':alias/'))
      throw validation('TargetKeyId must be a key id or key ARN, not an alias');
    this.aliases.set(aliasName, this.find(targetKeyId).id);
  }

  /** Enables or disables a key, as EnableKey / DisableKey do. */
  setKeyEnabled(keyId: string, enabled: boolean): void {
    this.find(keyId).enabled = enabled;
  }

  private newKey(
    spec: string,
    usage: string,
    description: string,
    tags: KmsKey['tags'],
    policy: KeyPolicy | undefined,
    restore?: CreateKmsKeyOptions['restore'],
  ): KmsKey {
    if (
      restore !== undefined &&
      (spec !== 'SYMMETRIC_DEFAULT' || restore.secret.length !== 32 || this.keys.has(restore.id))
    )
      throw validation('only a symmetric key with a 32-byte secret and an unused id can be restored');
    const id = restore?.id ?? randomUUID();
    const arn = `arn:aws:kms:${this.region}:${this.account}:key/${id}`;
    let key: KmsKey;
    if (spec === 'ECC_SECG_P256K1') {
      if (usage !== 'SIGN_VERIFY')
        throw validation(`KeyUsage ${usage} is not compatible with KeySpec ECC_SECG_P256K1; use SIGN_VERIFY`);
      const secret = secp256k1.utils.randomSecretKey();
      const spki = Buffer.concat([SECP256K1_SPKI_PREFIX, secp256k1.getPublicKey(secret, false)]);
      key = { id, arn, spec, usage, description, tags, created: new Date(), secret, spki, enabled: true, policy };
    } else if (spec === 'SYMMETRIC_DEFAULT') {
      if (usage !== 'ENCRYPT_DECRYPT')
        throw validation(`KeyUsage ${usage} is not compatible with KeySpec SYMMETRIC_DEFAULT; use ENCRYPT_DECRYPT`);
      const secret = restore === undefined ? randomBytes(32) : Buffer.from(restore.secret);
      key = { id, arn, spec, usage, description, tags, created: new Date(), secret, enabled: true, policy };
    } else {
      throw new AwsServiceError(
        'UnsupportedOperationException',
        `KeySpec ${spec} is not implemented by the local KMS (only ECC_SECG_P256K1 and SYMMETRIC_DEFAULT)`,
      );
    }
    this.keys.set(id, key);
    return key;
  }

  private createKeyOperation(input: AwsJsonInput): unknown {
    const request = read(input);
    const spec = request.optionalString('KeySpec') ?? request.optionalString('CustomerMasterKeySpec');
    const usage = request.optionalString('KeyUsage');
    const description = request.optionalString('Description') ?? '';
    if (description.length > 8192)
      throw validation("Value at 'description' failed to satisfy constraint: length <= 8192");
    const policyText = request.optionalString('Policy');
    const policy = policyText === undefined ? undefined : KeyPolicy.parse(policyText);
    const tags = (request.optionalArray('Tags') ?? []).map((tag) => {
      const t = tag as { TagKey?: unknown; TagValue?: unknown };
      if (typeof t.TagKey !== 'string' || t.TagKey.length < 1 || t.TagKey.length > 128)
        throw new AwsServiceError('TagException', 'Each tag needs a TagKey of 1 to 128 characters');
      if (typeof t.TagValue !== 'string' || t.TagValue.length > 256)
        throw new AwsServiceError('TagException', 'Each tag needs a TagValue of 0 to 256 characters');
      return { TagKey: t.TagKey, TagValue: t.TagValue };
    });
    if (new Set(tags.map((t) => t.TagKey)).size !== tags.length)
      throw new AwsServiceError('TagException', 'Duplicate tag keys');
    const keySpec = spec ?? 'SYMMETRIC_DEFAULT';
    const keyUsage = usage ?? (keySpec === 'ECC_SECG_P256K1' ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT');
    return { KeyMetadata: metadataOf(this.newKey(keySpec, keyUsage, description, tags, policy), this.account) };
  }

  private getPublicKey(input: AwsJsonInput): unknown {
    const key = this.usable(read(input).string('KeyId'), 'GetPublicKey');
    if (key.spki === undefined)
      throw new AwsServiceError(
        'UnsupportedOperationException',
        `${key.arn} key usage ${key.usage} is not supported by GetPublicKey`,
      );
    return {
      KeyId: key.arn,
      PublicKey: key.spki.toString('base64'),
      CustomerMasterKeySpec: key.spec,
      KeySpec: key.spec,
      KeyUsage: key.usage,
      SigningAlgorithms: ['ECDSA_SHA_256'],
    };
  }

  private sign(input: AwsJsonInput): unknown {
    const request = read(input);
    const key = this.usable(request.string('KeyId'), 'Sign', 'SIGN_VERIFY');
    const message = request.blob('Message');
    const algorithm = request.string('SigningAlgorithm');
    const messageType = request.optionalString('MessageType') ?? 'RAW';
    if (algorithm !== 'ECDSA_SHA_256')
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `Algorithm ${algorithm} is incompatible with key spec ${key.spec}.`,
      );
    let digest: Uint8Array;
    if (messageType === 'DIGEST') {
      if (message.length !== 32) throw validation('Digest is invalid length for algorithm ECDSA_SHA_256.');
      digest = message;
    } else if (messageType === 'RAW') {
      if (message.length < 1 || message.length > MAX_PLAINTEXT_BYTES)
        throw validation(`Message must be 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
      digest = createHash('sha256').update(message).digest();
    } else {
      throw validation(`MessageType ${messageType} is not one of RAW, DIGEST`);
    }
    const compact = secp256k1.sign(digest, key.secret, { prehash: false, lowS: true });
    const { r, s } = secp256k1.Signature.fromBytes(compact, 'compact');
    const high = ((digest[31] ?? 0) & 1) === 1;
    const signature = new secp256k1.Signature(r, high ? N - s : s).toBytes('der');
    return { KeyId: key.arn, Signature: Buffer.from(signature).toString('base64'), SigningAlgorithm: algorithm };
  }

  private listResourceTags(input: AwsJsonInput): unknown {
    const request = read(input);
    const keyId = request.string('KeyId');
    if (keyId.startsWith('alias/') || keyId.includes(':alias/'))
      throw new AwsServiceError('InvalidArnException', 'ListResourceTags takes a key id or key ARN, not an alias');
    const key = this.authorized(keyId, 'ListResourceTags');
    const limit = request.optionalInteger('Limit', 1, 50) ?? 50;
    const marker = request.optionalString('Marker');
    const start = marker === undefined ? 0 : Number(marker);
    if (!Number.isInteger(start) || start < 0 || start > key.tags.length)
      throw new AwsServiceError('InvalidMarkerException', 'The marker is not one this service returned');
    const tags = key.tags.slice(start, start + limit);
    const next = start + tags.length;
    return next < key.tags.length
      ? { Tags: tags, Truncated: true, NextMarker: String(next) }
      : { Tags: tags, Truncated: false };
  }

  private encryptOperation(input: AwsJsonInput): unknown {
    const request = read(input);
    const context = request.optionalStringMap('EncryptionContext') ?? {};
    const key = this.usable(request.string('KeyId'), 'Encrypt', 'ENCRYPT_DECRYPT', conditionKeysOf(context));
    const plaintext = request.blob('Plaintext');
    if (plaintext.length < 1 || plaintext.length > MAX_PLAINTEXT_BYTES)
      throw validation(`Plaintext must be 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
    encryptionAlgorithmOf(request);
    const blob = encrypt(key, plaintext, context);
    return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  }

  private async decrypt(input: AwsJsonInput): Promise<unknown> {
    const request = read(input);
    const blob = request.blob('CiphertextBlob');
    encryptionAlgorithmOf(request);
    if (blob.length < BLOB_HEADER_BYTES + IV_BYTES + TAG_BYTES || blob[0] !== BLOB_VERSION)
      throw new AwsServiceError('InvalidCiphertextException', 'The ciphertext is not one this KMS produced');
    const blobKeyId = blob.subarray(1, BLOB_HEADER_BYTES).toString('latin1');
    if (!UUID.test(blobKeyId))
      throw new AwsServiceError('InvalidCiphertextException', 'The ciphertext is not one this KMS produced');
    const named = request.optionalString('KeyId');
    if (named !== undefined && this.find(named).id !== blobKeyId)
      throw new AwsServiceError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    const context = request.optionalStringMap('EncryptionContext') ?? {};
    const recipient = await this.recipientOf(request);
    const key = this.usable(blobKeyId, 'Decrypt', 'ENCRYPT_DECRYPT', conditionKeysOf(context, recipient));
    const iv = blob.subarray(BLOB_HEADER_BYTES, BLOB_HEADER_BYTES + IV_BYTES);
    const tag = blob.subarray(BLOB_HEADER_BYTES + IV_BYTES, BLOB_HEADER_BYTES + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key.secret, iv);
    decipher.setAAD(aadOf(blob.subarray(0, BLOB_HEADER_BYTES), context));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(blob.subarray(BLOB_HEADER_BYTES + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      // KMS says no more than this: a wrong encryption context and a damaged blob look the same.
      throw new AwsServiceError('InvalidCiphertextException', '');
    }
    if (recipient !== undefined)
      return {
        KeyId: key.arn,
        CiphertextForRecipient: sealedFor(recipient, plaintext),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  }

  private async generateDataKey(input: AwsJsonInput): Promise<unknown> {
    const request = read(input);
    const context = request.optionalStringMap('EncryptionContext') ?? {};
    const recipient = await this.recipientOf(request);
    const key = this.usable(
      request.string('KeyId'),
      'GenerateDataKey',
      'ENCRYPT_DECRYPT',
      conditionKeysOf(context, recipient),
    );
    const keySpec = request.optionalString('KeySpec');
    const numberOfBytes = request.optionalInteger('NumberOfBytes', 1, 1024);
    if ((keySpec === undefined) === (numberOfBytes === undefined))
      throw validation('Please specify either number of bytes or key spec.');
    const length = keySpec === undefined ? (numberOfBytes as number) : keySpec === 'AES_256' ? 32 : 16;
    if (keySpec !== undefined && keySpec !== 'AES_256' && keySpec !== 'AES_128')
      throw validation(`KeySpec ${keySpec} is not one of AES_256, AES_128`);
    const plaintext = randomBytes(length);
    const blob = encrypt(key, plaintext, context);
    if (recipient !== undefined)
      return {
        CiphertextBlob: blob.toString('base64'),
        CiphertextForRecipient: sealedFor(recipient, plaintext),
        KeyId: key.arn,
      };
    return { CiphertextBlob: blob.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
  }

  /**
   * The request's Recipient, its attestation document verified (signature, chain to the trusted root,
   * age; no PCRs here: those are the key policy's to judge), or undefined when it has none.
   */
  private async recipientOf(request: JsonInput): Promise<Recipient | undefined> {
    const raw = request.optionalObject('Recipient');
    if (raw === undefined) return undefined;
    const recipient = read(raw);
    const algorithm = recipient.optionalString('KeyEncryptionAlgorithm') ?? 'RSAES_OAEP_SHA_256';
    if (algorithm !== 'RSAES_OAEP_SHA_256')
      throw validation(`KeyEncryptionAlgorithm ${algorithm} is not one of RSAES_OAEP_SHA_256`);
    const document = recipient.blob('AttestationDocument');
    const trust = this.recipientTrust;
    if (trust === undefined)
      throw new AwsServiceError(
        'UnsupportedOperationException',
        'This local KMS trusts no attestation root: give it one (recipient option or trustAttestations) to use Recipient',
      );
    let verified: VerifiedAttestation;
    try {
      verified = await trust.verifier.verify(document, {
        pcrs: {},
        now: trust.clock(),
        maxAgeSeconds: trust.maxAgeSeconds,
      });
    } catch (error) {
      if (isAttestationError(error))
        throw validation(`The attestation document is not valid (${error.code}): ${error.message}`);
      throw error;
    }
    if (verified.publicKey === undefined) throw validation('The attestation document has no public key');
    return { publicKey: verified.publicKey, pcrs: verified.pcrs };
  }

  /** The key named, if its policy (when it has one) allows `operation` with these condition keys. */
  private authorized(keyId: string, operation: string, conditionKeys: Readonly<Record<string, string>> = {}): KmsKey {
    const key = this.find(keyId);
    if (key.policy !== undefined && !key.policy.allows({ action: `kms:${operation}`, context: conditionKeys }))
      throw new AwsServiceError(
        'AccessDeniedException',
        `The key policy of ${key.arn} does not allow kms:${operation} for this request`,
      );
    return key;
  }

  /** The key named, allowed by its policy, enabled and (when given) of that usage. */
  private usable(
    keyId: string,
    operation: string,
    usage?: KmsKeyUsage,
    conditionKeys: Readonly<Record<string, string>> = {},
  ): KmsKey {
    const key = this.authorized(keyId, operation, conditionKeys);
    if (!key.enabled) throw new AwsServiceError('DisabledException', `${key.arn} is disabled.`);
    if (usage !== undefined && key.usage !== usage)
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.usage} which is not valid for ${operation}.`,
      );
    return key;
  }

  /** The key a key id, key ARN, alias name or alias ARN names. */
  private find(ref: string): KmsKey {
    const arnPrefix = `arn:aws:kms:${this.region}:${this.account}:`;
    let id: string | undefined;
    if (UUID.test(ref)) id = ref;
    else if (ref.startsWith(`${arnPrefix}key/`)) id = ref.slice(arnPrefix.length + 4);
    else if (ref.startsWith('alias/') || ref.startsWith(`${arnPrefix}alias/`)) {
      const alias = ref.startsWith('alias/') ? ref : ref.slice(arnPrefix.length);
      id = this.aliases.get(alias);
      if (id === undefined)
        throw new AwsServiceError('NotFoundException', `Alias ${this.aliasArn(alias)} is not found.`);
    } else if (!/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(ref)) {
      throw new AwsServiceError('NotFoundException', `Invalid keyId '${ref}'`);
    }
    const key = id === undefined ? undefined : this.keys.get(id);
    if (key === undefined)
      throw new AwsServiceError(
        'NotFoundException',
        `Key '${ref.startsWith('arn:') ? ref : `${arnPrefix}key/${ref}`}' does not exist`,
      );
    return key;
  }

  private aliasArn(alias: string): string {
    return `arn:aws:kms:${this.region}:${this.account}:${alias}`;
  }
}

const read = (input: AwsJsonInput): JsonInput => jsonInput(input, validation);

/** The condition keys a request carries into the key policy: its encryption context and attested PCRs. */
function conditionKeysOf(
  encryptionContext: Readonly<Record<string, string>>,
  recipient?: Recipient,
): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [name, value] of Object.entries(encryptionContext)) keys[`kms:EncryptionContext:${name}`] = value;
  if (recipient !== undefined) {
    for (const [index, value] of Object.entries(recipient.pcrs)) keys[`kms:RecipientAttestation:PCR${index}`] = value;
    const image = recipient.pcrs[0];
    if (image !== undefined) keys['kms:RecipientAttestation:ImageSha384'] = image;
  }
  return keys;
}

/** The CMS envelope of `plaintext` to the attested key, base64; the plaintext is wiped once sealed. */
function sealedFor(recipient: Recipient, plaintext: Buffer): string {
  try {
    return Buffer.from(sealForRecipient(plaintext, recipient.publicKey)).toString('base64');
  } catch (error) {
    if (error instanceof RecipientEnvelopeError)
      throw validation(`The attestation document's public key cannot be used: ${error.message}`);
    throw error;
  } finally {
    plaintext.fill(0);
  }
}

/** KMS keys have one policy, named "default". */
function policyNameOf(request: JsonInput): void {
  const name = request.optionalString('PolicyName') ?? 'default';
  if (name !== 'default') throw new AwsServiceError('NotFoundException', `No such policy exists: ${name}`);
}

/** What KMS reports for a key made without a policy: the account may do anything with it. */
function defaultPolicyOf(account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

function encryptionAlgorithmOf(request: JsonInput): void {
  const algorithm = request.optionalString('EncryptionAlgorithm') ?? 'SYMMETRIC_DEFAULT';
  if (algorithm !== 'SYMMETRIC_DEFAULT')
    throw new AwsServiceError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec SYMMETRIC_DEFAULT.`,
    );
}

/** version ‖ key id ‖ IV ‖ GCM tag ‖ ciphertext: the blob names its key, as KMS's does. */
function encrypt(key: KmsKey, plaintext: Uint8Array, context: Readonly<Record<string, string>>): Buffer {
  const header = Buffer.concat([Buffer.of(BLOB_VERSION), Buffer.from(key.id, 'latin1')]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.secret, iv);
  cipher.setAAD(aadOf(header, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

/** The header and the encryption context, its pairs sorted by key: KMS ignores their order, not their case. */
function aadOf(header: Buffer, context: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat([header, Buffer.from(JSON.stringify(pairs), 'utf8')]);
}

function metadataOf(key: KmsKey, account: string): Record<string, unknown> {
  return {
    AWSAccountId: account,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: key.created.getTime() / 1000,
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: key.usage,
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.spec,
    KeySpec: key.spec,
    MultiRegion: false,
    ...(key.usage === 'SIGN_VERIFY'
      ? { SigningAlgorithms: ['ECDSA_SHA_256'] }
      : { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
  };
}

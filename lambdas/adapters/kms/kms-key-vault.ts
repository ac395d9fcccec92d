import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  ListResourceTagsCommand,
  SignCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { hexToBytes, numberToHex, type Hex } from 'viem';
import type { Address } from '../../domain/address';
import { DependencyUnavailableError, SigningError } from '../../domain/errors';
import type { DigestSignature, KeyPurpose, KeyRef, KeyVault } from '../../ports/key-vault';
import { knownKey, type KnownKey } from '../../signing/known-key';
import { classifyKmsError } from './classify-kms-error';
import { decodeKmsSignature } from './decode-kms-signature';
import { spkiToPublicKey } from './spki-to-address';

export interface KmsKeyVaultOptions {
  /**
   * The key policy of new keys (JSON). Without it KMS applies its default policy; deployments pass
   * one that denies kms:ScheduleKeyDeletion.
   */
  readonly keyPolicy?: string;
  /** Prefix of the description of new keys; the owner and purpose follow it. */
  readonly descriptionPrefix?: string;
  /** How many keys (public key and address, and as many key purposes) to remember. */
  readonly addressCacheSize?: number;
}

const DIGEST = /^0x[0-9a-fA-F]{64}$/;
/**
 * The tags `createKey` writes (`signDigest` reads the purpose): the CDK stack's IAM conditions name
 * them too (aws:RequestTag / aws:ResourceTag), from here.
 */
export const KEY_TAG = { owner: 'strongroom:owner', purpose: 'strongroom:purpose' } as const;
const PURPOSE_TAG = KEY_TAG.purpose;
const PURPOSES: readonly string[] = ['custody', 'approval', 'audit'] satisfies readonly KeyPurpose[];

/** An alias can be pointed at another key, so nothing is cached under it; key ids and ARNs are for life. */
const isAlias = (keyId: string): boolean => keyId.startsWith('alias/') || keyId.includes(':alias/');

/**
 * The key vault on AWS KMS: asymmetric `ECC_SECG_P256K1` keys for `SIGN_VERIFY`, tagged with owner
 * and purpose. A key id is the key's ARN. KMS signs digests in DER with either s; this adapter turns
 * that into the (r, s, yParity) Ethereum takes, and refuses any signature that does not verify against
 * the key's public key (from GetPublicKey): one verification finds the recovery bit too (the parity of
 * the point it computes), where a search by recovery took one or two recoveries.
 *
 * `signDigest` refuses, before calling Sign, a key whose `strongroom:purpose` tag (written by
 * `createKey`) is not the purpose asked for, or that has no such tag: a key we did not create is not
 * ours. In AWS this is not the only lock: the IAM policy of each signer role also allows kms:Sign
 * only on keys whose `aws:ResourceTag/strongroom:purpose` is that role's purpose (granted by the CDK
 * stacks, not written yet), so KMS itself refuses a misrouted key id.
 *
 * Public keys (with their addresses) and purposes are cached per key (a KMS key's public key never
 * changes, nor does the purpose we tagged it with), so `addressOf` and `publicKeyOf` answer a disabled
 * key from the cache once they have seen it; `signDigest` is where KEY.DISABLED is certain. Nothing is cached under an alias: `signDigest`
 * resolves an alias to its key ARN on every call (GetPublicKey names the key), and checks the
 * purpose of, and signs with, that ARN, so the key checked is the key that signs.
 *
 * Retries are the client's, not this adapter's: build the client with `kmsClient()` (./kms-client),
 * whose SDK retry strategy retries throttling, 5xx and dropped connections with jittered backoff.
 * This adapter calls KMS once per operation and maps what still fails: refusals to KEY.NOT_FOUND,
 * KEY.DISABLED or KEY.WRONG_PURPOSE, a failure the client retried to the end to KEY.UNAVAILABLE.
 */
export class KmsKeyVault implements KeyVault {
  private readonly keys = new Map<string, KnownKey>();
  private readonly purposes = new Map<string, KeyPurpose>();
  private readonly addressCacheSize: number;

  constructor(
    private readonly kms: KMSClient,
    private readonly options: KmsKeyVaultOptions = {},
  ) {
    this.addressCacheSize = options.addressCacheSize ?? 1_000;
  }

  async createKey(request: { readonly ownerId: string; readonly purpose: KeyPurpose }): Promise<KeyRef> {
    if (request.ownerId.length === 0 || request.ownerId.length > 256)
      throw new RangeError('ownerId must have 1 to 256 characters');
    // A CreateKey the client retries after a lost response can leave an orphan key: tagged with its
    // owner, it costs a monthly fee and can sign nothing that is not routed to it, so retrying is still right.
    const created = await this.send('CreateKey', undefined, () =>
      this.kms.send(
        new CreateKeyCommand({
          KeySpec: 'ECC_SECG_P256K1',
          KeyUsage: 'SIGN_VERIFY',
          Description: `${this.options.descriptionPrefix ?? 'strongroom'} ${request.purpose} key of ${request.ownerId}`,
          Tags: [
            { TagKey: KEY_TAG.owner, TagValue: request.ownerId },
            { TagKey: KEY_TAG.purpose, TagValue: request.purpose },
          ],
          ...(this.options.keyPolicy === undefined ? {} : { Policy: this.options.keyPolicy }),
        }),
      ),
    );
    const keyId = created.KeyMetadata?.Arn;
    if (keyId === undefined) throw new Error('KMS CreateKey answered without the key ARN');
    // We just tagged it: remembering the purpose spares a ListResourceTags that, KMS being eventually
    // consistent, might not see the new key's tags yet.
    remember(this.purposes, this.addressCacheSize, keyId, request.purpose);
    return { keyId, address: await this.addressOf(keyId) };
  }

  async addressOf(keyId: string): Promise<Address> {
    return (await this.keyOf(keyId)).address;
  }

  async publicKeyOf(keyId: string): Promise<Hex> {
    return (await this.keyOf(keyId)).publicKey;
  }

  async signDigest(keyId: string, digest: Hex, purpose: KeyPurpose): Promise<DigestSignature> {
    if (!DIGEST.test(digest)) throw new RangeError('digest must be 32 bytes as 0x-prefixed hex');
    const key = await this.resolve(keyId);
    await this.assertPurpose(key.keyId, purpose);
    // The approval and audit keys sign (and are checked) for every transfer: worth their tables.
    if (purpose !== 'custody') key.known.precompute();
    const message = hexToBytes(digest);
    const response = await this.send('Sign', key.keyId, () =>
      this.kms.send(
        new SignCommand({
          KeyId: key.keyId,
          Message: message,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    );
    if (response.Signature === undefined)
      throw new SigningError('KEY.BAD_SIGNATURE', `KMS Sign with ${keyId} answered without a signature`, {
        details: { keyId },
      });
    let scalars: ReturnType<typeof decodeKmsSignature>;
    try {
      scalars = decodeKmsSignature(response.Signature);
    } catch (cause) {
      throw new SigningError(
        'KEY.BAD_SIGNATURE',
        `KMS Sign with ${keyId} returned a signature that is not a DER ECDSA signature`,
        { details: { keyId }, cause },
      );
    }
    const yParity = key.known.recoveryBit(message, scalars.r, scalars.s);
    if (yParity === undefined) {
      throw new SigningError(
        'KEY.BAD_SIGNATURE',
        `KMS Sign with ${keyId} returned a signature that does not verify against the key of ${key.known.address}`,
        { details: { keyId, address: key.known.address } },
      );
    }
    return { r: numberToHex(scalars.r, { size: 32 }), s: numberToHex(scalars.s, { size: 32 }), yParity };
  }

  /** The key of a key id, from the cache or GetPublicKey; nothing is cached under an alias. */
  private async keyOf(keyId: string): Promise<KnownKey> {
    const cached = this.keys.get(keyId);
    if (cached !== undefined) return cached;
    const { known } = await this.describe(keyId);
    if (!isAlias(keyId)) remember(this.keys, this.addressCacheSize, keyId, known);
    return known;
  }

  /** GetPublicKey, checked: a secp256k1 signing key, its public key and address, and the ARN KMS says it has. */
  private async describe(keyId: string): Promise<{ known: KnownKey; keyArn: string | undefined }> {
    const response = await this.send('GetPublicKey', keyId, () =>
      this.kms.send(new GetPublicKeyCommand({ KeyId: keyId })),
    );
    if (
      response.KeySpec !== 'ECC_SECG_P256K1' ||
      response.KeyUsage !== 'SIGN_VERIFY' ||
      response.PublicKey === undefined
    ) {
      throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${keyId} is not a secp256k1 signing key`, {
        details: { keyId, keySpec: response.KeySpec ?? null, keyUsage: response.KeyUsage ?? null },
      });
    }
    try {
      return { known: knownKey(spkiToPublicKey(response.PublicKey)), keyArn: response.KeyId };
    } catch (cause) {
      throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${keyId} does not have a secp256k1 public key`, {
        details: { keyId },
        cause,
      });
    }
  }

  /** The key a key id names, as a key id that is not an alias, with its public key. */
  private async resolve(keyId: string): Promise<{ keyId: string; known: KnownKey }> {
    if (!isAlias(keyId)) return { keyId, known: await this.keyOf(keyId) };
    // ListResourceTags takes no alias, and an alias can move between two calls: pin the key once.
    const { known, keyArn } = await this.describe(keyId);
    if (keyArn === undefined || isAlias(keyArn))
      throw new Error(`KMS GetPublicKey of ${keyId} answered without the key ARN`);
    return { keyId: keyArn, known };
  }

  /** KEY.WRONG_PURPOSE unless the key's `strongroom:purpose` tag is `purpose`. */
  private async assertPurpose(keyId: string, purpose: KeyPurpose): Promise<void> {
    const recorded = this.purposes.get(keyId) ?? (await this.readPurpose(keyId));
    if (recorded === purpose) return;
    const keyPurpose = recorded ?? null;
    const what = recorded === undefined ? `has no ${PURPOSE_TAG} tag of ours` : `is a ${recorded} key`;
    throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${keyId} ${what}, not a ${String(purpose)} key`, {
      details: { keyId, purpose, keyPurpose },
    });
  }

  /** The purpose tag of a key (never an alias), remembered when it is one of ours. */
  private async readPurpose(keyId: string): Promise<KeyPurpose | undefined> {
    let value: string | undefined;
    let marker: string | undefined;
    do {
      const page = await this.send('ListResourceTags', keyId, () =>
        this.kms.send(
          new ListResourceTagsCommand({ KeyId: keyId, ...(marker === undefined ? {} : { Marker: marker }) }),
        ),
      );
      value ??= page.Tags?.find((tag) => tag.TagKey === PURPOSE_TAG)?.TagValue;
      marker = page.Truncated === true ? page.NextMarker : undefined;
    } while (value === undefined && marker !== undefined);
    if (value === undefined || !PURPOSES.includes(value)) return undefined;
    const purpose = value as KeyPurpose;
    remember(this.purposes, this.addressCacheSize, keyId, purpose);
    return purpose;
  }

  /**
   * Runs one KMS call and maps its failure to a KEY.* code. No loop here: the client's retry strategy
   * (see `kmsClient`) has already retried what was transient, and says how often in `$metadata.attempts`.
   */
  private async send<T>(operation: string, keyId: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const details = { operation, ...(keyId === undefined ? {} : { keyId }), error: errorName(error) };
      const key = keyId ?? '(new key)';
      switch (classifyKmsError(error)) {
        case 'not_found':
          throw new SigningError('KEY.NOT_FOUND', `KMS has no key ${key}`, { details, cause: error });
        case 'disabled':
          throw new SigningError('KEY.DISABLED', `KMS key ${key} is disabled or pending deletion`, {
            details,
            cause: error,
          });
        case 'wrong_usage':
          throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${key} is not a signing key`, {
            details,
            cause: error,
          });
        case 'other':
          throw error;
        case 'transient': {
          const attempts = attemptsOf(error);
          throw new DependencyUnavailableError(
            'KEY.UNAVAILABLE',
            `KMS ${operation} failed ${attempts === 1 ? 'once' : `${attempts} times`}, last with ${details.error}`,
            { details: { ...details, attempts }, cause: error },
          );
        }
      }
    }
  }
}

/** Adds to a bounded cache, dropping the oldest entry when it is full. */
function remember<V>(cache: Map<string, V>, size: number, keyId: string, value: V): void {
  if (cache.size >= size) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(keyId, value);
}

/** The error's name, and its socket code if it has one: what to log and retry on, never its message. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}

/** How many times the client sent the call before giving up (the SDK's retry middleware records it); 1 when it does not say. */
function attemptsOf(error: unknown): number {
  const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
  return typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 1 ? attempts : 1;
}

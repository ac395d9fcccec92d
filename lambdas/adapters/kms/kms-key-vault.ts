import { CreateKeyCommand, GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { hexToBytes, numberToHex, type Hex } from 'viem';
import type { Address } from '../../domain/address';
import { DependencyUnavailableError, SigningError } from '../../domain/errors';
import type { DigestSignature, KeyPurpose, KeyRef, KeyVault } from '../../ports/key-vault';
import { classifyKmsError } from './classify-kms-error';
import { decodeKmsSignature } from './decode-kms-signature';
import { findRecoveryBit } from './find-recovery-bit';
import { spkiToAddress } from './spki-to-address';

export interface KmsRetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface KmsKeyVaultOptions {
  /**
   * The key policy of new keys (JSON). Without it KMS applies its default policy; deployments pass
   * one that denies kms:ScheduleKeyDeletion.
   */
  readonly keyPolicy?: string;
  /** Prefix of the description of new keys; the owner and purpose follow it. */
  readonly descriptionPrefix?: string;
  /**
   * Retries of throttling, unavailable keys, 5xx and network failures. They come on top of the
   * client's own retries: a client built with `maxAttempts: 1` leaves the policy to this one.
   */
  readonly retry?: Partial<KmsRetryOptions>;
  /** How many key addresses to remember. */
  readonly addressCacheSize?: number;
  /** Injected for tests: waits between attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: the jitter source, in [0, 1). */
  readonly random?: () => number;
}

export const DEFAULT_KMS_RETRY: KmsRetryOptions = { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 1_000 };

const DIGEST = /^0x[0-9a-fA-F]{64}$/;

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An alias can be pointed at another key, so its address is never cached; key ids and ARNs are for life. */
const isAlias = (keyId: string): boolean => keyId.startsWith('alias/') || keyId.includes(':alias/');

/**
 * The key vault on AWS KMS: asymmetric `ECC_SECG_P256K1` keys for `SIGN_VERIFY`, tagged with owner
 * and purpose. A key id is the key's ARN. KMS signs digests in DER with either s; this adapter turns
 * that into the (r, s, yParity) Ethereum takes, and refuses any signature that does not recover to
 * the key's address.
 *
 * Addresses are cached per key (the public key of a KMS key never changes), so `addressOf` answers a
 * disabled key from the cache once it has seen it; `signDigest` is where KEY.DISABLED is certain.
 */
export class KmsKeyVault implements KeyVault {
  private readonly retry: KmsRetryOptions;
  private readonly addresses = new Map<string, Address>();
  private readonly addressCacheSize: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly kms: KMSClient,
    private readonly options: KmsKeyVaultOptions = {},
  ) {
    this.retry = { ...DEFAULT_KMS_RETRY, ...options.retry };
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be a positive integer');
    this.addressCacheSize = options.addressCacheSize ?? 1_000;
    this.sleep = options.sleep ?? sleepFor;
    this.random = options.random ?? Math.random;
  }

  async createKey(request: { readonly ownerId: string; readonly purpose: KeyPurpose }): Promise<KeyRef> {
    if (request.ownerId.length === 0 || request.ownerId.length > 256) throw new RangeError('ownerId must have 1 to 256 characters');
    // A retried CreateKey after a lost response can leave an orphan key: tagged with its owner, it
    // costs a monthly fee and can sign nothing that is not routed to it, so retrying is still right.
    const created = await this.send('CreateKey', undefined, () =>
      this.kms.send(
        new CreateKeyCommand({
          KeySpec: 'ECC_SECG_P256K1',
          KeyUsage: 'SIGN_VERIFY',
          Description: `${this.options.descriptionPrefix ?? 'strongroom'} ${request.purpose} key of ${request.ownerId}`,
          Tags: [
            { TagKey: 'strongroom:owner', TagValue: request.ownerId },
            { TagKey: 'strongroom:purpose', TagValue: request.purpose },
          ],
          ...(this.options.keyPolicy === undefined ? {} : { Policy: this.options.keyPolicy }),
        }),
      ),
    );
    const keyId = created.KeyMetadata?.Arn;
    if (keyId === undefined) throw new Error('KMS CreateKey answered without the key ARN');
    return { keyId, address: await this.addressOf(keyId) };
  }

  async addressOf(keyId: string): Promise<Address> {
    const cached = this.addresses.get(keyId);
    if (cached !== undefined) return cached;
    const response = await this.send('GetPublicKey', keyId, () => this.kms.send(new GetPublicKeyCommand({ KeyId: keyId })));
    if (response.KeySpec !== 'ECC_SECG_P256K1' || response.KeyUsage !== 'SIGN_VERIFY' || response.PublicKey === undefined) {
      throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${keyId} is not a secp256k1 signing key`, { details: { keyId, keySpec: response.KeySpec ?? null, keyUsage: response.KeyUsage ?? null } });
    }
    let address: Address;
    try {
      address = spkiToAddress(response.PublicKey);
    } catch (cause) {
      throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${keyId} does not have a secp256k1 public key`, { details: { keyId }, cause });
    }
    if (!isAlias(keyId)) this.remember(keyId, address);
    return address;
  }

  async signDigest(keyId: string, digest: Hex): Promise<DigestSignature> {
    if (!DIGEST.test(digest)) throw new RangeError('digest must be 32 bytes as 0x-prefixed hex');
    const address = await this.addressOf(keyId);
    const message = hexToBytes(digest);
    const response = await this.send('Sign', keyId, () =>
      this.kms.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
    );
    if (response.Signature === undefined) throw new SigningError('KEY.BAD_SIGNATURE', `KMS Sign with ${keyId} answered without a signature`, { details: { keyId } });
    let scalars: ReturnType<typeof decodeKmsSignature>;
    try {
      scalars = decodeKmsSignature(response.Signature);
    } catch (cause) {
      throw new SigningError('KEY.BAD_SIGNATURE', `KMS Sign with ${keyId} returned a signature that is not a DER ECDSA signature`, { details: { keyId }, cause });
    }
    const yParity = findRecoveryBit(scalars, message, address);
    if (yParity === undefined) {
      throw new SigningError('KEY.BAD_SIGNATURE', `KMS Sign with ${keyId} returned a signature that does not recover to ${address}`, { details: { keyId, address } });
    }
    return { r: numberToHex(scalars.r, { size: 32 }), s: numberToHex(scalars.s, { size: 32 }), yParity };
  }

  private remember(keyId: string, address: Address): void {
    if (this.addresses.size >= this.addressCacheSize) {
      const oldest = this.addresses.keys().next();
      if (!oldest.done) this.addresses.delete(oldest.value);
    }
    this.addresses.set(keyId, address);
  }

  /** Runs one KMS call, retrying transient failures with full-jitter exponential backoff, and maps refusals to KEY.* codes. */
  private async send<T>(operation: string, keyId: string | undefined, call: () => Promise<T>): Promise<T> {
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const details = { operation, ...(keyId === undefined ? {} : { keyId }), error: errorName(error) };
        const key = keyId ?? '(new key)';
        switch (classifyKmsError(error)) {
          case 'not_found':
            throw new SigningError('KEY.NOT_FOUND', `KMS has no key ${key}`, { details, cause: error });
          case 'disabled':
            throw new SigningError('KEY.DISABLED', `KMS key ${key} is disabled or pending deletion`, { details, cause: error });
          case 'wrong_usage':
            throw new SigningError('KEY.WRONG_PURPOSE', `KMS key ${key} is not a signing key`, { details, cause: error });
          case 'other':
            throw error;
          case 'transient':
            if (attempt >= maxAttempts) {
              throw new DependencyUnavailableError('KEY.UNAVAILABLE', `KMS ${operation} failed ${attempt} times, last with ${details.error}`, {
                details: { ...details, attempts: attempt },
                cause: error,
              });
            }
            await this.sleep(this.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
        }
      }
    }
  }
}

/** The error's name, and its socket code if it has one: what to log and retry on, never its message. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}

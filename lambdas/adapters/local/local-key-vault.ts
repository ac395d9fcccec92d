import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, isAddressEqual, numberToHex, type Hex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import type { Address } from '../../domain/address';
import { SigningError } from '../../domain/errors';
import type { DigestSignature, KeyPurpose, KeyRef, KeyVault } from '../../ports/key-vault';

export interface LocalKeyVaultOptions {
  /** Opens the vault; never logged, never in an error, never kept in a field that inspect or JSON shows. */
  readonly passphrase: string;
  /** One file per key, in a directory only this user may enter (0700). Without it, keys live in memory only. */
  readonly directory?: string;
  /** scrypt cost of a new vault: a power of two, 2^15 by default, at least 2^14. */
  readonly scryptN?: number;
  /** Lets tests and benches use a scrypt cost down to 2^10 (and open files made so). Never in a deployment. */
  readonly testOnlyWeakKdf?: boolean;
}

interface KdfParams {
  readonly name: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** hex */
  readonly salt: string;
}

/** A key file, as stored: everything but `ciphertext` is in the clear, and bound to it by AES-GCM. */
interface KeyFile {
  readonly version: 1;
  readonly keyId: string;
  readonly address: Address;
  readonly ownerId: string;
  readonly purpose: KeyPurpose;
  readonly kdf: KdfParams;
  readonly cipher: 'aes-256-gcm';
  /** hex, 12 bytes */
  readonly iv: string;
  /** hex, 16 bytes */
  readonly tag: string;
  /** hex, the 32-byte private key encrypted */
  readonly ciphertext: string;
}

/** `vault.json`: the vault's KDF parameters and a check value that only the right passphrase opens. */
interface VaultFile {
  readonly version: 1;
  readonly kdf: KdfParams;
  readonly check: { readonly iv: string; readonly tag: string };
}

const VAULT_FILE = 'vault.json';
const CHECK_CONTEXT = 'strongroom local key vault v1';
const KEY_CONTEXT = 'strongroom local key v1';
const KEY_ID = /^local-[0-9a-f]{32}$/;
const DIGEST = /^0x[0-9a-fA-F]{64}$/;
const PURPOSES: readonly KeyPurpose[] = ['custody', 'approval', 'audit'];
const DEFAULT_SCRYPT_N = 2 ** 15;
const MIN_SCRYPT_N = 2 ** 14;
const MIN_TEST_SCRYPT_N = 2 ** 10;
// Bounds on what a file may ask for: scrypt takes 128·N·r bytes, so these cap it at 256 MiB.
const MAX_SCRYPT_N = 2 ** 18;
const SCRYPT_R = 8;
const SCRYPT_P = 1;

/**
 * A key vault of software secp256k1 keys, for the local runtime: each key encrypted at rest with
 * AES-256-GCM under a key derived from a passphrase with scrypt, in a file of its own. The clear
 * fields (key id, address, owner, purpose) are the associated data, so a file edited or put in place
 * of another does not open; after decrypting, the key must still derive the stored address.
 * `signDigest` refuses a key whose recorded purpose is not the one asked for, before it signs.
 *
 * scrypt runs once per salt (once per vault) and the derived key is kept, so signing costs a
 * decryption and a signature. Secrets are in `#private` fields, which neither `JSON.stringify` nor
 * `util.inspect` can reach.
 */
export class LocalKeyVault implements KeyVault {
  readonly #passphrase: Buffer;
  readonly #directory: string | undefined;
  readonly #minN: number;
  /** Parameters (and salt) of the keys this vault creates. */
  readonly #kdf: KdfParams;
  /** Derived keys by KDF parameters and salt. */
  readonly #derived = new Map<string, Promise<Buffer>>();
  /** Key records that have been authenticated; in memory mode, the only copy. */
  readonly #keys = new Map<string, KeyFile>();
  /** The public key of each record in #keys, derived from its private key when it was authenticated. */
  readonly #publicKeys = new Map<string, Hex>();

  private constructor(passphrase: Buffer, directory: string | undefined, minN: number, kdf: KdfParams) {
    this.#passphrase = passphrase;
    this.#directory = directory;
    this.#minN = minN;
    this.#kdf = kdf;
  }

  /**
   * Opens the vault in `directory` (creating it and its `vault.json` if need be), or a new in-memory
   * vault. Derives the vault key once; KEY.VAULT_SEALED if the passphrase is not the vault's.
   */
  static async open(options: LocalKeyVaultOptions): Promise<LocalKeyVault> {
    if (options.passphrase.length === 0) throw new RangeError('the passphrase must not be empty');
    const minN = options.testOnlyWeakKdf === true ? MIN_TEST_SCRYPT_N : MIN_SCRYPT_N;
    const N = options.scryptN ?? DEFAULT_SCRYPT_N;
    if (!isKdfCost(N, minN)) throw new RangeError(`scryptN must be a power of two from ${minN} to ${MAX_SCRYPT_N}`);
    const passphrase = Buffer.from(options.passphrase.normalize('NFC'), 'utf8');
    const fresh: KdfParams = { name: 'scrypt', N, r: SCRYPT_R, p: SCRYPT_P, salt: randomBytes(16).toString('hex') };
    if (options.directory === undefined) {
      const vault = new LocalKeyVault(passphrase, undefined, minN, fresh);
      await vault.#derive(fresh);
      return vault;
    }
    const directory = options.directory;
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const { mode } = await stat(directory);
    if ((mode & 0o077) !== 0)
      throw new Error(`the key directory ${directory} must be closed to group and others (chmod 700)`);

    const existing = await readVaultFile(directory);
    if (existing === undefined) {
      const vault = new LocalKeyVault(passphrase, directory, minN, fresh);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await vault.#derive(fresh), iv);
      cipher.setAAD(Buffer.from(CHECK_CONTEXT, 'utf8'));
      cipher.final();
      const file: VaultFile = {
        version: 1,
        kdf: fresh,
        check: { iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
      };
      try {
        await writeNewFile(directory, VAULT_FILE, JSON.stringify(file, null, 2));
        return vault;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        return LocalKeyVault.open(options); // another process created the vault first: open theirs
      }
    }
    if (!isKdfCost(existing.kdf.N, minN))
      throw new SigningError('KEY.VAULT_SEALED', `the vault in ${directory} uses a scrypt cost below ${minN}`);
    const vault = new LocalKeyVault(passphrase, directory, minN, existing.kdf);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      await vault.#derive(existing.kdf),
      Buffer.from(existing.check.iv, 'hex'),
    );
    decipher.setAAD(Buffer.from(CHECK_CONTEXT, 'utf8'));
    decipher.setAuthTag(Buffer.from(existing.check.tag, 'hex'));
    try {
      decipher.final();
    } catch {
      throw new SigningError('KEY.VAULT_SEALED', `the vault in ${directory} does not open with this passphrase`);
    }
    return vault;
  }

  async createKey(request: { readonly ownerId: string; readonly purpose: KeyPurpose }): Promise<KeyRef> {
    if (request.ownerId.length === 0 || request.ownerId.length > 256)
      throw new RangeError('ownerId must have 1 to 256 characters');
    if (!PURPOSES.includes(request.purpose)) throw new RangeError(`purpose must be one of ${PURPOSES.join(', ')}`);
    const keyId = `local-${randomBytes(16).toString('hex')}`;
    const secret = secp256k1.utils.randomSecretKey();
    try {
      const publicKey = publicKeyOfSecret(secret);
      const address = publicKeyToAddress(publicKey);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await this.#derive(this.#kdf), iv);
      cipher.setAAD(associatedData(keyId, address, request.ownerId, request.purpose));
      const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
      const record: KeyFile = {
        version: 1,
        keyId,
        address,
        ownerId: request.ownerId,
        purpose: request.purpose,
        kdf: this.#kdf,
        cipher: 'aes-256-gcm',
        iv: iv.toString('hex'),
        tag: cipher.getAuthTag().toString('hex'),
        ciphertext: ciphertext.toString('hex'),
      };
      if (this.#directory !== undefined)
        await writeNewFile(this.#directory, `${keyId}.json`, JSON.stringify(record, null, 2));
      this.#publicKeys.set(keyId, publicKey);
      this.#keys.set(keyId, record);
      return { keyId, address };
    } finally {
      secret.fill(0);
    }
  }

  async addressOf(keyId: string): Promise<Address> {
    return (await this.#load(keyId)).address;
  }

  async publicKeyOf(keyId: string): Promise<Hex> {
    const record = await this.#load(keyId);
    const publicKey = this.#publicKeys.get(record.keyId);
    if (publicKey === undefined) throw new Error(`local key ${keyId} was loaded without its public key`);
    return publicKey;
  }

  async signDigest(keyId: string, digest: Hex, purpose: KeyPurpose): Promise<DigestSignature> {
    if (!DIGEST.test(digest)) throw new RangeError('digest must be 32 bytes as 0x-prefixed hex');
    const record = await this.#load(keyId);
    // The record's purpose is authenticated (it is in the associated data), so it is the one the key was created with.
    if (record.purpose !== purpose) {
      throw new SigningError(
        'KEY.WRONG_PURPOSE',
        `local key ${keyId} is a ${record.purpose} key, not a ${String(purpose)} key`,
        {
          details: { keyId, purpose, keyPurpose: record.purpose },
        },
      );
    }
    const secret = await this.#decrypt(record);
    try {
      // RFC 6979 nonces; lowS (the default) gives s ≤ n/2, and the recovery bit comes with it.
      const signed = secp256k1.Signature.fromBytes(
        secp256k1.sign(hexToBytes(digest), secret, { prehash: false, format: 'recovered' }),
        'recovered',
      );
      if (signed.recovery !== 0 && signed.recovery !== 1) {
        // r ≥ n: about one chance in 2^128, and not expressible as an Ethereum yParity.
        throw new SigningError(
          'KEY.BAD_SIGNATURE',
          `signature with ${keyId} has recovery id ${String(signed.recovery)}`,
          { details: { keyId } },
        );
      }
      return {
        r: numberToHex(signed.r, { size: 32 }),
        s: numberToHex(signed.s, { size: 32 }),
        yParity: signed.recovery,
      };
    } finally {
      secret.fill(0);
    }
  }

  toJSON(): { directory: string | null } {
    return { directory: this.#directory ?? null };
  }

  toString(): string {
    return `LocalKeyVault(${this.#directory ?? 'in memory'})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** The record of a key, authenticated: read, decrypted once, and its key checked against its address. */
  async #load(keyId: string): Promise<KeyFile> {
    const known = this.#keys.get(keyId);
    if (known !== undefined) return known;
    // The id names a file: anything but our own id format would be a path.
    if (this.#directory === undefined || !KEY_ID.test(keyId)) throw notFound(keyId);
    let text: string;
    try {
      text = await readFile(join(this.#directory, `${keyId}.json`), 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') throw notFound(keyId);
      throw error;
    }
    const record = parseKeyFile(text);
    if (record === undefined) throw sealed(keyId, 'is malformed');
    if (record.keyId !== keyId) throw sealed(keyId, 'holds another key');
    if (!isKdfCost(record.kdf.N, this.#minN)) throw sealed(keyId, `uses a scrypt cost below ${this.#minN}`);
    const secret = await this.#decrypt(record);
    let publicKey: Hex;
    try {
      publicKey = publicKeyOfSecret(secret);
      if (!isAddressEqual(publicKeyToAddress(publicKey), record.address))
        throw sealed(keyId, 'holds a key of another address');
    } finally {
      secret.fill(0);
    }
    this.#publicKeys.set(keyId, publicKey);
    this.#keys.set(keyId, record);
    return record;
  }

  /** The private key of a record; the caller zeroes it when done. */
  async #decrypt(record: KeyFile): Promise<Buffer> {
    const key = await this.#derive(record.kdf);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(record.iv, 'hex'));
    decipher.setAAD(associatedData(record.keyId, record.address, record.ownerId, record.purpose));
    decipher.setAuthTag(Buffer.from(record.tag, 'hex'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(record.ciphertext, 'hex')), decipher.final()]);
    } catch {
      throw sealed(
        record.keyId,
        'does not open: it was altered, put in place of another, or sealed under another passphrase',
      );
    }
  }

  #derive(kdf: KdfParams): Promise<Buffer> {
    const id = `${kdf.N}.${kdf.r}.${kdf.p}.${kdf.salt}`;
    let derived = this.#derived.get(id);
    if (derived === undefined) {
      derived = new Promise<Buffer>((resolve, reject) => {
        // maxmem: scrypt needs 128·N·r bytes and a little more; Node's 32 MiB default refuses N = 2^15.
        scrypt(
          this.#passphrase,
          Buffer.from(kdf.salt, 'hex'),
          32,
          { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 2 ** 20 },
          (error, key) => (error === null ? resolve(key) : reject(error)),
        );
      });
      this.#derived.set(id, derived);
      derived.catch(() => this.#derived.delete(id));
    }
    return derived;
  }
}

/** The uncompressed public key (0x04 ‖ x ‖ y) of a private key. */
function publicKeyOfSecret(secret: Uint8Array): Hex {
  return bytesToHex(secp256k1.getPublicKey(secret, false));
}

/** What the ciphertext is bound to, as an unambiguous JSON array. */
function associatedData(keyId: string, address: string, ownerId: string, purpose: string): Buffer {
  return Buffer.from(JSON.stringify([KEY_CONTEXT, keyId, address, ownerId, purpose]), 'utf8');
}

const notFound = (keyId: string): SigningError =>
  new SigningError('KEY.NOT_FOUND', `no local key ${keyId}`, { details: { keyId } });

const sealed = (keyId: string, reason: string): SigningError =>
  new SigningError('KEY.VAULT_SEALED', `the key file of ${keyId} ${reason}`, { details: { keyId } });

function isKdfCost(N: unknown, min: number): N is number {
  return (
    Number.isSafeInteger(N) &&
    (N as number) >= min &&
    (N as number) <= MAX_SCRYPT_N &&
    ((N as number) & ((N as number) - 1)) === 0
  );
}

const isHex = (value: unknown, bytes: number): value is string =>
  typeof value === 'string' && value.length === bytes * 2 && /^[0-9a-f]*$/.test(value);

function parseKdf(value: unknown): KdfParams | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const k = value as Record<string, unknown>;
  const ok = k.name === 'scrypt' && isKdfCost(k.N, 2) && k.r === SCRYPT_R && k.p === SCRYPT_P && isHex(k.salt, 16);
  return ok ? (k as unknown as KdfParams) : undefined;
}

function parseKeyFile(text: string): KeyFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const f = value as Record<string, unknown>;
  const ok =
    f.version === 1 &&
    typeof f.keyId === 'string' &&
    typeof f.address === 'string' &&
    /^0x[0-9a-fA-F]{40}$/.test(f.address) &&
    typeof f.ownerId === 'string' &&
    PURPOSES.includes(f.purpose as KeyPurpose) &&
    parseKdf(f.kdf) !== undefined &&
    f.cipher === 'aes-256-gcm' &&
    isHex(f.iv, 12) &&
    isHex(f.tag, 16) &&
    isHex(f.ciphertext, 32);
  return ok ? (f as unknown as KeyFile) : undefined;
}

async function readVaultFile(directory: string): Promise<VaultFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, VAULT_FILE), 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const check = (typeof v.check === 'object' && v.check !== null ? v.check : {}) as Record<string, unknown>;
  if (v.version !== 1 || parseKdf(v.kdf) === undefined || !isHex(check.iv, 12) || !isHex(check.tag, 16)) {
    throw new SigningError('KEY.VAULT_SEALED', `${join(directory, VAULT_FILE)} is malformed`);
  }
  return v as unknown as VaultFile;
}

/**
 * Writes a new file atomically and never over an existing one: the content goes to a temporary file
 * (0600, synced), which is then hard-linked to its name, which fails with EEXIST if the name is taken.
 */
async function writeNewFile(directory: string, name: string, content: string): Promise<void> {
  const path = join(directory, name);
  const temporary = join(directory, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } finally {
    await unlink(temporary);
  }
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

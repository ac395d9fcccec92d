import { createDecipheriv, createHash, scryptSync } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBigInt, recoverAddress, serializeSignature, type Hex } from 'viem';
import { privateKeyToAddress, publicKeyToAddress } from 'viem/accounts';
import { LocalKeyVault, type LocalKeyVaultOptions } from '../../../lambdas/adapters/local/local-key-vault';
import type { KeyPurpose } from '../../../lambdas/ports/key-vault';
import { knownKey } from '../../../lambdas/signing/known-key';

const PASSPHRASE = 'correct horse battery staple';
// A cheap scrypt cost keeps the suite fast; one test opens a vault at the production cost.
const FAST: LocalKeyVaultOptions = { passphrase: PASSPHRASE, scryptN: 2 ** 10, testOnlyWeakKdf: true };
const HALF_N = secp256k1.Point.CURVE().n / 2n;
const digestOf = (label: string): Hex => bytesToHex(createHash('sha256').update(label).digest());

interface KeyFileJson {
  keyId: string;
  address: string;
  ownerId: string;
  purpose: string;
  kdf: { name: string; N: number; r: number; p: number; salt: string };
  cipher: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** Opens a key file with the documented format alone, independently of the vault. */
function decryptKeyFile(file: KeyFileJson, passphrase: string): Buffer {
  const key = scryptSync(passphrase, Buffer.from(file.kdf.salt, 'hex'), 32, {
    N: file.kdf.N,
    r: file.kdf.r,
    p: file.kdf.p,
  });
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'hex'));
  decipher.setAAD(
    Buffer.from(JSON.stringify(['strongroom local key v1', file.keyId, file.address, file.ownerId, file.purpose])),
  );
  decipher.setAuthTag(Buffer.from(file.tag, 'hex'));
  return Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'hex')), decipher.final()]);
}

async function expectSignsFor(
  vault: LocalKeyVault,
  keyId: string,
  address: string,
  digest: Hex,
  purpose: KeyPurpose = 'custody',
): Promise<0 | 1> {
  const signature = await vault.signDigest(keyId, digest, purpose);
  expect(signature.r).toMatch(/^0x[0-9a-f]{64}$/);
  expect(signature.s).toMatch(/^0x[0-9a-f]{64}$/);
  expect(hexToBigInt(signature.s) <= HALF_N).toBe(true);
  expect(await recoverAddress({ hash: digest, signature: serializeSignature(signature) })).toBe(address);
  return signature.yParity;
}

let directory: string;
const keyFile = (keyId: string): string => join(directory, `${keyId}.json`);
const readKeyFile = async (keyId: string): Promise<KeyFileJson> =>
  JSON.parse(await readFile(keyFile(keyId), 'utf8')) as KeyFileJson;

beforeEach(async () => {
  directory = join(await mkdtemp(join(tmpdir(), 'strongroom-keys-')), 'vault');
});

afterEach(async () => {
  await rm(join(directory, '..'), { recursive: true, force: true });
});

describe('LocalKeyVault in memory', () => {
  it('creates keys whose low-s signatures recover to their address, with both recovery bits', async () => {
    const vault = await LocalKeyVault.open(FAST);
    const { keyId, address } = await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    expect(await vault.addressOf(keyId)).toBe(address);
    const parities = new Set<number>();
    for (let i = 0; i < 64; i++) parities.add(await expectSignsFor(vault, keyId, address, digestOf(`m${i}`)));
    expect([...parities].sort()).toEqual([0, 1]);
    const other = await vault.createKey({ ownerId: 'w-2', purpose: 'approval' });
    expect(other.address).not.toBe(address);
  });

  it('refuses an unknown key and a digest that is not 32 bytes of hex', async () => {
    const vault = await LocalKeyVault.open(FAST);
    const { keyId } = await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    await expect(
      vault.signDigest('local-00000000000000000000000000000000', digestOf('x'), 'custody'),
    ).rejects.toMatchObject({ name: 'SigningError', code: 'KEY.NOT_FOUND' });
    await expect(vault.addressOf('nope')).rejects.toMatchObject({ code: 'KEY.NOT_FOUND' });
    for (const digest of ['0x' + '11'.repeat(31), '0x' + '11'.repeat(33), '11'.repeat(32), '0x' + 'zz'.repeat(32)]) {
      await expect(vault.signDigest(keyId, digest as Hex, 'custody')).rejects.toThrow(RangeError);
    }
  });

  it('refuses, with KEY.WRONG_PURPOSE, to sign with a key of another purpose than the one asked for', async () => {
    const vault = await LocalKeyVault.open(FAST);
    const keys = {
      custody: await vault.createKey({ ownerId: 'w-1', purpose: 'custody' }),
      approval: await vault.createKey({ ownerId: 'deployment', purpose: 'approval' }),
      audit: await vault.createKey({ ownerId: 'deployment', purpose: 'audit' }),
    };
    const purposes = Object.keys(keys) as KeyPurpose[];
    for (const keyPurpose of purposes) {
      const { keyId, address } = keys[keyPurpose];
      for (const asked of purposes.filter((p) => p !== keyPurpose)) {
        await expect(vault.signDigest(keyId, digestOf('x'), asked)).rejects.toMatchObject({
          name: 'SigningError',
          code: 'KEY.WRONG_PURPOSE',
          details: { keyId, purpose: asked, keyPurpose },
        });
      }
      await expectSignsFor(vault, keyId, address, digestOf('x'), keyPurpose);
    }
  });

  it('refuses a scrypt cost below 2^14 unless told it is a test', async () => {
    await expect(LocalKeyVault.open({ passphrase: PASSPHRASE, scryptN: 2 ** 10 })).rejects.toThrow(RangeError);
    await expect(LocalKeyVault.open({ passphrase: PASSPHRASE, scryptN: 3 * 2 ** 14 })).rejects.toThrow(RangeError);
    await expect(LocalKeyVault.open({ passphrase: '' })).rejects.toThrow(RangeError);
  });

  it('keeps its keys and passphrase out of JSON, inspect and toString', async () => {
    const vault = await LocalKeyVault.open({ ...FAST, directory });
    const { keyId } = await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    await vault.signDigest(keyId, digestOf('warm'), 'custody');
    const secret = decryptKeyFile(await readKeyFile(keyId), PASSPHRASE).toString('hex');
    const shown = [
      JSON.stringify(vault),
      inspect(vault, { showHidden: true, depth: Infinity }),
      String(vault),
      `${vault}`,
      JSON.stringify({ vault }),
    ].join('\n');
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(PASSPHRASE);
    expect(shown).toContain(directory);
  });
});

describe('LocalKeyVault.publicKeyOf', () => {
  it('gives the uncompressed public key of the key, of its address, whose signatures verify against it', async () => {
    const vault = await LocalKeyVault.open(FAST);
    const { keyId, address } = await vault.createKey({ ownerId: 'w-1', purpose: 'approval' });
    const publicKey = await vault.publicKeyOf(keyId);
    expect(publicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    expect(publicKeyToAddress(publicKey)).toBe(address);
    const digest = digestOf('verify');
    expect(knownKey(publicKey).verifies(digest, await vault.signDigest(keyId, digest, 'approval'))).toBe(true);
    await expect(vault.publicKeyOf('local-00000000000000000000000000000000')).rejects.toMatchObject({
      code: 'KEY.NOT_FOUND',
    });
  });

  it('gives a reopened vault the public key from the key file', async () => {
    const first = await LocalKeyVault.open({ ...FAST, directory });
    const { keyId } = await first.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const second = await LocalKeyVault.open({ ...FAST, directory });
    expect(await second.publicKeyOf(keyId)).toBe(await first.publicKeyOf(keyId));
  });
});

describe('LocalKeyVault in a directory', () => {
  it('persists keys that a new instance with the passphrase opens and signs with', async () => {
    const first = await LocalKeyVault.open({ ...FAST, directory });
    const { keyId, address } = await first.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const second = await LocalKeyVault.open({ ...FAST, directory });
    expect(await second.addressOf(keyId)).toBe(address);
    await expectSignsFor(second, keyId, address, digestOf('after reopening'));
  });

  it('reads the purpose from the key file: a reopened vault refuses a custody key asked for as approval', async () => {
    const first = await LocalKeyVault.open({ ...FAST, directory });
    const { keyId, address } = await first.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const second = await LocalKeyVault.open({ ...FAST, directory });
    await expect(second.signDigest(keyId, digestOf('x'), 'approval')).rejects.toMatchObject({
      code: 'KEY.WRONG_PURPOSE',
      details: { keyPurpose: 'custody' },
    });
    await expectSignsFor(second, keyId, address, digestOf('x'));
    // The purpose is bound into the AES-GCM associated data: rewriting it in the file does not make an approval key.
    await writeFile(keyFile(keyId), JSON.stringify({ ...(await readKeyFile(keyId)), purpose: 'approval' }));
    await expect(
      (await LocalKeyVault.open({ ...FAST, directory })).signDigest(keyId, digestOf('x'), 'approval'),
    ).rejects.toMatchObject({ code: 'KEY.VAULT_SEALED' });
  });

  it('writes one 0600 file per key in a 0700 directory, leaves no temporary file, and never the key in the clear', async () => {
    const vault = await LocalKeyVault.open({ ...FAST, directory });
    const { keyId, address } = await vault.createKey({ ownerId: 'w-1', purpose: 'audit' });
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect((await stat(keyFile(keyId))).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory, 'vault.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(directory)).sort()).toEqual([`${keyId}.json`, 'vault.json']);

    const text = await readFile(keyFile(keyId), 'utf8');
    const file = JSON.parse(text) as KeyFileJson;
    expect(file).toMatchObject({
      version: 1,
      keyId,
      address,
      ownerId: 'w-1',
      purpose: 'audit',
      cipher: 'aes-256-gcm',
      kdf: { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 },
    });
    const secret = decryptKeyFile(file, PASSPHRASE);
    expect(privateKeyToAddress(bytesToHex(secret))).toBe(address);
    for (const encoding of ['hex', 'base64', 'base64url'] as const)
      expect(text.toLowerCase()).not.toContain(secret.toString(encoding).toLowerCase());
  });

  it('derives with scrypt N = 2^15 by default', async () => {
    await LocalKeyVault.open({ passphrase: PASSPHRASE, directory });
    expect(JSON.parse(await readFile(join(directory, 'vault.json'), 'utf8'))).toMatchObject({
      kdf: { name: 'scrypt', N: 2 ** 15, r: 8, p: 1 },
    });
  });

  it('does not open with another passphrase', async () => {
    const vault = await LocalKeyVault.open({ ...FAST, directory });
    await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const failure = LocalKeyVault.open({ ...FAST, directory, passphrase: 'wrong horse battery staple' });
    await expect(failure).rejects.toMatchObject({ name: 'SigningError', code: 'KEY.VAULT_SEALED' });
    await expect(failure).rejects.not.toThrow(/horse/);
  });

  it('refuses a key file whose ciphertext, tag or clear fields were altered', async () => {
    const vault = await LocalKeyVault.open({ ...FAST, directory });
    const { keyId } = await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const original = await readKeyFile(keyId);
    const flip = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    const alterations: Partial<KeyFileJson>[] = [
      { ciphertext: flip(original.ciphertext) },
      { tag: flip(original.tag) },
      { iv: flip(original.iv) },
      { ownerId: 'w-2' },
      { purpose: 'approval' },
      { kdf: { ...original.kdf, salt: flip(original.kdf.salt) } },
    ];
    for (const alteration of alterations) {
      await writeFile(keyFile(keyId), JSON.stringify({ ...original, ...alteration }));
      const reopened = await LocalKeyVault.open({ ...FAST, directory });
      await expect(reopened.signDigest(keyId, digestOf('x'), 'custody')).rejects.toMatchObject({
        name: 'SigningError',
        code: 'KEY.VAULT_SEALED',
      });
      await expect(reopened.addressOf(keyId)).rejects.toMatchObject({ code: 'KEY.VAULT_SEALED' });
    }
    await writeFile(keyFile(keyId), '{ not json');
    await expect((await LocalKeyVault.open({ ...FAST, directory })).addressOf(keyId)).rejects.toMatchObject({
      code: 'KEY.VAULT_SEALED',
    });
  });

  it("refuses a key file that carries another key's ciphertext, or is another key's file", async () => {
    const vault = await LocalKeyVault.open({ ...FAST, directory });
    const mine = await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const theirs = await vault.createKey({ ownerId: 'w-1', purpose: 'custody' });
    const mineFile = await readKeyFile(mine.keyId);
    const theirsFile = await readKeyFile(theirs.keyId);

    // Their ciphertext under my id and address: the associated data no longer matches.
    await writeFile(
      keyFile(mine.keyId),
      JSON.stringify({ ...mineFile, iv: theirsFile.iv, tag: theirsFile.tag, ciphertext: theirsFile.ciphertext }),
    );
    await expect(
      (await LocalKeyVault.open({ ...FAST, directory })).signDigest(mine.keyId, digestOf('x'), 'custody'),
    ).rejects.toMatchObject({ code: 'KEY.VAULT_SEALED' });

    // Their whole file under my name: it opens, but is not the key asked for.
    await writeFile(keyFile(mine.keyId), JSON.stringify(theirsFile));
    await expect(
      (await LocalKeyVault.open({ ...FAST, directory })).signDigest(mine.keyId, digestOf('x'), 'custody'),
    ).rejects.toMatchObject({ code: 'KEY.VAULT_SEALED' });

    // Their file with my id and address written in: the associated data does not match.
    await writeFile(keyFile(mine.keyId), JSON.stringify({ ...theirsFile, keyId: mine.keyId, address: mine.address }));
    await expect(
      (await LocalKeyVault.open({ ...FAST, directory })).signDigest(mine.keyId, digestOf('x'), 'custody'),
    ).rejects.toMatchObject({ code: 'KEY.VAULT_SEALED' });
  });

  it('refuses a key id that is a path, and a directory open to others', async () => {
    const vault = await LocalKeyVault.open({ ...FAST, directory });
    await expect(vault.addressOf('../vault')).rejects.toMatchObject({ code: 'KEY.NOT_FOUND' });
    await chmod(directory, 0o755);
    await expect(LocalKeyVault.open({ ...FAST, directory })).rejects.toThrow('chmod 700');
  });
});

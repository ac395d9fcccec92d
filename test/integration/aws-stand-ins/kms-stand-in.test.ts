import {
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetPublicKeyCommand,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  NotFoundException,
  SignCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, keccak256, recoverAddress, serializeSignature, toHex, type Hex } from 'viem';
import { SigningError } from '../../../lambdas/domain/errors';
import { kmsClient } from '../../../lambdas/adapters/kms/kms-client';
import { KmsKeyVault } from '../../../lambdas/adapters/kms/kms-key-vault';
import { KmsSecretSealer } from '../../../lambdas/adapters/kms/kms-secret-sealer';
import { spkiToAddress } from '../../../lambdas/adapters/kms/spki-to-address';
import { startAwsStandIns, type AwsStandIns } from '../../../local/aws/start-aws-stand-ins';
import { standInClientConfig } from './stand-in-client-config';

const N = secp256k1.Point.CURVE().n;
const digestOf = (text: string): Hex => keccak256(toHex(text));
/** A digest whose last byte is odd (the stand-in answers it with a high s) or even (low s). */
function digestEndingIn(parity: 'odd' | 'even', seed: string): Hex {
  for (let i = 0; ; i++) {
    const digest = digestOf(`${seed}-${i}`);
    if ((Number.parseInt(digest.slice(-2), 16) % 2 === 1) === (parity === 'odd')) return digest;
  }
}

describe('KMS stand-in, through the project KMS adapters and the SDK', () => {
  let aws: AwsStandIns;
  let client: KMSClient;

  beforeAll(async () => {
    aws = await startAwsStandIns({ region: 'eu-west-1', account: '123456789012' });
    client = kmsClient(standInClientConfig(aws.endpoints.kms, aws.region));
  });
  afterAll(async () => {
    client.destroy();
    await aws.stop();
  });

  it('KmsKeyVault creates a secp256k1 key whose ARN is in the region and account, and its signatures recover to its address', async () => {
    const vault = new KmsKeyVault(client);
    const key = await vault.createKey({ ownerId: 'wallet-1', purpose: 'custody' });
    expect(key.keyId).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]{36}$/);
    expect(await vault.addressOf(key.keyId)).toBe(key.address);

    for (const parity of ['odd', 'even'] as const) {
      const digest = digestEndingIn(parity, 'transfer');
      const signature = await vault.signDigest(key.keyId, digest, 'custody');
      expect(BigInt(signature.s) <= N / 2n).toBe(true);
      expect(await recoverAddress({ hash: digest, signature: serializeSignature(signature) })).toBe(key.address);
    }
  });

  it('answers Sign with DER like KMS, high s for a digest with an odd last byte and low s otherwise', async () => {
    const { arn } = aws.kms.createKey({ keySpec: 'ECC_SECG_P256K1', keyUsage: 'SIGN_VERIFY' });
    const spki = (await client.send(new GetPublicKeyCommand({ KeyId: arn }))).PublicKey!;
    const publicKey = secp256k1.Point.fromBytes(spki.slice(-65)).toBytes(true);
    const sOf = async (digest: Hex): Promise<bigint> => {
      const out = await client.send(
        new SignCommand({
          KeyId: arn,
          Message: hexToBytes(digest),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(out.KeyId).toBe(arn);
      expect(
        secp256k1.verify(out.Signature!, hexToBytes(digest), publicKey, { prehash: false, lowS: false, format: 'der' }),
      ).toBe(true);
      return secp256k1.Signature.fromBytes(out.Signature!, 'der').s;
    };
    expect((await sOf(digestEndingIn('odd', 'a'))) > N / 2n).toBe(true);
    expect((await sOf(digestEndingIn('even', 'b'))) < N / 2n).toBe(true);
    expect(spkiToAddress(spki)).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it('counts the KMS calls a cold vault makes: GetPublicKey, ListResourceTags and Sign once each, then Sign only', async () => {
    const { keyId } = await new KmsKeyVault(client).createKey({ ownerId: 'wallet-2', purpose: 'approval' });
    const cold = new KmsKeyVault(client);
    const before = aws.kms.calls.length;
    await cold.signDigest(keyId, digestOf('one'), 'approval');
    await cold.signDigest(keyId, digestOf('two'), 'approval');
    expect(aws.kms.calls.slice(before)).toEqual([
      { operation: 'GetPublicKey', keyId },
      { operation: 'ListResourceTags', keyId },
      { operation: 'Sign', keyId },
      { operation: 'Sign', keyId },
    ]);
  });

  it('refuses a key of another purpose by its tag, and an unknown key with NotFoundException', async () => {
    const vault = new KmsKeyVault(client);
    const { keyId } = await vault.createKey({ ownerId: 'wallet-3', purpose: 'custody' });
    await expect(new KmsKeyVault(client).signDigest(keyId, digestOf('x'), 'audit')).rejects.toMatchObject({
      code: 'KEY.WRONG_PURPOSE',
    });

    const missing = `arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000`;
    const error = await client.send(new DescribeKeyCommand({ KeyId: missing })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as NotFoundException).message).toContain(missing);
    await expect(vault.addressOf(missing)).rejects.toBeInstanceOf(SigningError);
    await expect(vault.addressOf(missing)).rejects.toMatchObject({ code: 'KEY.NOT_FOUND' });
  });

  it('answers a disabled key with DisabledException and a symmetric key asked to sign with InvalidKeyUsageException', async () => {
    const signing = aws.kms.createKey({ keySpec: 'ECC_SECG_P256K1' });
    aws.kms.setKeyEnabled(signing.keyId, false);
    await expect(client.send(new GetPublicKeyCommand({ KeyId: signing.arn }))).rejects.toBeInstanceOf(
      DisabledException,
    );
    await expect(new KmsKeyVault(client).addressOf(signing.arn)).rejects.toMatchObject({ code: 'KEY.DISABLED' });
    const described = await client.send(new DescribeKeyCommand({ KeyId: signing.keyId }));
    expect(described.KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false, Arn: signing.arn });

    const symmetric = aws.kms.createKey();
    const error = await client
      .send(
        new SignCommand({
          KeyId: symmetric.keyId,
          Message: new Uint8Array(32),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyUsageException);
  });

  it('KmsSecretSealer seals and opens under its encryption context, and a tampered context or blob fails', async () => {
    const { arn } = aws.kms.createKey({ description: 'sealer' });
    const sealer = new KmsSecretSealer(client, arn);
    const context = { transferId: 'tr-1', purpose: 'task-token' };
    const sealed = await sealer.seal('the task token', context);
    expect(sealed).toMatch(/^kms\./);
    // The encryption context's order does not matter to KMS.
    expect(await sealer.open(sealed, { purpose: 'task-token', transferId: 'tr-1' })).toBe('the task token');

    await expect(sealer.open(sealed, { ...context, transferId: 'tr-2' })).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
    const blob = Buffer.from(sealed.slice(4), 'base64url');
    blob[blob.length - 1]! ^= 1;
    await expect(sealer.open(`kms.${blob.toString('base64url')}`, context)).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
    // Another key named in the request: KMS refuses it before trying.
    const other = aws.kms.createKey();
    await expect(new KmsSecretSealer(client, other.arn).open(sealed, context)).rejects.toMatchObject({
      name: 'IncorrectKeyException',
    });
  });

  it('GenerateDataKey returns a plaintext key and its ciphertext, which Decrypt opens under the same context', async () => {
    const { keyId } = aws.kms.createKey();
    const generated = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { table: 'journal' } }),
    );
    expect(generated.Plaintext).toHaveLength(32);
    const opened = await client.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { table: 'journal' } }),
    );
    expect(bytesToHex(opened.Plaintext!)).toBe(bytesToHex(generated.Plaintext!));
    await expect(
      client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    await expect(
      client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { a: 'b' } })),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
  });
});

import { randomBytes } from 'node:crypto';
import { DisableKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { CoSignerShare, ShareContext } from '../../../enclave-host/contract';
import { KmsShareDecrypter } from '../../../lambdas/co-signer/adapters/kms-share-decrypter';
import { ShareUnreadableError } from '../../../lambdas/co-signer/domain/share-unreadable';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { awsJsonHandler } from '../../../local/aws/aws-json-protocol';
import { KmsStandIn } from '../../../local/aws/kms-stand-in';
import { listenOnLoopback, type LoopbackServer } from '../../../local/aws/loopback-server';
import { standInClientConfig } from '../../integration/aws-stand-ins/stand-in-client-config';
import { shareContext } from './co-signer-fixtures';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/**
 * The co-signer's KMS decrypter against the KMS stand-in, through the SDK: share 2 opens only under
 * the co-signer's key and the context the enclave encrypted it with.
 */
describe('KmsShareDecrypter', () => {
  const kms = new KmsStandIn(REGION, ACCOUNT);
  const coSignerKey = kms.createKey({ description: 'co-signer' });
  const otherKey = kms.createKey({ description: 'another' });
  let server: LoopbackServer;
  let client: KMSClient;

  beforeAll(async () => {
    server = await listenOnLoopback(awsJsonHandler(kms.service));
    client = new KMSClient(standInClientConfig(server.url, REGION));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  /** What the enclave does: KMS Encrypt under a key, the share's context as the encryption context. */
  async function encrypted(
    plaintext: Uint8Array,
    options: { keyId?: string; context?: ShareContext } = {},
  ): Promise<CoSignerShare> {
    const context = options.context ?? shareContext();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({
        KeyId: options.keyId ?? coSignerKey.arn,
        Plaintext: plaintext,
        EncryptionContext: { ...context },
      }),
    );
    return {
      format: 'strongroom.cosigner-share.v1',
      context,
      ciphertextBlob: Buffer.from(CiphertextBlob!).toString('base64'),
    };
  }

  const decrypter = () => new KmsShareDecrypter(client, coSignerKey.arn);

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected the decryption to fail');
      },
      (error: unknown) => error,
    );
  }

  it('opens share 2 under the co-signer key with the context it was encrypted with, naming the key', async () => {
    const share = Uint8Array.from(randomBytes(33));
    const before = kms.calls.length;
    await expect(decrypter().decrypt(await encrypted(share))).resolves.toEqual(share);
    expect(kms.calls.slice(before)).toEqual([
      { operation: 'Encrypt', keyId: coSignerKey.arn },
      { operation: 'Decrypt', keyId: coSignerKey.arn },
    ]);
  });

  it.each([
    ['another wallet', { walletId: 'wallet-other' }],
    ['another epoch', { epoch: '2' }],
    ['another deployment', { deployment: 'another-deployment' }],
    ['the address spelled in lower case', { address: shareContext().address.toLowerCase() as `0x${string}` }],
  ])('refuses a share whose context says %s (moved from where it was made)', async (_label, moved) => {
    const made = await encrypted(Uint8Array.from(randomBytes(33)));
    const error = await failure(decrypter().decrypt({ ...made, context: { ...made.context, ...moved } }));
    expect(error).toBeInstanceOf(ShareUnreadableError);
    expect(error).toMatchObject({ code: 'COSIGNER.SHARE_UNREADABLE', reason: 'invalid-ciphertext' });
  });

  it('refuses a share under another key than the co-signer’s', async () => {
    const error = await failure(
      decrypter().decrypt(await encrypted(Uint8Array.from(randomBytes(33)), { keyId: otherKey.arn })),
    );
    expect(error).toBeInstanceOf(ShareUnreadableError);
    expect(error).toMatchObject({ reason: 'another-key' });
  });

  it('refuses a damaged ciphertext, and a plaintext that is not a 33-byte share, without showing either', async () => {
    const made = await encrypted(Uint8Array.from(randomBytes(33)));
    const blob = Buffer.from(made.ciphertextBlob, 'base64');
    blob[blob.length - 1]! ^= 1;
    const damaged = await failure(decrypter().decrypt({ ...made, ciphertextBlob: blob.toString('base64') }));
    expect(damaged).toMatchObject({ name: 'ShareUnreadableError', reason: 'invalid-ciphertext' });
    const key = new Uint8Array(32).fill(0x5a);
    const wrongSize = await failure(decrypter().decrypt(await encrypted(key)));
    expect(wrongSize).toMatchObject({ name: 'ShareUnreadableError', reason: 'not-a-share' });
    expect(String((wrongSize as Error).message)).not.toMatch(/5a5a|WlpaWlpa/i);
  });

  it('reports a KMS that throttles (after the client’s retries) as KEY.UNAVAILABLE, for the caller to retry', async () => {
    const throttling = {
      send: () =>
        Promise.reject(
          Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { attempts: 3 } }),
        ),
    } as unknown as KMSClient;
    const made = await encrypted(Uint8Array.from(randomBytes(33)));
    const error = await failure(new KmsShareDecrypter(throttling, coSignerKey.arn).decrypt(made));
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ code: 'KEY.UNAVAILABLE', details: { error: 'ThrottlingException', attempts: 3 } });
  });

  it('passes a disabled key on as KMS said it (misconfiguration, not the share’s fault)', async () => {
    const key = kms.createKey();
    const made = await encrypted(Uint8Array.from(randomBytes(33)), { keyId: key.arn });
    await client.send(new DisableKeyCommand({ KeyId: key.arn }));
    const error = await failure(new KmsShareDecrypter(client, key.arn).decrypt(made));
    expect(error).toMatchObject({ name: 'DisabledException' });
  });
});

// Signatures per second from the key vaults. The local vault: AES-GCM decryption and a secp256k1
// signature. The KMS adapter against a client that answers at once with precomputed real DER
// signatures (half of them high-s): what is left is the adapter's own work, DER decoding, low-s and the
// recovery bit (one verification against the key's public key); on AWS a Sign round trip adds tens of
// milliseconds and counts against a quota. Then what a signer pays to check one signature: recovery
// (viem's recoverAddress and an address comparison, the path for a key known by address only) against
// verification with the key's public key (lambdas/signing/known-key.ts), without and with tables.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GetPublicKeyCommand, ListResourceTagsCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, isAddressEqual, numberToHex, recoverAddress, serializeSignature, type Hex } from 'viem';
import { KmsKeyVault } from '../lambdas/adapters/kms/kms-key-vault';
import { LocalKeyVault } from '../lambdas/adapters/local/local-key-vault';
import type { DigestSignature } from '../lambdas/ports/key-vault';
import { knownKey } from '../lambdas/signing/known-key';
import { derSignature, ecSpki } from '../test/support/der';
import { printTable, type Throughput } from './lib/measure';

const N = secp256k1.Point.CURVE().n;
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/bench';
const DIGESTS = 256;

const digestOf = (i: number): Uint8Array => Uint8Array.from(createHash('sha256').update(`bench digest ${i}`).digest());

/** Like `throughput` in lib/measure, for an asynchronous operation run one at a time. */
async function throughputAsync(
  name: string,
  operation: (i: number) => Promise<unknown>,
  minSeconds = 2,
): Promise<Throughput> {
  for (let i = 0; i < 50; i++) await operation(i);
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1_000) {
    for (let i = 0; i < 16; i++) await operation(operations + i);
    operations += 16;
    elapsed = performance.now() - start;
  }
  const seconds = elapsed / 1_000;
  return { name, operations, seconds, perSecond: operations / seconds };
}

async function localVault(): Promise<Throughput> {
  const vault = await LocalKeyVault.open({ passphrase: 'bench passphrase' });
  const { keyId } = await vault.createKey({ ownerId: 'bench', purpose: 'custody' });
  const digests = Array.from({ length: DIGESTS }, (_, i) => bytesToHex(digestOf(i)));
  return throughputAsync('local vault signDigest (AES-GCM open + sign)', (i) =>
    vault.signDigest(keyId, digests[i % DIGESTS]!, 'custody'),
  );
}

/** A KMS client that answers GetPublicKey, ListResourceTags and Sign from memory, with real signatures by one custody key. */
function precomputedKms(): { client: KMSClient; digests: Hex[] } {
  const secret = Uint8Array.from(createHash('sha256').update('bench kms key').digest());
  const publicKey = ecSpki(secp256k1.getPublicKey(secret, false));
  const signatures = new Map<string, Uint8Array>();
  const digests: Hex[] = [];
  for (let i = 0; i < DIGESTS; i++) {
    const digest = digestOf(i);
    const { r, s } = secp256k1.Signature.fromBytes(secp256k1.sign(digest, secret, { prehash: false }), 'compact');
    digests.push(bytesToHex(digest));
    signatures.set(bytesToHex(digest), derSignature(r, i % 2 === 0 ? s : N - s)); // KMS returns either s
  }
  const client = {
    send: async (command: unknown) => {
      if (command instanceof GetPublicKeyCommand)
        return { KeyId: KEY_ARN, PublicKey: publicKey, KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' };
      if (command instanceof ListResourceTagsCommand)
        return { Tags: [{ TagKey: 'strongroom:purpose', TagValue: 'custody' }], Truncated: false };
      if (command instanceof SignCommand)
        return {
          KeyId: KEY_ARN,
          Signature: signatures.get(bytesToHex(command.input.Message!)),
          SigningAlgorithm: 'ECDSA_SHA_256',
        };
      throw new Error('not in the bench');
    },
  };
  return { client: client as unknown as KMSClient, digests };
}

async function kmsConversion(): Promise<Throughput> {
  const { client, digests } = precomputedKms();
  const vault = new KmsKeyVault(client);
  await vault.addressOf(KEY_ARN);
  return throughputAsync('KMS adapter signDigest (DER, low-s, recovery bit)', (i) =>
    vault.signDigest(KEY_ARN, digests[i % DIGESTS]!, 'custody'),
  );
}

/** Low-s signatures by `secret` over the bench digests, as a vault returns them and serialized. */
function signaturesBy(secret: Uint8Array): { digest: Uint8Array; signature: DigestSignature; serialized: Hex }[] {
  return Array.from({ length: DIGESTS }, (_, i) => {
    const digest = digestOf(i);
    const { r, s, recovery } = secp256k1.Signature.fromBytes(
      secp256k1.sign(digest, secret, { prehash: false, format: 'recovered' }),
      'recovered',
    );
    const signature: DigestSignature = {
      r: numberToHex(r, { size: 32 }),
      s: numberToHex(s, { size: 32 }),
      yParity: recovery === 0 ? 0 : 1,
    };
    return { digest, signature, serialized: serializeSignature(signature) };
  });
}

const mustHold = (ok: boolean): void => {
  if (!ok) throw new Error('a bench signature did not verify');
};

/** One signature check each way. Two keys, so that the tables of one do not serve the other. */
async function verifyVersusRecover(): Promise<Throughput[]> {
  const secrets = ['bench verify key', 'bench tables key'].map((label) =>
    Uint8Array.from(createHash('sha256').update(label).digest()),
  );
  const [plain, tabled] = secrets.map((secret) => knownKey(secp256k1.getPublicKey(secret, false)));
  const [signed, tableSigned] = secrets.map(signaturesBy);
  tabled!.precompute();
  return [
    await throughputAsync('check by recovery (viem recoverAddress, compare address)', async (i) => {
      const { digest, serialized } = signed![i % DIGESTS]!;
      const recovered = await recoverAddress({ hash: bytesToHex(digest), signature: serialized });
      mustHold(isAddressEqual(recovered, plain!.address));
    }),
    await throughputAsync('check against the known public key', async (i) => {
      const { digest, signature } = signed![i % DIGESTS]!;
      mustHold(plain!.verifies(digest, signature));
    }),
    await throughputAsync('check against the known public key, with its tables', async (i) => {
      const { digest, signature } = tableSigned![i % DIGESTS]!;
      mustHold(tabled!.verifies(digest, signature));
    }),
  ];
}

export async function run(): Promise<void> {
  printTable('key vault signatures (one at a time, one core)', [await localVault(), await kmsConversion()]);
  printTable('signature checks (one at a time, one core)', await verifyVersusRecover());
}

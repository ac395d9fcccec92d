import { createCipheriv, createDecipheriv } from 'node:crypto';
import { generateRecipientKeyPair, openRecipientEnvelope } from '../attestation/recipient-envelope';
import type { EnclaveImageConfig, KmsCredentials, Nsm, SealContext, SealedKey } from '../contract';
import type { Hex } from 'viem';
import { EnclaveError } from '../protocol/enclave-error';
import { EnclaveKmsError, type EnclaveKms } from './enclave-kms';
import { sealContextAad, sealEncryptionContext } from './seal-context';

const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What sealing and unsealing need: the enclave's own module, KMS, and the compiled-in key. */
export interface SealDeps {
  readonly config: Pick<EnclaveImageConfig, 'sealingKeyArn'>;
  readonly nsm: Nsm;
  readonly kms: EnclaveKms;
  readonly random: (length: number) => Promise<Uint8Array>;
}

/** What the enclave seals: a 32-byte agent key, or a 33-byte key share (issue 16). */
export const AGENT_KEY_BYTES = 32;
export const KEY_SHARE_BYTES = 33;
type SecretLength = typeof AGENT_KEY_BYTES | typeof KEY_SHARE_BYTES;

/** The length of the secret a sealed record of this purpose holds. */
export const secretLengthOf = (context: SealContext): SecretLength =>
  context.purpose === 'key-share' ? KEY_SHARE_BYTES : AGENT_KEY_BYTES;

/**
 * Seals a secret (an agent key, or share 1 of an mpc key, by the context's purpose): a fresh AES-256 data key from KMS GenerateDataKey with a Recipient
 * attestation (KMS encrypts it to an RSA key made for this call alone, whose public half is in the
 * attested document: the host relaying the call sees only ciphertext), then AES-256-GCM under it
 * with the context as additional data. The data key is zeroised before returning, whatever happens.
 */
export async function sealSecret(
  deps: SealDeps,
  secret: Uint8Array,
  context: SealContext,
  address: Hex,
  credentials: KmsCredentials,
): Promise<SealedKey> {
  if (secret.length !== secretLengthOf(context)) {
    throw new EnclaveError('ENCLAVE.INTERNAL', `a ${context.purpose} is ${secretLengthOf(context)} bytes`);
  }
  const recipient = generateRecipientKeyPair();
  const attestationDocument = await deps.nsm.attest({ publicKey: recipient.publicKeySpkiDer });
  const answer = await kmsCall('GenerateDataKey', () =>
    deps.kms.generateDataKeyForRecipient({
      keyId: deps.config.sealingKeyArn,
      encryptionContext: sealEncryptionContext(context),
      attestationDocument,
      credentials,
    }),
  );
  let dataKey: Uint8Array | undefined;
  let ciphertext: Buffer | undefined;
  try {
    dataKey = openEnvelope(answer.ciphertextForRecipient, recipient.privateKey, 'ENCLAVE.INTERNAL');
    const iv = await deps.random(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(sealContextAad(context));
    ciphertext = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
    return {
      format: 'strongroom.sealed.v1',
      context,
      address,
      encryptedDataKey: Buffer.from(answer.ciphertextBlob).toString('base64'),
      iv: Buffer.from(iv).toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    dataKey?.fill(0);
  }
}

/**
 * Opens a sealed key inside the enclave: KMS Decrypt of its data key with the sealed record's own
 * context and a Recipient attestation, then AES-256-GCM open with the context as additional data.
 * The caller owns the returned secret (32 bytes for an agent key, 33 for a key share) and zeroises it. A record whose context, blob or
 * ciphertext was altered fails here as UNSEAL_FAILED (KMS refuses the context, or the tag does).
 */
export async function unsealSecret(
  deps: SealDeps,
  sealed: SealedKey,
  credentials: KmsCredentials,
): Promise<Uint8Array> {
  const secretBytes = secretLengthOf(sealed.context);
  const iv = Buffer.from(sealed.iv, 'base64');
  const body = Buffer.from(sealed.ciphertext, 'base64');
  if (iv.length !== IV_BYTES || body.length !== secretBytes + TAG_BYTES) {
    throw new EnclaveError(
      'ENCLAVE.UNSEAL_FAILED',
      `the sealed record is not a 12-byte IV and ${secretBytes} bytes under a 16-byte tag`,
    );
  }
  const recipient = generateRecipientKeyPair();
  const attestationDocument = await deps.nsm.attest({ publicKey: recipient.publicKeySpkiDer });
  const answer = await kmsCall('Decrypt', () =>
    deps.kms.decryptForRecipient({
      keyId: deps.config.sealingKeyArn,
      ciphertextBlob: Buffer.from(sealed.encryptedDataKey, 'base64'),
      encryptionContext: sealEncryptionContext(sealed.context),
      attestationDocument,
      credentials,
    }),
  );
  let dataKey: Uint8Array | undefined;
  let head: Buffer | undefined;
  let tail: Buffer | undefined;
  try {
    dataKey = openEnvelope(answer.ciphertextForRecipient, recipient.privateKey, 'ENCLAVE.UNSEAL_FAILED');
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(sealContextAad(sealed.context));
    decipher.setAuthTag(body.subarray(secretBytes));
    head = decipher.update(body.subarray(0, secretBytes));
    try {
      tail = decipher.final();
    } catch {
      head.fill(0); // never hand on bytes the tag did not vouch for
      throw new EnclaveError('ENCLAVE.UNSEAL_FAILED', 'the sealed key does not open under its context');
    }
    const secret = new Uint8Array(secretBytes);
    secret.set(head, 0);
    secret.set(tail, head.length);
    return secret;
  } finally {
    dataKey?.fill(0);
    head?.fill(0);
    tail?.fill(0);
  }
}

function openEnvelope(
  cms: Uint8Array,
  privateKey: Parameters<typeof openRecipientEnvelope>[1],
  code: 'ENCLAVE.INTERNAL' | 'ENCLAVE.UNSEAL_FAILED',
): Uint8Array {
  let dataKey: Uint8Array;
  try {
    dataKey = openRecipientEnvelope(cms, privateKey);
  } catch {
    throw new EnclaveError(code, 'the KMS answer does not open with the enclave’s recipient key');
  }
  if (dataKey.length !== DATA_KEY_BYTES) {
    dataKey.fill(0);
    throw new EnclaveError(code, 'the KMS answer is not a 32-byte data key');
  }
  return dataKey;
}

/** KMS unreachable or throttled: KMS_UNAVAILABLE (retry later); refused: UNSEAL_FAILED or INTERNAL by operation. */
export async function kmsCall<T>(
  operation: 'GenerateDataKey' | 'Decrypt' | 'Encrypt',
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof EnclaveKmsError && cause.kind === 'unavailable') {
      throw new EnclaveError('ENCLAVE.KMS_UNAVAILABLE', `KMS ${operation} is unavailable (${cause.kmsErrorName})`);
    }
    const name = cause instanceof EnclaveKmsError ? cause.kmsErrorName : 'an unexpected error';
    // Sealing refused by KMS is the deployment's fault (policy, key, credentials), not the record's.
    const code = operation === 'Decrypt' ? 'ENCLAVE.UNSEAL_FAILED' : 'ENCLAVE.INTERNAL';
    throw new EnclaveError(code, `KMS ${operation} refused (${name})`);
  }
}

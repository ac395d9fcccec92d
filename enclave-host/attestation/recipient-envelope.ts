/**
 * The CMS envelopes of KMS Recipient (`CiphertextForRecipient`): KMS encrypts a plaintext (a data key)
 * to the RSA public key in the enclave's attestation document, so only the enclave can read it and the
 * host, which forwards the bytes, never sees it.
 *
 * The format is AWS's: a ContentInfo holding EnvelopedData (RFC 5652 §6) with one KeyTransRecipientInfo
 * whose random AES-256 content key is encrypted with RSAES-OAEP, SHA-256 and MGF1-SHA-256 (RFC 3560),
 * and the content encrypted with AES-256-CBC (RFC 3565) under a random IV; the Nitro Enclaves SDK
 * decrypts exactly that and nothing else. KMS writes BER (indefinite lengths, chunked octet strings),
 * which `openRecipientEnvelope` reads; `sealForRecipient` (the KMS stand-in's side) writes DER.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import {
  CMSVersion,
  ContentEncryptionAlgorithmIdentifier,
  ContentInfo,
  EncryptedContent,
  EncryptedContentInfo,
  EnvelopedData,
  KeyEncryptionAlgorithmIdentifier,
  KeyTransRecipientInfo,
  RecipientIdentifier,
  RecipientInfo,
  RecipientInfos,
  id_data,
  id_envelopedData,
} from '@peculiar/asn1-cms';
import { RsaEsOaepParams, id_RSAES_OAEP, id_mgf1, id_sha256 } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectKeyIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';

const ID_AES256_CBC = '2.16.840.1.101.3.4.1.42';
const RSA_BITS = 2048;
const AES_KEY_BYTES = 32;
const AES_BLOCK_BYTES = 16;

/** The envelope cannot be opened with this key, or is not an envelope of the shape KMS makes. */
export class RecipientEnvelopeError extends Error {
  override readonly name = 'RecipientEnvelopeError';
}

export interface RecipientKeyPair {
  /** DER SubjectPublicKeyInfo: what goes into the attestation document's public_key. */
  readonly publicKeySpkiDer: Uint8Array;
  /** Never leaves the enclave; made anew for each KMS request is best. */
  readonly privateKey: KeyObject;
}

/** An RSA-2048 pair for one Recipient request: KMS takes RSA-2048 public keys in the attestation document. */
export function generateRecipientKeyPair(): RecipientKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS, publicExponent: 0x10001 });
  return { publicKeySpkiDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })), privateKey };
}

/** What KMS does with the plaintext of a Recipient request: a DER ContentInfo/EnvelopedData to that key. */
export function sealForRecipient(plaintext: Uint8Array, recipientPublicKeySpkiDer: Uint8Array): Uint8Array {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(recipientPublicKeySpkiDer), format: 'der', type: 'spki' });
  } catch (error) {
    throw new RecipientEnvelopeError('the recipient public key is not a DER SubjectPublicKeyInfo', { cause: error });
  }
  if (publicKey.asymmetricKeyType !== 'rsa' || (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_BITS)
    throw new RecipientEnvelopeError(`the recipient public key is not an RSA key of at least ${RSA_BITS} bits`);

  const contentKey = randomBytes(AES_KEY_BYTES);
  const iv = randomBytes(AES_BLOCK_BYTES);
  try {
    const cipher = createCipheriv('aes-256-cbc', contentKey, iv);
    const encryptedContent = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const encryptedKey = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      contentKey,
    );
    const spki = AsnConvert.parse(recipientPublicKeySpkiDer, SubjectPublicKeyInfo);
    // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. An identifier, not a security control.
    const keyIdentifier = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
    const recipient = new KeyTransRecipientInfo({
      version: CMSVersion.v2, // v2 because the recipient is named by subjectKeyIdentifier
      rid: new RecipientIdentifier({ subjectKeyIdentifier: new SubjectKeyIdentifier(arrayBufferOf(keyIdentifier)) }),
      keyEncryptionAlgorithm: new KeyEncryptionAlgorithmIdentifier({
        algorithm: id_RSAES_OAEP,
        parameters: AsnConvert.serialize(
          new RsaEsOaepParams({
            hashAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha256, parameters: null }),
            maskGenAlgorithm: new AlgorithmIdentifier({
              algorithm: id_mgf1,
              parameters: AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: id_sha256, parameters: null })),
            }),
          }),
        ),
      }),
      encryptedKey: new OctetString(arrayBufferOf(encryptedKey)),
    });
    const envelopedData = new EnvelopedData({
      version: CMSVersion.v2,
      recipientInfos: new RecipientInfos([new RecipientInfo({ ktri: recipient })]),
      encryptedContentInfo: new EncryptedContentInfo({
        contentType: id_data,
        contentEncryptionAlgorithm: new ContentEncryptionAlgorithmIdentifier({
          algorithm: ID_AES256_CBC,
          parameters: AsnConvert.serialize(new OctetString(arrayBufferOf(iv))),
        }),
        encryptedContent: new EncryptedContent({ value: new OctetString(arrayBufferOf(encryptedContent)) }),
      }),
    });
    const contentInfo = new ContentInfo({
      contentType: id_envelopedData,
      content: AsnConvert.serialize(envelopedData),
    });
    return new Uint8Array(AsnConvert.serialize(contentInfo));
  } finally {
    contentKey.fill(0);
  }
}

/**
 * Inside the enclave: the plaintext of a `CiphertextForRecipient`, with the private key of the pair
 * whose public key was attested. Accepts only what KMS makes (RSAES-OAEP-SHA-256, AES-256-CBC).
 */
export function openRecipientEnvelope(cms: Uint8Array, privateKey: KeyObject): Uint8Array {
  const envelopedData = parseEnvelope(cms);
  const content = envelopedData.encryptedContentInfo;
  if (content.contentEncryptionAlgorithm.algorithm !== ID_AES256_CBC)
    throw new RecipientEnvelopeError('the content is not encrypted with AES-256-CBC');
  const iv = ivOf(content.contentEncryptionAlgorithm.parameters);
  const encrypted = encryptedContentOf(content.encryptedContent);

  const recipients = envelopedData.recipientInfos.flatMap((info) =>
    info.ktri !== undefined && isOaepSha256(info.ktri.keyEncryptionAlgorithm) ? [info.ktri] : [],
  );
  if (recipients.length === 0)
    throw new RecipientEnvelopeError('the envelope has no RSAES-OAEP-SHA-256 key transport recipient');
  for (const recipient of recipients) {
    let contentKey: Buffer;
    try {
      contentKey = privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(recipient.encryptedKey.buffer),
      );
    } catch {
      continue; // not this recipient: try the next one
    }
    try {
      if (contentKey.length !== AES_KEY_BYTES) throw new RecipientEnvelopeError('the content key is not 32 bytes');
      const decipher = createDecipheriv('aes-256-cbc', contentKey, iv);
      return new Uint8Array(Buffer.concat([decipher.update(encrypted), decipher.final()]));
    } catch (error) {
      if (error instanceof RecipientEnvelopeError) throw error;
      throw new RecipientEnvelopeError('the content does not decrypt under the envelope key', { cause: error });
    } finally {
      contentKey.fill(0);
    }
  }
  throw new RecipientEnvelopeError('the envelope is not addressed to this key');
}

function parseEnvelope(cms: Uint8Array): EnvelopedData {
  try {
    const contentInfo = AsnConvert.parse(cms, ContentInfo);
    if (contentInfo.contentType !== id_envelopedData)
      throw new RecipientEnvelopeError(`the CMS content type is ${contentInfo.contentType}, not enveloped-data`);
    return AsnConvert.parse(contentInfo.content, EnvelopedData);
  } catch (error) {
    if (error instanceof RecipientEnvelopeError) throw error;
    throw new RecipientEnvelopeError('the envelope is not a CMS ContentInfo with EnvelopedData', { cause: error });
  }
}

function isOaepSha256(algorithm: AlgorithmIdentifier): boolean {
  if (algorithm.algorithm !== id_RSAES_OAEP || algorithm.parameters === null || algorithm.parameters === undefined)
    return false;
  try {
    const params = AsnConvert.parse(algorithm.parameters, RsaEsOaepParams);
    if (params.hashAlgorithm.algorithm !== id_sha256 || params.maskGenAlgorithm.algorithm !== id_mgf1) return false;
    const mgfParameters = params.maskGenAlgorithm.parameters;
    return (
      mgfParameters !== null &&
      mgfParameters !== undefined &&
      AsnConvert.parse(mgfParameters, AlgorithmIdentifier).algorithm === id_sha256
    );
  } catch {
    return false;
  }
}

function ivOf(parameters: ArrayBuffer | null | undefined): Buffer {
  try {
    if (parameters === null || parameters === undefined) throw new Error('no parameters');
    const iv = Buffer.from(AsnConvert.parse(parameters, OctetString).buffer);
    if (iv.length === AES_BLOCK_BYTES) return iv;
  } catch {
    // reported below
  }
  throw new RecipientEnvelopeError('the AES-256-CBC parameters are not a 16-byte IV');
}

/** The ciphertext, whether written as one octet string (DER) or in chunks (BER, as KMS writes it). */
function encryptedContentOf(content: EncryptedContent | undefined): Buffer {
  if (content?.value !== undefined) return Buffer.from(content.value.buffer);
  if (content?.constructedValue !== undefined)
    return Buffer.concat(content.constructedValue.map((chunk) => Buffer.from(chunk.buffer)));
  throw new RecipientEnvelopeError('the envelope carries no encrypted content');
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

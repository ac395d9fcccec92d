import { createPrivateKey } from 'node:crypto';
import {
  RecipientEnvelopeError,
  generateRecipientKeyPair,
  openRecipientEnvelope,
  sealForRecipient,
} from '../../../../enclave-host/attestation';
import { OPENSSL_BER_ENVELOPE_BASE64, OPENSSL_PLAINTEXT, OPENSSL_RECIPIENT_KEY_PEM } from './openssl-envelope.fixture';

describe('CMS envelopes of KMS Recipient', () => {
  const recipient = generateRecipientKeyPair();

  it('opens what it seals, with the recipient’s private key', () => {
    const dataKey = new Uint8Array(32).map((_, i) => i);
    const envelope = sealForRecipient(dataKey, recipient.publicKeySpkiDer);
    expect(Buffer.from(openRecipientEnvelope(envelope, recipient.privateKey)).equals(Buffer.from(dataKey))).toBe(true);
    // Random content key and IV: the same plaintext seals differently each time.
    expect(Buffer.from(sealForRecipient(dataKey, recipient.publicKeySpkiDer)).equals(Buffer.from(envelope))).toBe(
      false,
    );
  });

  it('refuses to open with another key', () => {
    const envelope = sealForRecipient(new Uint8Array(32), recipient.publicKeySpkiDer);
    expect(() => openRecipientEnvelope(envelope, generateRecipientKeyPair().privateKey)).toThrow(
      RecipientEnvelopeError,
    );
  });

  it('refuses a damaged envelope and bytes that are not CMS', () => {
    const envelope = Buffer.from(sealForRecipient(new Uint8Array(32), recipient.publicKeySpkiDer));
    envelope[envelope.length - 1]! ^= 0xff; // the last ciphertext block: the padding no longer checks
    expect(() => openRecipientEnvelope(envelope, recipient.privateKey)).toThrow(RecipientEnvelopeError);
    expect(() => openRecipientEnvelope(new Uint8Array([1, 2, 3]), recipient.privateKey)).toThrow(
      RecipientEnvelopeError,
    );
  });

  it('opens an envelope OpenSSL made in BER, indefinite lengths and chunked content, as KMS writes them', () => {
    const opened = openRecipientEnvelope(
      Buffer.from(OPENSSL_BER_ENVELOPE_BASE64, 'base64'),
      createPrivateKey(OPENSSL_RECIPIENT_KEY_PEM),
    );
    expect(Buffer.from(opened).toString()).toBe(OPENSSL_PLAINTEXT);
  });

  it('seals only to RSA keys of 2048 bits or more', () => {
    expect(() => sealForRecipient(new Uint8Array(32), new Uint8Array([1, 2, 3]))).toThrow(RecipientEnvelopeError);
  });
});

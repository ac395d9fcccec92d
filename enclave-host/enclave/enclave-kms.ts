import type { KmsCredentials } from '../contract';

/** What every KMS request from the enclave carries: the sealing key, the context, an attestation. */
export interface EnclaveKmsRequest {
  /** The compiled-in sealing key ARN; never one a request named. */
  readonly keyId: string;
  readonly encryptionContext: Readonly<Record<string, string>>;
  /** A document whose public_key is the ephemeral RSA key KMS encrypts its answer to (Recipient). */
  readonly attestationDocument: Uint8Array;
  /** The host's, for this one call: never stored. */
  readonly credentials: KmsCredentials;
}

/** Encrypt under another party's key: no Recipient (KMS answers only a ciphertext, which needs none). */
export interface EnclaveKmsEncryptRequest {
  /** The compiled-in co-signer key ARN; never one a request named. */
  readonly keyId: string;
  /** At most 4 KiB (KMS's limit): a key share. Sent over the TLS session that ends inside the enclave. */
  readonly plaintext: Uint8Array;
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly credentials: KmsCredentials;
}

/**
 * The KMS calls the enclave makes. The two that answer key material carry a Recipient attestation, so
 * plaintext key material never crosses the host: KMS answers only with CMS EnvelopedData to the
 * attested key. Encrypt (issue 16: share 2 of an mpc key, under the co-signer's key) answers only a
 * ciphertext; its plaintext leaves the enclave inside the TLS session with KMS, which the vsock-proxy
 * only forwards. A port so the enclave's rules are tested with a fake; the SDK adapter is `sdkEnclaveKms`.
 */
export interface EnclaveKms {
  /** GenerateDataKey (AES_256) with Recipient: the data key under the KMS key, and to the enclave's key. */
  generateDataKeyForRecipient(
    request: EnclaveKmsRequest,
  ): Promise<{ readonly ciphertextBlob: Uint8Array; readonly ciphertextForRecipient: Uint8Array }>;
  /** Decrypt with Recipient: the data key of `ciphertextBlob`, only to the enclave's key. */
  decryptForRecipient(
    request: EnclaveKmsRequest & { readonly ciphertextBlob: Uint8Array },
  ): Promise<{ readonly ciphertextForRecipient: Uint8Array }>;
  /** Encrypt (SYMMETRIC_DEFAULT): the plaintext under `keyId`, bound to the context. */
  encrypt(request: EnclaveKmsEncryptRequest): Promise<{ readonly ciphertextBlob: Uint8Array }>;
}

/**
 * A KMS call failed: 'unavailable' (throttled, KMS or the proxy down, timeouts: ask again later) or
 * 'refused' (access denied, a ciphertext or context that does not match, an attestation KMS did not
 * accept). Carries KMS's error name, never the request.
 */
export class EnclaveKmsError extends Error {
  override readonly name = 'EnclaveKmsError';
  constructor(
    readonly kind: 'unavailable' | 'refused',
    readonly kmsErrorName: string,
    message: string,
  ) {
    super(message);
  }
}

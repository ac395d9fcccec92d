import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { classifyKmsError } from '../../lambdas/adapters/kms/classify-kms-error';
import { kmsClient } from '../../lambdas/adapters/kms/kms-client';
import type { EnclaveImageConfig, KmsCredentials } from '../contract';
import { EnclaveKmsError, type EnclaveKms, type EnclaveKmsRequest } from './enclave-kms';

/** A KMS call from the enclave is a few milliseconds; past this the proxy or KMS is in trouble. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The enclave's KMS over the AWS SDK: endpoint and region from the compiled-in image configuration
 * (the vsock-proxy's local end in production, so TLS ends inside the enclave; the KMS stand-in
 * locally), credentials from the request. A client is made per call and dropped after it, so the
 * host's credentials live no longer than the request that brought them. Endpoint, region and
 * credentials are all given, so none of them can come from the environment or a profile.
 */
export function sdkEnclaveKms(config: Pick<EnclaveImageConfig, 'kmsEndpoint' | 'region'>): EnclaveKms {
  const clientFor = (credentials: KmsCredentials): KMSClient =>
    kmsClient({
      endpoint: config.kmsEndpoint,
      region: config.region,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
      },
      requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: REQUEST_TIMEOUT_MS },
    });

  const recipient = (request: EnclaveKmsRequest) => ({
    KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const,
    AttestationDocument: request.attestationDocument,
  });

  return {
    async generateDataKeyForRecipient(request) {
      const client = clientFor(request.credentials);
      try {
        const out = await client.send(
          new GenerateDataKeyCommand({
            KeyId: request.keyId,
            KeySpec: 'AES_256',
            EncryptionContext: { ...request.encryptionContext },
            Recipient: recipient(request),
          }),
        );
        if (out.CiphertextBlob === undefined || out.CiphertextForRecipient === undefined) {
          throw new EnclaveKmsError(
            'refused',
            'MissingCiphertext',
            'GenerateDataKey answered without a Recipient ciphertext',
          );
        }
        return { ciphertextBlob: out.CiphertextBlob, ciphertextForRecipient: out.CiphertextForRecipient };
      } catch (error) {
        throw asEnclaveKmsError('GenerateDataKey', error);
      } finally {
        client.destroy();
      }
    },

    async decryptForRecipient(request) {
      const client = clientFor(request.credentials);
      try {
        const out = await client.send(
          new DecryptCommand({
            KeyId: request.keyId, // Decrypt refuses a blob made under any other key
            CiphertextBlob: request.ciphertextBlob,
            EncryptionContext: { ...request.encryptionContext },
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            Recipient: recipient(request),
          }),
        );
        if (out.CiphertextForRecipient === undefined) {
          throw new EnclaveKmsError('refused', 'MissingCiphertext', 'Decrypt answered without a Recipient ciphertext');
        }
        return { ciphertextForRecipient: out.CiphertextForRecipient };
      } catch (error) {
        throw asEnclaveKmsError('Decrypt', error);
      } finally {
        client.destroy();
      }
    },

    async encrypt(request) {
      const client = clientFor(request.credentials);
      try {
        const out = await client.send(
          new EncryptCommand({
            KeyId: request.keyId,
            Plaintext: request.plaintext,
            EncryptionContext: { ...request.encryptionContext },
            EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
          }),
        );
        if (out.CiphertextBlob === undefined) {
          throw new EnclaveKmsError('refused', 'MissingCiphertext', 'Encrypt answered without a ciphertext');
        }
        return { ciphertextBlob: out.CiphertextBlob };
      } catch (error) {
        throw asEnclaveKmsError('Encrypt', error);
      } finally {
        client.destroy();
      }
    },
  };
}

function asEnclaveKmsError(operation: string, error: unknown): EnclaveKmsError {
  if (error instanceof EnclaveKmsError) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  const kind = classifyKmsError(error) === 'transient' || unanswered(error) ? 'unavailable' : 'refused';
  return new EnclaveKmsError(kind, name, `KMS ${operation} failed: ${name}`);
}

/** Socket failures that mean the request never got an HTTP answer from KMS (or the proxy). */
const NETWORK_FAILURE =
  /\b(?:ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/**
 * A network failure the SDK re-wrapped without its `code`: its retry layer rebuilds an error it does
 * not recognise as an Error (one from another realm, as under a test runner's VM) from its text
 * alone. Without an HTTP status there was no answer from KMS, so the text is all there is to go on.
 */
function unanswered(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return status === undefined && NETWORK_FAILURE.test(error.message);
}

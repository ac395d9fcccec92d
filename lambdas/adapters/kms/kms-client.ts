import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';

/** Attempts in all for one KMS call, the first included: the SDK's default, stated. */
export const KMS_MAX_ATTEMPTS = 3;

/** A KMS client's configuration, less the retry settings `kmsClient` fixes. */
export type KmsClientOptions = Omit<KMSClientConfig, 'retryMode' | 'retryStrategy' | 'maxAttempts'> & {
  /** Attempts in all, the first included; KMS_MAX_ATTEMPTS unless given. */
  readonly maxAttempts?: number;
};

/**
 * The KMS client the KMS adapters (`KmsKeyVault`, `KmsSecretSealer`) expect: the one place a KMS call's
 * retries are decided.
 *
 * A KMS call is retried by the SDK's standard retry strategy and by nothing else. The adapters do
 * not loop: the key vault once did, around a client that retried too, so one Sign under throttling
 * could become 4 × 3 = 12 KMS calls. The SDK's strategy was kept rather than the adapter's loop
 * because it already covers every KMS call of both adapters through the client they share (the
 * sealer had no loop of its own), and it does what the loop did not: full-jitter exponential backoff
 * with a longer base for throttling, Retry-After hints honoured, and a per-client retry quota that
 * stops retrying, so stops multiplying the load, while KMS keeps failing. It retries throttling
 * (ThrottlingException, 429), 500/502/503/504 (KMSInternalException, KeyUnavailableException,
 * DependencyTimeoutException), timeouts and dropped connections; never a refusal (NotFound,
 * Disabled, InvalidKeyUsage, AccessDenied). What still fails after the last attempt carries
 * `$metadata.attempts`, and the adapters map it once (KEY.UNAVAILABLE for what was transient).
 *
 * `retryMode` and `maxAttempts` are set here, not left to AWS_RETRY_MODE or AWS_MAX_ATTEMPTS, so the
 * count a reviewer reads is the count that runs.
 */
export function kmsClient(options: KmsClientOptions = {}): KMSClient {
  const { maxAttempts = KMS_MAX_ATTEMPTS, ...config } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  return new KMSClient({ ...config, retryMode: 'standard', maxAttempts });
}

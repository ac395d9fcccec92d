/** What a failed KMS call means for the caller. */
export type KmsErrorClass = 'not_found' | 'disabled' | 'wrong_usage' | 'transient' | 'other';

const BY_NAME: Readonly<Record<string, KmsErrorClass>> = {
  NotFoundException: 'not_found',
  InvalidArnException: 'not_found',
  DisabledException: 'disabled',
  KMSInvalidStateException: 'disabled', // pending deletion, pending import, …
  InvalidKeyUsageException: 'wrong_usage',
  KeyUnavailableException: 'transient',
  ThrottlingException: 'transient',
  KMSInternalException: 'transient',
  DependencyTimeoutException: 'transient',
  TimeoutError: 'transient', // the SDK's request or connection timeout
  RequestTimeout: 'transient',
  RequestTimeoutException: 'transient',
};

// Socket-level failures: the request may or may not have reached KMS, and asking again is safe.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
]);

/**
 * Sorts an error thrown by a KMS client call: the refusals the key vault reports with a KEY.* code,
 * the transient failures (throttling, unavailable key, 5xx, network: those the client's retry
 * strategy retries, see `kmsClient`; once it gives up, the key vault reports them as KEY.UNAVAILABLE),
 * and the rest (access denied, validation: bugs or misconfiguration, passed on unchanged). It
 * decides no retry: it names what the client's retries left.
 */
export function classifyKmsError(error: unknown): KmsErrorClass {
  if (typeof error !== 'object' || error === null) return 'other';
  const e = error as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
  };
  const byName = typeof e.name === 'string' ? BY_NAME[e.name] : undefined;
  if (byName) return byName;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'server' || (typeof status === 'number' && (status >= 500 || status === 429))) return 'transient';
  if (e.$retryable !== undefined && e.$retryable !== null) return 'transient';
  return 'other';
}

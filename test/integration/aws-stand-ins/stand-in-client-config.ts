/** What an SDK client needs to reach one stand-in without the environment: its endpoint, a region, any credentials. */
export function standInClientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
    // The stand-ins answer at once: a failure is a finding, not something to retry.
    maxAttempts: 1,
  };
}

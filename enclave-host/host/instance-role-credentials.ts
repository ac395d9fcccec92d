import { fromInstanceMetadata } from '@aws-sdk/credential-providers';
import type { KmsCredentials } from '../contract';

type InstanceIdentity = Awaited<ReturnType<ReturnType<typeof fromInstanceMetadata>>>;

/** Credentials are fetched again this long before they expire (IMDS rotates them well before that). */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/**
 * The EC2 instance role's credentials from the instance metadata service, IMDSv2 only
 * (`ec2MetadataV1Disabled`: the launch template requires IMDSv2 as well, so a v1 fallback would only
 * hide a misconfiguration). The host passes them to the enclave with each request that reaches KMS; the
 * enclave signs its own KMS requests with them, over the vsock-proxy, so TLS ends inside the enclave.
 *
 * Why not the SDK's default chain: on the instance it ends at IMDS anyway, but it would first take
 * credentials from the environment or a profile file, which anyone who can edit the unit can set. The
 * sealing key's policy still binds every use to the enclave's PCRs, so such credentials could not open
 * a key; they would only make failures confusing.
 *
 * `@aws-sdk/credential-providers` is in node_modules through aws-local-stepfunctions; it should be a
 * direct dependency (reported: package.json is not this module's to change).
 */
export function instanceRoleCredentials(
  provider: () => Promise<InstanceIdentity> = fromInstanceMetadata({
    ec2MetadataV1Disabled: true,
    timeout: 1000,
    maxRetries: 2,
  }),
  now: () => number = Date.now,
): () => Promise<KmsCredentials> {
  let cached: { readonly credentials: KmsCredentials; readonly expiresAt: number } | undefined;
  let fetching: Promise<KmsCredentials> | undefined;
  return async () => {
    if (cached !== undefined && cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > now()) return cached.credentials;
    fetching ??= (async () => {
      try {
        const identity = await provider();
        const credentials: KmsCredentials = {
          accessKeyId: identity.accessKeyId,
          secretAccessKey: identity.secretAccessKey,
          ...(identity.sessionToken === undefined ? {} : { sessionToken: identity.sessionToken }),
        };
        cached = { credentials, expiresAt: identity.expiration?.getTime() ?? now() + REFRESH_BEFORE_EXPIRY_MS * 2 };
        return credentials;
      } finally {
        fetching = undefined;
      }
    })();
    return fetching;
  };
}

/** The instance metadata service's address (IPv4); the launch template requires IMDSv2 there. */
export const IMDS_ENDPOINT = 'http://169.254.169.254';

/** Token lifetime asked for: the id is read once at start, so a minute is plenty. */
const TOKEN_TTL_SECONDS = 60;

/**
 * The EC2 instance id from the instance metadata service, IMDSv2 only (a session token from a PUT,
 * then the GET with it): the host's name in the job ledger's claims, so an operator reading an
 * in-flight claim knows which instance to look at. Read once at start; the host does not start
 * without it.
 *
 * Plain `fetch` rather than `@aws-sdk/ec2-metadata-service`, which is not a dependency here: two
 * requests, no retries worth a library (systemd restarts the host if IMDS is slow at boot).
 */
export async function instanceIdFromImds(endpoint: string = IMDS_ENDPOINT, timeoutMs = 2_000): Promise<string> {
  const token = await fetch(`${endpoint}/latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!token.ok) throw new Error(`IMDSv2 refused a session token (HTTP ${token.status})`);
  const answer = await fetch(`${endpoint}/latest/meta-data/instance-id`, {
    headers: { 'x-aws-ec2-metadata-token': await token.text() },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!answer.ok) throw new Error(`IMDSv2 did not give the instance id (HTTP ${answer.status})`);
  const id = (await answer.text()).trim();
  if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new Error('IMDSv2 gave something that is not an instance id');
  return id;
}

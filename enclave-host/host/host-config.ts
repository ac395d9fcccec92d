import { isAbsolute } from 'node:path';

/** The signing host's configuration, read once at start from its environment (the systemd unit). */
export interface HostConfig {
  readonly queueUrl: string;
  readonly region: string;
  /** ENCLAVE_SOCKET (a Unix socket path) or ENCLAVE_VSOCK_BRIDGE (host:port of the socat bridge), exactly one. */
  readonly enclaveAddress: string;
  /** The job ledger's table (`signingJobs`), reached through the VPC's DynamoDB gateway endpoint. */
  readonly signingJobsTable: string;
  /** HOST_ID: this host's name in the ledger's claims; absent in production, where it is the EC2 instance id (IMDSv2). */
  readonly hostId?: string;
  readonly healthPort: number;
  readonly heartbeatSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  /**
   * STRONGROOM_CO_SIGNER_FUNCTION: the co-signer function (issue 16), by ARN or name, which the host
   * invokes through the VPC's Lambda endpoint to release share 2 for an mpc job. Absent: an mpc job is
   * refused COSIGNER.UNAVAILABLE (the user data always writes it in a deployment).
   */
  readonly coSignerFunction?: string;
}

/** A Lambda function's name, or its ARN (unqualified or with a version or alias), as Invoke takes it. */
const LAMBDA_FUNCTION =
  /^(arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/;

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const text = env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < 1 || value > max)
    throw new Error(`${name} must be an integer from 1 to ${max}`);
  return value;
}

/**
 * Reads and checks the host's environment; throws naming the first missing or malformed variable, so
 * a bad unit fails at start rather than at the first job.
 *
 * None of it is trusted for safety: a host whose configuration an attacker controls can point at
 * another queue or drop jobs, but cannot make the enclave sign anything a valid proof does not
 * authorize, nor open a key outside the measured image. The values that matter (the approval key's
 * address, the sealing key, the deployment) are built into the enclave image, never read here.
 *
 * HEARTBEAT_SECONDS (default 60) must stay below the Sign state's HeartbeatSeconds, and
 * VISIBILITY_TIMEOUT_SECONDS (default 180) above it, so a job being signed is neither declared dead by
 * the workflow nor handed to another poller.
 */
export function readHostConfig(env: NodeJS.ProcessEnv): HostConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') throw new Error(`${name} is required`);
    return value.trim();
  };
  const queueUrl = required('QUEUE_URL');
  if (!/^https?:\/\/[^\s/]+\/\d{12}\/[A-Za-z0-9_-]{1,80}$/.test(queueUrl))
    throw new Error('QUEUE_URL must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)');
  const region = required('AWS_REGION');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error('AWS_REGION is not a region');
  const socket = env.ENCLAVE_SOCKET?.trim() || undefined;
  const bridge = env.ENCLAVE_VSOCK_BRIDGE?.trim() || undefined;
  if ((socket === undefined) === (bridge === undefined))
    throw new Error('exactly one of ENCLAVE_SOCKET and ENCLAVE_VSOCK_BRIDGE is required');
  if (socket !== undefined && !isAbsolute(socket)) throw new Error('ENCLAVE_SOCKET must be an absolute path');
  if (bridge !== undefined && !/^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(bridge))
    throw new Error('ENCLAVE_VSOCK_BRIDGE must be a loopback host:port (the socat bridge on this instance)');
  const signingJobsTable = required('STRONGROOM_SIGNING_JOBS_TABLE');
  // DynamoDB's own rule for table names.
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(signingJobsTable))
    throw new Error('STRONGROOM_SIGNING_JOBS_TABLE is not a DynamoDB table name');
  const hostId = env.HOST_ID?.trim() || undefined;
  if (hostId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(hostId))
    throw new Error('HOST_ID must be 1 to 128 printable characters');
  const healthPort = positiveInteger(env, 'HEALTH_PORT', Number.NaN, 65_535);
  if (Number.isNaN(healthPort)) throw new Error('HEALTH_PORT is required');
  const heartbeatSeconds = positiveInteger(env, 'HEARTBEAT_SECONDS', 60, 3600);
  const visibilityTimeoutSeconds = positiveInteger(env, 'VISIBILITY_TIMEOUT_SECONDS', 180, 43_200);
  if (heartbeatSeconds >= visibilityTimeoutSeconds)
    throw new Error('HEARTBEAT_SECONDS must be below VISIBILITY_TIMEOUT_SECONDS');
  const coSignerFunction = env.STRONGROOM_CO_SIGNER_FUNCTION?.trim() || undefined;
  if (coSignerFunction !== undefined && !LAMBDA_FUNCTION.test(coSignerFunction))
    throw new Error('STRONGROOM_CO_SIGNER_FUNCTION must be a Lambda function name or ARN');
  return {
    queueUrl,
    region,
    enclaveAddress: (socket ?? bridge) as string,
    signingJobsTable,
    ...(hostId === undefined ? {} : { hostId }),
    healthPort,
    heartbeatSeconds,
    visibilityTimeoutSeconds,
    ...(coSignerFunction === undefined ? {} : { coSignerFunction }),
  };
}

import { readHostConfig } from '../../../../enclave-host/host/host-config';

const ENV = {
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/strongroom-signing',
  AWS_REGION: 'eu-west-1',
  ENCLAVE_VSOCK_BRIDGE: '127.0.0.1:5000',
  STRONGROOM_SIGNING_JOBS_TABLE: 'StrongroomStateful-TablesSigningJobs1A2B3C-XYZ',
  HEALTH_PORT: '8081',
};

describe('readHostConfig', () => {
  it('reads the environment, with heartbeat and visibility defaults, and no host id (the instance id is read from IMDS)', () => {
    expect(readHostConfig(ENV)).toEqual({
      queueUrl: ENV.QUEUE_URL,
      region: 'eu-west-1',
      enclaveAddress: '127.0.0.1:5000',
      signingJobsTable: ENV.STRONGROOM_SIGNING_JOBS_TABLE,
      healthPort: 8081,
      heartbeatSeconds: 60,
      visibilityTimeoutSeconds: 180,
    });
  });

  it.each([
    [{ QUEUE_URL: undefined }, 'QUEUE_URL is required'],
    [{ ENCLAVE_SOCKET: '/run/strongroom/enclave.sock' }, 'exactly one of ENCLAVE_SOCKET and ENCLAVE_VSOCK_BRIDGE'],
    [{ ENCLAVE_VSOCK_BRIDGE: '10.0.0.5:5000' }, 'ENCLAVE_VSOCK_BRIDGE must be a loopback host:port'],
    [{ STRONGROOM_SIGNING_JOBS_TABLE: undefined }, 'STRONGROOM_SIGNING_JOBS_TABLE is required'],
    [{ STRONGROOM_SIGNING_JOBS_TABLE: 'signing jobs' }, 'STRONGROOM_SIGNING_JOBS_TABLE is not a DynamoDB table name'],
    [{ HOST_ID: 'host\u0000' }, 'HOST_ID must be 1 to 128 printable characters'],
    [{ HEALTH_PORT: undefined }, 'HEALTH_PORT is required'],
    [{ HEARTBEAT_SECONDS: '200' }, 'HEARTBEAT_SECONDS must be below VISIBILITY_TIMEOUT_SECONDS'],
    [{ VISIBILITY_TIMEOUT_SECONDS: '3m' }, 'VISIBILITY_TIMEOUT_SECONDS must be an integer'],
  ])('refuses %j', (change, message) => {
    expect(() => readHostConfig({ ...ENV, ...change })).toThrow(message);
  });

  it('takes HOST_ID when given (a fixed name where there is no instance metadata)', () => {
    expect(readHostConfig({ ...ENV, HOST_ID: 'host-a' }).hostId).toBe('host-a');
  });
});

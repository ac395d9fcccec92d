import { readHostConfig } from '../../../../enclave-host/host/host-config';

const ENV = {
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/strongroom-signing',
  AWS_REGION: 'eu-west-1',
  ENCLAVE_VSOCK_BRIDGE: '127.0.0.1:5000',
  RESULTS_DIR: '/var/lib/strongroom/results',
  HEALTH_PORT: '8081',
};

describe('readHostConfig', () => {
  it('reads the environment, with heartbeat and visibility defaults', () => {
    expect(readHostConfig(ENV)).toEqual({
      queueUrl: ENV.QUEUE_URL,
      region: 'eu-west-1',
      enclaveAddress: '127.0.0.1:5000',
      resultsDir: '/var/lib/strongroom/results',
      healthPort: 8081,
      heartbeatSeconds: 60,
      visibilityTimeoutSeconds: 180,
    });
  });

  it.each([
    [{ QUEUE_URL: undefined }, 'QUEUE_URL is required'],
    [{ ENCLAVE_SOCKET: '/run/strongroom/enclave.sock' }, 'exactly one of ENCLAVE_SOCKET and ENCLAVE_VSOCK_BRIDGE'],
    [{ ENCLAVE_VSOCK_BRIDGE: '10.0.0.5:5000' }, 'ENCLAVE_VSOCK_BRIDGE must be a loopback host:port'],
    [{ RESULTS_DIR: 'results' }, 'RESULTS_DIR must be an absolute path'],
    [{ HEALTH_PORT: undefined }, 'HEALTH_PORT is required'],
    [{ HEARTBEAT_SECONDS: '200' }, 'HEARTBEAT_SECONDS must be below VISIBILITY_TIMEOUT_SECONDS'],
    [{ VISIBILITY_TIMEOUT_SECONDS: '3m' }, 'VISIBILITY_TIMEOUT_SECONDS must be an integer'],
  ])('refuses %j', (change, message) => {
    expect(() => readHostConfig({ ...ENV, ...change })).toThrow(message);
  });
});

import { SyntheticNsm } from '../../../enclave-host/attestation';
import { AWS_NITRO_ATTESTATION_ROOT, ConfigReader } from '../../../lambdas/composition/runtime-config';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:StrongroomStateless-agent-key';
const PCRS = { 0: 'a0'.repeat(48), 1: 'a1'.repeat(48), 2: 'a2'.repeat(48) };
const TEST_ROOT = new SyntheticNsm({ pcrs: PCRS }).rootCertificatePem;

const configured = (env: Record<string, string>) =>
  new ConfigReader({
    STRONGROOM_AGENT_KEY_STATE_MACHINE_ARN: ARN,
    STRONGROOM_ENCLAVE_PCRS: JSON.stringify(PCRS),
    STRONGROOM_ENCLAVE_ATTESTATION_ROOT: AWS_NITRO_ATTESTATION_ROOT,
    ...env,
  }).agentKeyProvisioning();

describe('ConfigReader.agentKeyProvisioning', () => {
  it('is undefined in a deployment without an enclave host (no state machine named)', () => {
    expect(new ConfigReader({}).agentKeyProvisioning()).toBeUndefined();
  });

  it('reads the state machine, the PCRs and the AWS Nitro root of a deployment', () => {
    expect(configured({})).toEqual({ stateMachineArn: ARN, pcrs: PCRS, attestationRoot: { kind: 'aws-nitro' } });
  });

  it.each([
    ['no PCRs', { STRONGROOM_ENCLAVE_PCRS: '' }, 'STRONGROOM_ENCLAVE_PCRS is not set'],
    [
      'a missing PCR2',
      { STRONGROOM_ENCLAVE_PCRS: JSON.stringify({ 0: PCRS[0], 1: PCRS[1] }) },
      'STRONGROOM_ENCLAVE_PCRS.2 is not set',
    ],
    [
      'an all-zero PCR',
      { STRONGROOM_ENCLAVE_PCRS: JSON.stringify({ ...PCRS, 1: '0'.repeat(96) }) },
      'STRONGROOM_ENCLAVE_PCRS.1 must be',
    ],
    [
      'a short PCR',
      { STRONGROOM_ENCLAVE_PCRS: JSON.stringify({ ...PCRS, 0: 'ab' }) },
      'STRONGROOM_ENCLAVE_PCRS.0 must be',
    ],
    ['no root', { STRONGROOM_ENCLAVE_ATTESTATION_ROOT: '' }, 'STRONGROOM_ENCLAVE_ATTESTATION_ROOT is not set'],
    [
      'another root name',
      { STRONGROOM_ENCLAVE_ATTESTATION_ROOT: 'my-root' },
      `must be "${AWS_NITRO_ATTESTATION_ROOT}"`,
    ],
    ['a malformed ARN', { STRONGROOM_AGENT_KEY_STATE_MACHINE_ARN: 'agent-key' }, 'is not a state machine ARN'],
  ])('refuses %s at cold start, naming the variable', (_name, env, message) => {
    expect(() => configured(env)).toThrow(message);
  });

  it('refuses a test root unless Step Functions is a loopback stand-in (the rehearsal), so no deployment trusts one', () => {
    expect(() => configured({ STRONGROOM_ENCLAVE_ATTESTATION_ROOT: TEST_ROOT })).toThrow(
      'only the deployment rehearsal',
    );
    expect(() =>
      configured({
        STRONGROOM_ENCLAVE_ATTESTATION_ROOT: TEST_ROOT,
        AWS_ENDPOINT_URL_SFN: 'https://states.eu-west-1.amazonaws.com',
      }),
    ).toThrow('only the deployment rehearsal');
    expect(
      configured({ STRONGROOM_ENCLAVE_ATTESTATION_ROOT: TEST_ROOT, AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4567' }),
    ).toMatchObject({ attestationRoot: { kind: 'test', pem: TEST_ROOT } });
  });
});

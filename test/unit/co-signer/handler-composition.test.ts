import { X509Certificate } from 'node:crypto';
import { CO_SIGNER_ENV, composeCoSigner, readCoSignerSettings } from '../../../lambdas/co-signer/co-signer-composition';
import { AWS_NITRO_ATTESTATION_ROOT } from '../../../lambdas/composition/runtime-config';
import { NitroAttestationVerifier } from '../../../enclave-host/attestation/nitro-attestation-verifier';
import { approvalKey, nsm, ONE_ETH, USDC } from './co-signer-fixtures';

const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) };

/** The co-signer function's environment as lib/co-signer/co-signer-function.ts sets it. */
const deployed = (): NodeJS.ProcessEnv => ({
  [CO_SIGNER_ENV.deploymentId]: 'prod',
  [CO_SIGNER_ENV.approvalKeyAddress]: approvalKey.address,
  [CO_SIGNER_ENV.enclavePcrs]: JSON.stringify(PCRS),
  [CO_SIGNER_ENV.attestationRoot]: AWS_NITRO_ATTESTATION_ROOT,
  [CO_SIGNER_ENV.caps]: JSON.stringify({ default: { native: ONE_ETH.toString(), [USDC]: '5000000' } }),
  [CO_SIGNER_ENV.table]: 'StrongroomStateful-TablesCoSignerTable-1ABC',
  [CO_SIGNER_ENV.keyArn]: 'arn:aws:kms:eu-west-1:111122223333:key/6a1b2c3d-0000-4000-8000-000000000001',
});

describe('the co-signer’s configuration, from its own environment', () => {
  it('reads every value it trusts from its own variables, caps as bigint base units', () => {
    const settings = readCoSignerSettings(deployed());
    expect(settings.config).toEqual({
      deploymentId: 'prod',
      approvalKeyAddress: approvalKey.address,
      pcrs: PCRS,
      caps: { default: { native: ONE_ETH, [USDC]: 5_000_000n } },
    });
    expect(settings.attestationRoot).toEqual({ kind: 'aws-nitro' });
    const deps = composeCoSigner(deployed());
    expect(deps.verifier).toBeInstanceOf(NitroAttestationVerifier);
    expect((deps.verifier as NitroAttestationVerifier).mode).toBe('production');
  });

  it.each(Object.values(CO_SIGNER_ENV))('fails the cold start naming %s when it is missing', (name) => {
    const env = Object.fromEntries(Object.entries(deployed()).filter(([key]) => key !== name));
    expect(() => readCoSignerSettings(env)).toThrow(name);
  });

  it.each([
    [CO_SIGNER_ENV.caps, '{"default":{"native":1}}', /STRONGROOM_CO_SIGNER_CAPS\.default\.native/],
    [CO_SIGNER_ENV.caps, 'not json', /STRONGROOM_CO_SIGNER_CAPS is not valid JSON/],
    [CO_SIGNER_ENV.approvalKeyAddress, '0x1234', /STRONGROOM_APPROVAL_KEY_ADDRESS/],
    [CO_SIGNER_ENV.enclavePcrs, JSON.stringify({ ...PCRS, 2: '00'.repeat(48) }), /STRONGROOM_ENCLAVE_PCRS\.2/],
    [CO_SIGNER_ENV.keyArn, 'alias/co-signer', /STRONGROOM_CO_SIGNER_KEY_ARN must be a KMS key ARN/],
    [CO_SIGNER_ENV.attestationRoot, 'some-other-root', /must be "aws-nitro-enclaves-root-g1"/],
  ])('fails the cold start on a malformed %s, naming it', (name, value, message) => {
    expect(() => readCoSignerSettings({ ...deployed(), [name]: value })).toThrow(message);
  });

  it('accepts a test root only while KMS and DynamoDB are loopback stand-ins (the deployment rehearsal)', () => {
    const pem = new X509Certificate(Buffer.from(nsm.rootCertificate)).toString();
    const withTestRoot = { ...deployed(), [CO_SIGNER_ENV.attestationRoot]: pem };
    expect(() => readCoSignerSettings(withTestRoot)).toThrow(/test root/);
    expect(() =>
      readCoSignerSettings({ ...withTestRoot, AWS_ENDPOINT_URL_KMS: 'https://kms.eu-west-1.amazonaws.com' }),
    ).toThrow(/test root/);
    // KMS alone on loopback is not enough: the real table would still be written.
    expect(() => readCoSignerSettings({ ...withTestRoot, AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4566' })).toThrow(
      /test root/,
    );
    const rehearsal = {
      ...withTestRoot,
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
    };
    expect(readCoSignerSettings(rehearsal).attestationRoot).toEqual({ kind: 'test', pem });
    expect((composeCoSigner(rehearsal).verifier as NitroAttestationVerifier).mode).toBe('local');
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SealingKey } from '../../../../lib/enclave/sealing-key';
import { KeyPolicy } from '../../../../local/aws/kms-stand-in-key-policy';

// The sealing key's policy exactly as the CDK synthesizes it (intrinsics and all), evaluated by the
// KMS stand-in: the local runtime holds the enclave to the rule the deployed key will.
const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48), 8: 'd4'.repeat(48) };

function synthesizedPolicy(): KeyPolicy {
  const stack = new Stack(new App(), 'SealingKeyPolicy', { env: { account: '111122223333', region: 'eu-west-1' } });
  const instanceRole = new Role(stack, 'InstanceRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
  new SealingKey(stack, 'Sealing', {
    pcrs: PCRS,
    instanceRole,
    breakGlassRoleArn: 'arn:aws:iam::111122223333:role/break-glass',
  });
  const keys = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return KeyPolicy.parse(JSON.stringify((keys[0] as { Properties: { KeyPolicy: unknown } }).Properties.KeyPolicy));
}

const attested = (pcrs: Readonly<Record<number, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(pcrs).map(([index, value]) => [`kms:RecipientAttestation:PCR${index}`, value]));

describe("the CDK sealing key's policy, in the KMS stand-in", () => {
  const policy = synthesizedPolicy();

  it('releases data keys to the measured image only: every PCR equal, whatever the case', () => {
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey'])
      expect(policy.allows({ action, context: attested({ ...PCRS, 0: PCRS[0].toUpperCase() }) })).toBe(true);
  });

  it('denies a call without an attestation, or with any one PCR different (one Deny per PCR)', () => {
    expect(policy.allows({ action: 'kms:Decrypt', context: {} })).toBe(false);
    expect(policy.allows({ action: 'kms:GenerateDataKey', context: {} })).toBe(false);
    for (const index of [0, 1, 2, 8])
      expect(policy.allows({ action: 'kms:Decrypt', context: attested({ ...PCRS, [index]: 'ee'.repeat(48) }) })).toBe(
        false,
      );
  });

  it('lets the account administer the key but never encrypt with it nor change its policy', () => {
    expect(policy.allows({ action: 'kms:DescribeKey', context: {} })).toBe(true);
    expect(policy.allows({ action: 'kms:Encrypt', context: attested(PCRS) })).toBe(false);
    expect(policy.allows({ action: 'kms:PutKeyPolicy', context: {} })).toBe(false);
    expect(policy.allows({ action: 'kms:DisableKey', context: {} })).toBe(false);
  });
});

import type { AwsServiceError } from '../../../../local/aws/aws-service-error';
import { KeyPolicy } from '../../../../local/aws/kms-stand-in-key-policy';

const PCR0 = '0a'.repeat(48);
const PCR1 = '1b'.repeat(48);
const policy = (...statements: unknown[]): KeyPolicy => KeyPolicy.parse(JSON.stringify({ Statement: statements }));
const attested = (pcr0: string, pcr1: string): Record<string, string> => ({
  'kms:RecipientAttestation:PCR0': pcr0,
  'kms:RecipientAttestation:PCR1': pcr1,
  'kms:RecipientAttestation:ImageSha384': pcr0,
});
const rootAllowsAll = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*' };

describe('KMS stand-in key policy evaluation', () => {
  it('allows what an applicable Allow grants and nothing else (an implicit deny)', () => {
    const p = policy({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' });
    expect(p.allows({ action: 'kms:Decrypt', context: {} })).toBe(true);
    expect(p.allows({ action: 'kms:GenerateDataKey', context: {} })).toBe(true);
    expect(p.allows({ action: 'kms:GenerateDataKeyWithoutPlaintext', context: {} })).toBe(false);
    expect(p.allows({ action: 'kms:Encrypt', context: {} })).toBe(false);
  });

  it('matches actions with wildcards and without regard to case, and NotAction as its complement', () => {
    expect(policy(rootAllowsAll).allows({ action: 'kms:ScheduleKeyDeletion', context: {} })).toBe(true);
    expect(policy({ Effect: 'Allow', Action: 'KMS:gen*' }).allows({ action: 'kms:GenerateDataKey', context: {} })).toBe(
      true,
    );
    const p = policy({ Effect: 'Allow', NotAction: 'kms:ScheduleKeyDeletion' });
    expect(p.allows({ action: 'kms:Decrypt', context: {} })).toBe(true);
    expect(p.allows({ action: 'kms:ScheduleKeyDeletion', context: {} })).toBe(false);
  });

  it('lets an explicit Deny win over the account root’s kms:*, and the negated operator match a request without attestation', () => {
    const p = policy(rootAllowsAll, {
      Effect: 'Deny',
      Action: 'kms:Decrypt',
      Condition: { StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': PCR0 } },
    });
    expect(p.allows({ action: 'kms:Decrypt', context: {} })).toBe(false);
    expect(p.allows({ action: 'kms:Decrypt', context: attested('ff'.repeat(48), PCR1) })).toBe(false);
    expect(p.allows({ action: 'kms:Decrypt', context: attested(PCR0.toUpperCase(), PCR1) })).toBe(true);
    expect(p.allows({ action: 'kms:DescribeKey', context: {} })).toBe(true);
  });

  it('ANDs the keys of one condition block, as IAM does: a Deny naming PCR0 and PCR1 together denies only when both differ', () => {
    // Why the sealing key's policy needs one Deny per PCR: with the root's kms:* beside this Deny, an
    // enclave with a wrong PCR0 but the right PCR1 would be allowed.
    const combined = policy(rootAllowsAll, {
      Effect: 'Deny',
      Action: 'kms:Decrypt',
      Condition: {
        StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': PCR0, 'kms:RecipientAttestation:PCR1': PCR1 },
      },
    });
    expect(combined.allows({ action: 'kms:Decrypt', context: attested('ff'.repeat(48), PCR1) })).toBe(true);
    expect(combined.allows({ action: 'kms:Decrypt', context: attested('ff'.repeat(48), 'ee'.repeat(48)) })).toBe(false);

    const allowBoth = policy({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Condition: {
        StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': PCR0, 'kms:RecipientAttestation:PCR1': PCR1 },
      },
    });
    expect(allowBoth.allows({ action: 'kms:Decrypt', context: attested(PCR0, PCR1) })).toBe(true);
    expect(allowBoth.allows({ action: 'kms:Decrypt', context: attested('ff'.repeat(48), PCR1) })).toBe(false);
  });

  it('compares StringEquals with case and StringEqualsIgnoreCase without; a list of values matches any of them', () => {
    const exact = policy({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:EncryptionContext:walletId': ['wallet-1', 'wallet-2'] } },
    });
    expect(exact.allows({ action: 'kms:Decrypt', context: { 'kms:EncryptionContext:walletId': 'wallet-2' } })).toBe(
      true,
    );
    expect(exact.allows({ action: 'kms:Decrypt', context: { 'kms:EncryptionContext:walletId': 'WALLET-1' } })).toBe(
      false,
    );
    // Condition key names are not case-sensitive.
    expect(exact.allows({ action: 'kms:Decrypt', context: { 'KMS:encryptioncontext:WALLETID': 'wallet-1' } })).toBe(
      true,
    );
    expect(exact.allows({ action: 'kms:Decrypt', context: {} })).toBe(false);
  });

  it('reads Null as "the key is absent" and IfExists as "holds when absent"', () => {
    const noAttestation = policy({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Condition: { Null: { 'kms:RecipientAttestation:ImageSha384': 'true' } },
    });
    expect(noAttestation.allows({ action: 'kms:Decrypt', context: {} })).toBe(true);
    expect(noAttestation.allows({ action: 'kms:Decrypt', context: attested(PCR0, PCR1) })).toBe(false);

    const ifExists = policy({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Condition: { StringEqualsIfExists: { 'kms:RecipientAttestation:PCR0': PCR0 } },
    });
    expect(ifExists.allows({ action: 'kms:Decrypt', context: {} })).toBe(true);
    expect(ifExists.allows({ action: 'kms:Decrypt', context: attested('ff'.repeat(48), PCR1) })).toBe(false);
  });

  it("reads a CloudFormation intrinsic in a condition (a synthesized template's KeyPolicy) as a value no request has", () => {
    const onlyBreakGlass = policy(rootAllowsAll, {
      Effect: 'Deny',
      Action: 'kms:PutKeyPolicy',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['BreakGlassRole', 'Arn'] } } },
    });
    expect(onlyBreakGlass.allows({ action: 'kms:PutKeyPolicy', context: {} })).toBe(false);
    expect(onlyBreakGlass.allows({ action: 'kms:DescribeKey', context: {} })).toBe(true);
  });

  it('refuses, as malformed, a policy it cannot evaluate in full', () => {
    const malformed = (text: string): string | undefined => {
      try {
        KeyPolicy.parse(text);
      } catch (error) {
        return (error as AwsServiceError).code;
      }
      return undefined;
    };
    expect(malformed('not json')).toBe('MalformedPolicyDocumentException');
    expect(malformed(JSON.stringify({ Statement: [] }))).toBe('MalformedPolicyDocumentException');
    expect(malformed(JSON.stringify({ Statement: { Effect: 'Maybe', Action: '*' } }))).toBe(
      'MalformedPolicyDocumentException',
    );
    expect(
      malformed(
        JSON.stringify({ Statement: { Effect: 'Allow', Action: '*', Condition: { DateLessThan: { 'aws:x': '1' } } } }),
      ),
    ).toBe('MalformedPolicyDocumentException');
    expect(malformed(JSON.stringify({ Statement: { Effect: 'Allow', Action: '*', NotAction: 'kms:X' } }))).toBe(
      'MalformedPolicyDocumentException',
    );
    expect(
      malformed(
        JSON.stringify({ Statement: { Effect: 'Allow', Action: '*', Condition: { StringEquals: { k: { a: 1 } } } } }),
      ),
    ).toBe('MalformedPolicyDocumentException');
    // Principal and Resource may hold CloudFormation intrinsics: they are not evaluated, so they do not matter.
    expect(
      malformed(
        JSON.stringify({
          Statement: { Effect: 'Allow', Action: 'kms:*', Principal: { AWS: { 'Fn::Join': ['', ['a']] } } },
        }),
      ),
    ).toBeUndefined();
  });
});

import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  ArnPrincipal,
  Effect,
  PolicyDocument,
  PolicyStatement,
  type IRole,
} from 'aws-cdk-lib/aws-iam';
import { Key, type CfnKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { grantsOnlyForAwsServices } from '../keys/deployment-keys';
import type { EnclavePcrs } from './enclave-context';

/** What the enclave does with the sealing key, each call with a Recipient attestation: make and open data keys. */
export const SEALING_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

/** What the PCR conditions guard: every call that yields a data key's plaintext (the variants without one included). */
export const ATTESTED_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'] as const;

/** What no one but the break-glass role may do to the sealing key. */
export const SEALING_KEY_ACTIONS_RESERVED_TO_BREAK_GLASS = [
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
] as const;

/**
 * What the account (through IAM) may do with the sealing key: look at it and keep it, never use it nor
 * change who may. No kms:* here, which would hand Decrypt to any IAM administrator but for the Deny.
 */
export const SEALING_KEY_ACCOUNT_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateKeyDescription',
  'kms:EnableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:EnableKey',
  'kms:CancelKeyDeletion',
  'kms:RevokeGrant',
  'kms:RetireGrant',
] as const;

/** The KMS condition key of one PCR of a Recipient attestation document. */
export const pcrConditionKey = (index: number): string => `kms:RecipientAttestation:PCR${index}`;

export interface SealingKeyProps {
  readonly pcrs: EnclavePcrs;
  /** The enclave host's role: the enclave calls KMS with its credentials, passed in by the host. */
  readonly instanceRole: IRole;
  /** The break-glass role (lib/keys/deployment-keys.ts), by ARN: it alone may change this key's policy. */
  readonly breakGlassRoleArn: string;
}

/**
 * The key that seals agent keys: symmetric, rotated, retained. Its whole policy is written here (no
 * CDK default `kms:*` for the account root), in statement shapes the KMS stand-in evaluates too:
 *
 * - one Deny per PCR, to every principal, of Decrypt and GenerateDataKey* unless that PCR of the
 *   Recipient attestation equals the image's (`StringNotEqualsIgnoreCase`; an absent attestation
 *   matches, so a plain call is denied). One statement per PCR, because the keys of one condition are
 *   ANDed: a single statement would deny only when every PCR differs, and an image matching PCR0 with
 *   another signer (PCR8) would slip through;
 * - an Allow of Decrypt and GenerateDataKey to the instance role only with every PCR equal
 *   (`StringEqualsIgnoreCase`);
 * - a Deny of Encrypt and ReEncrypt* to everyone: the enclave never needs them, and ReEncrypt would
 *   turn a sealed data key into one under a key an administrator controls without ever decrypting here;
 * - the account may administer the key (describe, tag, rotate, alias, re-enable) but not use it or
 *   change its policy; PutKeyPolicy, CreateGrant, ScheduleKeyDeletion and DisableKey are denied to all
 *   but the break-glass role, which the policy allows them (CreateGrant stays limited to AWS services
 *   by CT.KMS.PR.3's statement, for the break-glass role too).
 *
 * KMS's policy lockout safety check refuses, at CreateKey, a policy that its caller (CloudFormation's
 * execution role) could not change afterwards: exactly the point here, so the check is bypassed. The
 * key is not unmanageable: the break-glass role, which the account root assumes with MFA, may put a new
 * policy, and the account keeps every administrative action but use and policy. The price: a new enclave
 * image (new PCRs) is a key policy change only the break-glass role can make; CloudFormation under its
 * usual execution role cannot, and an attempt shows on the key administration watch.
 */
export class SealingKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: SealingKeyProps) {
    super(scope, id);
    const pcrIndexes = Object.keys(props.pcrs)
      .map(Number)
      .sort((a, b) => a - b);
    const pcrValue = (index: number): string => (props.pcrs as Record<number, string>)[index] as string;
    const everyPcr = Object.fromEntries(pcrIndexes.map((index) => [pcrConditionKey(index), pcrValue(index)]));
    const policy = new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'AccountAdministersButNeverUsesTheKey',
          principals: [new AccountRootPrincipal()],
          actions: [...SEALING_KEY_ACCOUNT_ACTIONS],
          resources: ['*'],
        }),
        ...pcrIndexes.map(
          (index) =>
            new PolicyStatement({
              sid: `DataKeysOnlyForTheEnclaveImagePcr${index}`,
              effect: Effect.DENY,
              principals: [new AnyPrincipal()],
              actions: [...ATTESTED_ACTIONS],
              resources: ['*'],
              conditions: { StringNotEqualsIgnoreCase: { [pcrConditionKey(index)]: pcrValue(index) } },
            }),
        ),
        new PolicyStatement({
          sid: 'EnclaveHostSealsInTheMeasuredEnclave',
          principals: [new ArnPrincipal(props.instanceRole.roleArn)],
          actions: [...SEALING_ACTIONS],
          resources: ['*'],
          conditions: { StringEqualsIgnoreCase: everyPcr },
        }),
        new PolicyStatement({
          sid: 'NeverEncryptOrReEncrypt',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['kms:Encrypt', 'kms:ReEncrypt*'],
          resources: ['*'],
        }),
        ...breakGlassAloneAdministers(props.breakGlassRoleArn),
        grantsOnlyForAwsServices(),
      ],
    });
    this.key = new Key(this, 'Key', {
      description: 'strongroom: seals agent keys; data keys only to the measured enclave image (PCR conditions)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      policy,
      alias: `${Stack.of(this).stackName}/sealing`,
    });
    (this.key.node.defaultChild as CfnKey).bypassPolicyLockoutSafetyCheck = true;
  }

  /** The instance role's side of the grant: the key policy names the role, IAM says the same. */
  grantSealing(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ actions: [...SEALING_ACTIONS], resources: [this.key.keyArn] }));
  }
}

/**
 * The statements that leave a custody key's policy, grants and life to the break-glass role alone: it
 * may change them (and re-enable or cancel a deletion), and every other principal is denied them. Shared
 * by the sealing key and the co-signer's key (lib/co-signer/co-signer-key.ts).
 */
export function breakGlassAloneAdministers(breakGlassRoleArn: string): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'BreakGlassAdministersThePolicy',
      principals: [new ArnPrincipal(breakGlassRoleArn)],
      actions: [...SEALING_KEY_ACTIONS_RESERVED_TO_BREAK_GLASS, 'kms:EnableKey', 'kms:CancelKeyDeletion'],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'OnlyBreakGlassChangesPolicyGrantsOrLife',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: [...SEALING_KEY_ACTIONS_RESERVED_TO_BREAK_GLASS],
      resources: ['*'],
      conditions: { StringNotEquals: { 'aws:PrincipalArn': breakGlassRoleArn } },
    }),
  ];
}

import { Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  Effect,
  Policy,
  PolicyStatement,
  Role,
  ServicePrincipal,
  type IGrantable,
  type IRole,
} from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_TAG } from '../../lambdas/adapters/kms/kms-key-vault';

/**
 * The tags the KMS key vault writes on the keys it creates and reads before signing
 * (lambdas/adapters/kms/kms-key-vault.ts, where they are defined); IAM conditions name them too.
 */
export { KEY_TAG };

/**
 * The principal tag every function role carries: the key policies refuse retagging to it, because a key's
 * `strongroom:purpose` tag is what kms:Sign is granted on.
 */
export const FUNCTION_ROLE_TAG = { key: 'strongroom:component', value: 'function' } as const;

/** What no one but the break-glass role may do to a key of the deployment. */
export const KEY_ACTIONS_RESERVED_TO_BREAK_GLASS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey'] as const;

/** What a signer does with a key: the vault reads its public key and its purpose tag, then signs. */
const SIGNING_ACTIONS = ['kms:Sign', 'kms:GetPublicKey', 'kms:ListResourceTags'] as const;

/**
 * The deployment's KMS keys and the role that alone may disable or delete them.
 *
 * - approval and audit keys: secp256k1 (ECC_SECG_P256K1, SIGN_VERIFY), tagged with their purpose;
 * - the sealer: symmetric, rotated, seals task tokens at rest (Encrypt/Decrypt with a context);
 * - topics: symmetric, rotated, encrypts the approvers' and the operators' SNS topics.
 *
 * (The logs key lives beside the log groups, in the stateless stack: `LogsKey`, ./logs-key.ts.)
 *
 * Owner (custody) keys are not here: the wallets function creates one per wallet at run time, and
 * {@link grantCustodyKeyCreation} / {@link grantCustodySigning} say which tags make that possible.
 */
export class DeploymentKeys extends Construct {
  readonly breakGlassRole: Role;
  readonly approvalKey: Key;
  readonly auditKey: Key;
  readonly sealerKey: Key;
  readonly topicsKey: Key;
  /** The break-glass role's ARN, as a string (see {@link protectDeploymentKey}). */
  readonly breakGlassRoleArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    const breakGlassRoleName = `${stack.stackName}-break-glass`;
    // The ARN as a string, not the role's attribute: aws:PrincipalArn compares strings, so a role
    // recreated under the same name keeps the exemption, and the key policies do not depend on the role.
    this.breakGlassRoleArn = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: breakGlassRoleName,
    });
    this.breakGlassRole = new Role(this, 'BreakGlassRole', {
      roleName: breakGlassRoleName,
      description: 'The only principal that may disable or schedule the deletion of the strongroom keys (MFA required)',
      assumedBy: new AccountRootPrincipal().withConditions({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
      maxSessionDuration: Duration.hours(1),
    });

    this.approvalKey = this.signingKey('ApprovalKey', 'approval');
    this.auditKey = this.signingKey('AuditKey', 'audit');
    this.sealerKey = this.symmetricKey('SealerKey', 'seals approval task tokens at rest');
    this.topicsKey = this.symmetricKey('TopicsKey', "encrypts the approvers' and the operators' SNS topics");

    // CloudWatch alarms publish to the encrypted operators' topic with this key.
    this.topicsKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    const keys = [this.approvalKey, this.auditKey, this.sealerKey, this.topicsKey];
    this.breakGlassRole.addToPolicy(
      new PolicyStatement({
        actions: [...KEY_ACTIONS_RESERVED_TO_BREAK_GLASS, 'kms:EnableKey', 'kms:CancelKeyDeletion'],
        resources: keys.map((key) => key.keyArn),
      }),
    );
  }

  /** Sign (and read the public key and purpose tag of) the approval or audit key. */
  grantProofKeySigning(grantee: IGrantable, purpose: 'approval' | 'audit'): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...SIGNING_ACTIONS], resources: [this.proofKey(purpose).keyArn] }),
    );
  }

  /** Read the approval or audit key's public key (its address), to verify what it signed. */
  grantProofKeyVerification(grantee: IGrantable, purpose: 'approval' | 'audit'): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:GetPublicKey'], resources: [this.proofKey(purpose).keyArn] }),
    );
  }

  /** Seal and open task tokens. */
  grantSealing(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:Encrypt', 'kms:Decrypt'], resources: [this.sealerKey.keyArn] }),
    );
  }

  /**
   * Create owner keys, only as the key vault creates them: secp256k1 signing keys tagged
   * `strongroom:purpose=custody`, with no tag but the owner and the purpose. CreateKey has no resource
   * (the key does not exist yet), hence `*` with conditions; tagging at creation needs kms:TagResource
   * on every key of the account and region (KMS's rule), under the same tag conditions. A policy of its
   * own, so that its acknowledgement names exactly these statements.
   */
  grantCustodyKeyCreation(role: IRole): void {
    const stack = Stack.of(this);
    const tagConditions = {
      StringEquals: { [`aws:RequestTag/${KEY_TAG.purpose}`]: 'custody' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [KEY_TAG.owner, KEY_TAG.purpose] },
    };
    const policy = new Policy(role, 'CustodyKeyCreation', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['kms:CreateKey'],
          resources: ['*'],
          conditions: {
            ...tagConditions,
            StringEquals: {
              ...tagConditions.StringEquals,
              'kms:KeySpec': 'ECC_SECG_P256K1',
              'kms:KeyUsage': 'SIGN_VERIFY',
            },
          },
        }),
        new PolicyStatement({
          actions: ['kms:TagResource'],
          resources: [accountKeysArn(stack)],
          conditions: tagConditions,
        }),
        // The new key's address (GetPublicKey) right after CreateKey: not conditioned on its tags, which KMS
        // may not yet apply to authorization moments after creation. A public key is not a secret.
        new PolicyStatement({ actions: ['kms:GetPublicKey'], resources: [accountKeysArn(stack)] }),
      ],
    });
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'kms:CreateKey has no resource type: it takes "*", conditioned here on aws:RequestTag/strongroom:purpose = ' +
          'custody, aws:TagKeys within {strongroom:owner, strongroom:purpose}, kms:KeySpec ECC_SECG_P256K1 and ' +
          'kms:KeyUsage SIGN_VERIFY.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${ACCOUNT_KEYS_FINDING}]`,
        reason:
          'Tagging a key at creation needs kms:TagResource on every key of the account and region (KMS rule), ' +
          'conditioned on the same request tags; GetPublicKey of the key just created cannot name its ARN in ' +
          'advance and is not conditioned on its tags (they may not authorize yet; a public key is no secret).',
      },
    );
  }

  /**
   * Sign with owner keys: only keys tagged `strongroom:purpose=custody` (the vault checks the tag too).
   * Owner keys are created at run time, so no ARN can be named: key/* under the tag condition, in a
   * policy of its own.
   */
  grantCustodySigning(role: IRole): void {
    const policy = new Policy(role, 'CustodyKeySigning', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: [...SIGNING_ACTIONS],
          resources: [accountKeysArn(Stack.of(this))],
          conditions: { StringEquals: { [`aws:ResourceTag/${KEY_TAG.purpose}`]: 'custody' } },
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${ACCOUNT_KEYS_FINDING}]`,
      reason:
        'Owner keys are created at run time, one per wallet, so their ARNs cannot be named: kms:Sign, GetPublicKey ' +
        'and ListResourceTags on key/* are conditioned on aws:ResourceTag/strongroom:purpose = custody.',
    });
  }

  private proofKey(purpose: 'approval' | 'audit'): Key {
    return purpose === 'approval' ? this.approvalKey : this.auditKey;
  }

  private signingKey(id: string, purpose: 'approval' | 'audit'): Key {
    const key = new Key(this, id, {
      description: `strongroom ${purpose} key (secp256k1): signs ${purpose === 'approval' ? 'approval proofs' : 'audit checkpoints'}`,
      keySpec: KeySpec.ECC_SECG_P256K1,
      keyUsage: KeyUsage.SIGN_VERIFY,
      alias: `${Stack.of(this).stackName}/${purpose}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Tags.of(key).add(KEY_TAG.purpose, purpose);
    protectDeploymentKey(key, this.breakGlassRoleArn);
    return key;
  }

  private symmetricKey(id: string, what: string): Key {
    const key = new Key(this, id, {
      description: `strongroom: ${what}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    protectDeploymentKey(key, this.breakGlassRoleArn);
    return key;
  }
}

/**
 * The statements every key of the deployment carries beside the account's (which delegates to IAM):
 * explicit denies, which no Allow in the key policy or in IAM can override.
 */
export function protectDeploymentKey(key: Key, breakGlassRoleArn: string): void {
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'OnlyBreakGlassDisablesOrDeletes',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: [...KEY_ACTIONS_RESERVED_TO_BREAK_GLASS],
      resources: ['*'],
      conditions: { StringNotEquals: { 'aws:PrincipalArn': breakGlassRoleArn } },
    }),
  );
  // A function role that could retag a key could make it a custody key, which the signer may use.
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'FunctionsNeverRetagKeys',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:TagResource', 'kms:UntagResource'],
      resources: ['*'],
      conditions: { StringEquals: { [`aws:PrincipalTag/${FUNCTION_ROLE_TAG.key}`]: FUNCTION_ROLE_TAG.value } },
    }),
  );
  key.addToResourcePolicy(grantsOnlyForAwsServices());
}

/** AWS Control Tower CT.KMS.PR.3: grants only for AWS resources or services, in the shape the rule reads. */
export function grantsOnlyForAwsServices(): PolicyStatement {
  return new PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/** How cdk-nag renders {@link accountKeysArn} in a finding. */
const ACCOUNT_KEYS_FINDING = 'arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*';

/** Every KMS key of the account in the region: `arn:…:kms:<region>:<account>:key/*`. */
export function accountKeysArn(stack: Stack): string {
  return stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
}

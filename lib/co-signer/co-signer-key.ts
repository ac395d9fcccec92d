import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  Effect,
  PolicyDocument,
  PolicyStatement,
  type IGrantable,
  type IRole,
} from 'aws-cdk-lib/aws-iam';
import { Key, type CfnKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { breakGlassAloneAdministers, SEALING_KEY_ACCOUNT_ACTIONS } from '../enclave/sealing-key';
import { FUNCTION_ROLE_TAG, grantsOnlyForAwsServices } from '../keys/deployment-keys';

/** The encryption context every share 2 is encrypted and decrypted under (enclave-host/contract.ts `ShareContext`). */
export const CO_SIGNER_SHARE_CONTEXT_KEYS = ['address', 'deployment', 'epoch', 'share', 'walletId'] as const;

/**
 * The conditions of every use of the key: the full share context, and share "2". `ForAllValues` alone
 * would pass a call with no context at all; the `share` equality makes the context required.
 */
export const CO_SIGNER_SHARE_CONDITIONS = {
  StringEquals: { 'kms:EncryptionContext:share': '2' },
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...CO_SIGNER_SHARE_CONTEXT_KEYS] },
} as const;

/**
 * The two roles the key policy names, by name: known before either exists (the co-signer's is made by
 * the stateless stack, the host's by the enclave host stack, both deployed after this key) and
 * compared as strings (`aws:PrincipalArn`), so the policy never depends on a later stack. Derived from
 * the stateful stack's name, as the break-glass role's is.
 */
export function coSignerRoleNames(statefulStack: Stack): {
  readonly coSigner: string;
  readonly enclaveHost: string;
} {
  return { coSigner: `${statefulStack.stackName}-co-signer`, enclaveHost: `${statefulStack.stackName}-enclave-host` };
}

export interface CoSignerKeyProps {
  /** The break-glass role (lib/keys/deployment-keys.ts), by ARN: it alone may change this key's policy. */
  readonly breakGlassRoleArn: string;
}

/**
 * The co-signer's own KMS key (issue 16): share 2 of every mpc wallet is encrypted under it by the
 * enclave (KMS Encrypt with the host's instance role's credentials, the share's context as encryption
 * context) and stored in the co-signer's table; only the co-signer's role may Decrypt it, once its own
 * checks passed. Symmetric, rotated, retained, in the stateful stack: losing it loses every share 2.
 * It exists in every deployment, because its ARN is built into the enclave image (coSignerKeyArn),
 * which is built before the image's PCRs can be given to the other stacks.
 *
 * Its whole policy is written here, as the sealing key's (lib/enclave/sealing-key.ts):
 * - Decrypt for the co-signer role only, and only under a share 2 context; Deny of Decrypt to every
 *   other principal (the account root included);
 * - Encrypt for the enclave host's role only, under the same context; Deny of Encrypt to others;
 * - Deny of ReEncrypt* and GenerateDataKey* to all: ReEncrypt would move a share under a key an
 *   administrator controls without a Decrypt here, and nothing needs data keys of it;
 * - the account administers the key (describe, tag, rotate, alias, re-enable) but never uses it nor
 *   changes its policy; PutKeyPolicy, CreateGrant, ScheduleKeyDeletion and DisableKey are the break-glass
 *   role's alone (CreateGrant limited to AWS services, CT.KMS.PR.3); function roles never retag it.
 * The two roles are named by ARN in conditions over the account principal: the key delegates to IAM,
 * and each role's own policy grants its one action ({@link grantDecrypt}, {@link grantEncrypt}).
 * KMS's lockout check is bypassed, as for the sealing key: only the break-glass role may change the policy.
 */
export class CoSignerKey extends Construct {
  readonly key: Key;
  /** The co-signer function's role, by ARN (lib/co-signer/co-signer-function.ts creates it with this name). */
  readonly coSignerRoleArn: string;
  readonly coSignerRoleName: string;
  /** The enclave host's instance role, by ARN (lib/enclave/enclave-hosts.ts creates it with this name). */
  readonly enclaveHostRoleArn: string;
  readonly enclaveHostRoleName: string;

  constructor(scope: Construct, id: string, props: CoSignerKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = coSignerRoleNames(stack);
    const roleArn = (name: string): string =>
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name });
    this.coSignerRoleName = names.coSigner;
    this.coSignerRoleArn = roleArn(names.coSigner);
    this.enclaveHostRoleName = names.enclaveHost;
    this.enclaveHostRoleArn = roleArn(names.enclaveHost);
    const only = (sid: string, action: string, principalArn: string): PolicyStatement[] => [
      new PolicyStatement({
        sid,
        principals: [new AccountRootPrincipal()],
        actions: [action],
        resources: ['*'],
        conditions: {
          ...CO_SIGNER_SHARE_CONDITIONS,
          StringEquals: { ...CO_SIGNER_SHARE_CONDITIONS.StringEquals, 'aws:PrincipalArn': principalArn },
        },
      }),
      new PolicyStatement({
        sid: `No${sid}ButThatRole`,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [action],
        resources: ['*'],
        conditions: { StringNotEquals: { 'aws:PrincipalArn': principalArn } },
      }),
    ];
    const policy = new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'AccountAdministersButNeverUsesTheKey',
          principals: [new AccountRootPrincipal()],
          actions: [...SEALING_KEY_ACCOUNT_ACTIONS],
          resources: ['*'],
        }),
        ...only('CoSignerDecryptsShares', 'kms:Decrypt', this.coSignerRoleArn),
        ...only('EnclaveHostEncryptsShares', 'kms:Encrypt', this.enclaveHostRoleArn),
        new PolicyStatement({
          sid: 'NeverReEncryptOrDataKeys',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['kms:ReEncrypt*', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
        ...breakGlassAloneAdministers(props.breakGlassRoleArn),
        // As on every key of the deployment (deployment-keys.ts): a function role never retags a key.
        new PolicyStatement({
          sid: 'FunctionsNeverRetagKeys',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['kms:TagResource', 'kms:UntagResource'],
          resources: ['*'],
          conditions: { StringEquals: { [`aws:PrincipalTag/${FUNCTION_ROLE_TAG.key}`]: FUNCTION_ROLE_TAG.value } },
        }),
        grantsOnlyForAwsServices(),
      ],
    });
    this.key = new Key(this, 'Key', {
      description: 'strongroom co-signer: share 2 of mpc keys; the enclave host encrypts, only the co-signer decrypts',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      policy,
      alias: `${stack.stackName}/co-signer`,
    });
    (this.key.node.defaultChild as CfnKey).bypassPolicyLockoutSafetyCheck = true;
  }

  /** The co-signer role's side: Decrypt on this key, under a share 2 context (the key policy says the same). */
  grantDecrypt(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn], conditions: shareConditions() }),
    );
  }

  /** The enclave host role's side: Encrypt on this key, under a share 2 context; never Decrypt. */
  grantEncrypt(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:Encrypt'], resources: [this.key.keyArn], conditions: shareConditions() }),
    );
  }
}

const shareConditions = () => ({
  StringEquals: { ...CO_SIGNER_SHARE_CONDITIONS.StringEquals },
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...CO_SIGNER_SHARE_CONTEXT_KEYS] },
});

import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ArnPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_ACTIONS_RESERVED_TO_BREAK_GLASS, protectDeploymentKey } from './deployment-keys';

/**
 * The key of the deployment's log groups: symmetric, rotated, retained, protected like every key of the
 * deployment. It lives beside the log groups (the stateless stack) because AWS Control Tower's
 * CT.CLOUDWATCH.PR.3 accepts a log group's key only as a reference within its own template; log groups
 * and key are both kept when the stack goes, so no log becomes unreadable.
 */
export class LogsKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { readonly breakGlassRoleArn: string }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new Key(this, 'Key', {
      description: 'strongroom: encrypts the log groups',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    protectDeploymentKey(this.key, props.breakGlassRoleArn);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'BreakGlassMayDisableOrDelete',
        principals: [new ArnPrincipal(props.breakGlassRoleArn)],
        actions: [...KEY_ACTIONS_RESERVED_TO_BREAK_GLASS, 'kms:EnableKey', 'kms:CancelKeyDeletion'],
        resources: ['*'],
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogsEncryptsTheDeploymentsLogGroups',
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}

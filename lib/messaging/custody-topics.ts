import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The two SNS topics of a deployment, KMS-encrypted and TLS-only, kept on stack deletion: approvers'
 * notices (one subscription per approver, filtered on the `strongroom.member` message attribute) and
 * the operators' alarms.
 */
export class CustodyTopics extends Construct {
  readonly approvers: Topic;
  readonly alarms: Topic;

  constructor(
    scope: Construct,
    id: string,
    private readonly key: IKey,
  ) {
    super(scope, id);
    this.approvers = this.topic('Approvers', 'strongroom: approval requests for approvers');
    this.alarms = this.topic('Alarms', "strongroom: operators' alarms");
  }

  /** Publish approval notices: sns:Publish on the approvers' topic and the data key its encryption takes. */
  grantApproverNotices(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.approvers.topicArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }),
    );
  }

  private topic(id: string, displayName: string): Topic {
    const topic = new Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
    topic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return topic;
  }
}

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CoSignerKey } from './co-signer/co-signer-key';
import { DeploymentKeys } from './keys/deployment-keys';
import { KeyAdministrationWatch } from './keys/key-administration-watch';
import { CustodyTopics } from './messaging/custody-topics';
import { SigningQueue } from './messaging/signing-queue';
import { PageTokenSecret } from './secrets/page-token-secret';
import { CustodyTables } from './storage/custody-tables';

/** What the stateless stack is given by the stateful one. */
export interface StatefulResources {
  readonly tables: CustodyTables;
  readonly keys: DeploymentKeys;
  readonly topics: CustodyTopics;
  readonly pageTokenSecret: PageTokenSecret;
  /** The queue of `enclave` signing jobs: the Sign state sends to it (`queue.queueUrl`), the enclave host consumes it. */
  readonly signingQueue: SigningQueue;
  /** The co-signer's KMS key (issue 16) and the names of the two roles its policy lets use it. */
  readonly coSignerKey: CoSignerKey;
}

/**
 * Everything that holds state and must outlive a redeploy: the append-only tables, the keys, the topics,
 * the page-token secret, the signing queue and the co-signer's key, all retained on stack deletion. Kept apart from the
 * stateless stack so that replacing code never replaces data or keys. The watch on key administration
 * lives here too, beside the keys and the operators' topic (./keys/key-administration-watch.ts).
 */
export class StrongroomStatefulStack extends Stack implements StatefulResources {
  readonly tables: CustodyTables;
  readonly keys: DeploymentKeys;
  readonly topics: CustodyTopics;
  readonly pageTokenSecret: PageTokenSecret;
  readonly signingQueue: SigningQueue;
  readonly keyAdministrationWatch: KeyAdministrationWatch;
  readonly coSignerKey: CoSignerKey;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.tables = new CustodyTables(this, 'Tables');
    this.keys = new DeploymentKeys(this, 'Keys');
    this.topics = new CustodyTopics(this, 'Topics', this.keys.topicsKey);
    this.pageTokenSecret = new PageTokenSecret(this, 'PageTokenSecret');
    this.signingQueue = new SigningQueue(this, 'SigningQueue', { alarmTopic: this.topics.alarms });
    // In every deployment: its ARN is built into the enclave image, which is built before the image's PCRs exist.
    this.coSignerKey = new CoSignerKey(this, 'CoSignerKey', { breakGlassRoleArn: this.keys.breakGlassRoleArn });
    // KMS refuses a key policy naming a principal that does not exist yet.
    this.coSignerKey.key.node.addDependency(this.keys.breakGlassRole);
    this.keyAdministrationWatch = new KeyAdministrationWatch(this, 'KeyAdministrationWatch', {
      alarmTopic: this.topics.alarms,
    });

    // The approval key's address is the stateless stack's ApprovalKeyAddress parameter: read it from
    // this key (KMS GetPublicKey) once this stack is deployed.
    new CfnOutput(this, 'ApprovalKeyArn', { value: this.keys.approvalKey.keyArn });
    new CfnOutput(this, 'AuditKeyArn', { value: this.keys.auditKey.keyArn });
    new CfnOutput(this, 'ApproversTopicArn', { value: this.topics.approvers.topicArn });
    new CfnOutput(this, 'AlarmsTopicArn', { value: this.topics.alarms.topicArn });
    new CfnOutput(this, 'BreakGlassRoleArn', { value: this.keys.breakGlassRole.roleArn });
    new CfnOutput(this, 'SigningQueueUrl', { value: this.signingQueue.queue.queueUrl });
    // The enclave image's `coSignerKeyArn` (enclave-host/deploy/README.md): read it here before building the image.
    new CfnOutput(this, 'CoSignerKeyArn', { value: this.coSignerKey.key.keyArn });
  }
}

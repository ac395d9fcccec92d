import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * How long a signing job may wait for a host. A job older than this is dropped unsigned: its task has
 * failed safe by then, so the Sign state's TimeoutSeconds must stay below it (a host that came back
 * after an outage must not sign transfers the workflow already gave up on).
 */
export const SIGNING_JOB_RETENTION = Duration.hours(1);

/** What the enclave host does with a job: receive it, extend its visibility while it signs, delete it after the callback. */
export const SIGNING_JOB_CONSUMER_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

/**
 * The queue of `enclave` signing jobs: the Sign state sends one (`sqs:sendMessage.waitForTaskToken`),
 * the enclave host long-polls it, signs in the enclave, calls the task back and only then deletes the
 * message. A job is visible again after 60 s unless the host extends it (it heartbeats while signing),
 * so a host that dies mid-job hands it to the next; after five receipts it goes to the dead-letter
 * queue, whose depth alarms the operators. Encrypted with SQS-managed keys (as the failed-invocations
 * queue is): a job holds an unsigned transaction, its authorization proof and a sealed key, never
 * plaintext, and a key of ours would put KMS grants on both the state machine and the host for
 * nothing that SSE-SQS does not already give. TLS only. Part of the stateful stack: in-flight jobs
 * outlive a redeploy of the functions or of the host.
 */
export class SigningQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: { readonly alarmTopic: ITopic }) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks it as a dead-letter queue for AWS Control Tower's CT.SQS.PR.1 (a DLQ needs no DLQ of its own).
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the signing queue: a job no host could complete in five ' +
        'receipts lands here for an operator (its task has failed safe meanwhile), alarmed on depth > 0.',
    });
    this.queue = new Queue(this, 'Jobs', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(60),
      retentionPeriod: SIGNING_JOB_RETENTION,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'strongroom: a signing job was received five times without completing (dead-letter queue)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(props.alarmTopic));
  }

  /** Send signing jobs (the state machine's role, for the Sign state). */
  grantSendJobs(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
  }

  /** Take jobs off the queue (the enclave host's instance role). */
  grantConsumeJobs(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...SIGNING_JOB_CONSUMER_ACTIONS], resources: [this.queue.queueArn] }),
    );
  }
}

import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The dead-letter queue of everything that runs without a caller to tell: schedules the scheduler could
 * not deliver, scheduled functions that failed, and stream batches the append-only guard could not
 * process. Encrypted (SSE-SQS), TLS only, kept 14 days; its depth alarms the operators.
 */
export class FailedInvocationsQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks it as a dead-letter queue for AWS Control Tower's CT.SQS.PR.1 (a DLQ needs no DLQ of its own).
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue (of the schedules, the scheduled functions and the stream ' +
        'consumer); what lands here is read by an operator, alarmed on depth > 0.',
    });
  }
}

import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The KMS calls that can loosen a key: a new key policy (a relaxed PCR condition), a grant, a disabled
 * key, a deletion scheduled. Successful or refused, each is worth an operator's look.
 */
export const WATCHED_KEY_ADMINISTRATION_EVENTS = [
  'PutKeyPolicy',
  'CreateGrant',
  'ScheduleKeyDeletion',
  'DisableKey',
] as const;

/**
 * Sees at once an administrator who changes a strongroom key: an EventBridge rule on the CloudTrail
 * management events of {@link WATCHED_KEY_ADMINISTRATION_EVENTS} forwards each event (who, which key,
 * the new policy) to the operators' topic, and an alarm on the rule's matched events raises the same on
 * the alarm channel, in case the topic's subscribers filter raw events.
 *
 * It matches by event name on every key of the account and region, not by key ARN: the owner keys are
 * made at run time, one per wallet, and their ARNs cannot be listed; a strongroom deployment has an
 * account of its own (AWS Control Tower's account per workload), so any key there is strongroom's.
 * Consequence: each enclave host launch shows one CreateGrant (EC2 granting itself the EBS key for the
 * new volume); an instance replaced in a custody deployment is worth a look too.
 *
 * It lives in the stateful stack, beside the keys and the operators' topic: it covers the keys of every
 * stack (and the enclave host's sealing key) whether or not the enclave host is deployed. CloudTrail
 * delivers "AWS API Call via CloudTrail" events to EventBridge only while a trail logs the account's
 * management events (AWS Control Tower's organization trail does).
 */
export class KeyAdministrationWatch extends Construct {
  readonly rule: Rule;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: { readonly alarmTopic: ITopic }) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'strongroom: a KMS key policy changed, a grant made, a key disabled or scheduled for deletion',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['kms.amazonaws.com'], eventName: [...WATCHED_KEY_ADMINISTRATION_EVENTS] },
      },
    });
    // A role, not the events service principal: the topic is encrypted with a key whose policy trusts the
    // account's IAM, so the role's grant (sns:Publish and the topic key's data key) is all it takes.
    this.rule.addTarget(new SnsTopic(props.alarmTopic, { authorizeUsingRole: true }));
    const role = this.rule.node.tryFindChild('EventsRole');
    if (role !== undefined)
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "CDK's grant to publish to a KMS-encrypted topic: kms:GenerateDataKey* on the operators' topic key only " +
          '(the resource is that one key, the wildcard spans only the data-key variants SNS may call).',
      });

    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription:
        'strongroom: a KMS key was administered (PutKeyPolicy, CreateGrant, ScheduleKeyDeletion or DisableKey); ' +
        'see the event on the operators’ topic',
      metric: new Metric({
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensionsMap: { RuleName: this.rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}

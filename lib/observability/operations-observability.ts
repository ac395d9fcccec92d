import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC } from '../../lambdas/observability/metric-names';
import { strongroomMetric, type StrongroomMetricName } from './strongroom-metrics';

export interface OperationsObservabilityProps {
  readonly deploymentId: string;
  readonly stateMachine: StateMachine;
  /** The agent-key provisioning state machine, in a deployment with an enclave host. */
  readonly agentKeyStateMachine?: StateMachine;
  readonly api: RestApi;
  readonly failedInvocations: IQueue;
  /** The operators' topic: every alarm goes there. */
  readonly alarmTopic: ITopic;
}

/** Strongroom's own metrics that alarm at the first occurrence in five minutes. */
const ALARM_ON_ANY: readonly { readonly id: string; readonly metric: StrongroomMetricName; readonly what: string }[] = [
  {
    id: 'ReconciliationRequired',
    metric: METRIC.reconciliationRequired,
    what: 'a transfer needs a human to reconcile it',
  },
  {
    id: 'ReconciliationExceptions',
    metric: METRIC.reconciliationExceptions,
    what: 'the books and the chain disagree on a balance',
  },
  {
    id: 'UnexplainedOutflows',
    metric: METRIC.unexplainedOutflows,
    what: 'money left a custody address without a transfer of ours',
  },
  {
    id: 'AppendOnlyViolations',
    metric: METRIC.appendOnlyViolations,
    what: 'an append-only table was modified or had an item removed',
  },
  { id: 'KmsThrottles', metric: METRIC.kmsThrottles, what: 'KMS throttled a call even after the SDK retries' },
];

/**
 * What operators watch: one dashboard of the transfer flow, the keys, the chain and the API, and the
 * alarms that page them through the operators' topic.
 */
export class OperationsObservability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: OperationsObservabilityProps) {
    super(scope, id);
    const own = (name: StrongroomMetricName, options?: Parameters<typeof strongroomMetric>[2]) =>
      strongroomMetric(name, props.deploymentId, options);
    const dlqDepth = props.failedInvocations.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    const failedExecutions = props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    this.dashboard.addWidgets(
      graph('Transfers by status', [own(METRIC.transfers, { groupBy: 'status' })]),
      graph('Time waiting for approval (s)', [
        own(METRIC.approvalWaitSeconds, { stat: 'AVG', label: 'average' }),
        own(METRIC.approvalWaitSeconds, { stat: 'MAX', label: 'longest' }),
      ]),
      graph('Sign latency (ms)', [
        own(METRIC.signLatencyMs, { stat: 'AVG', label: 'average' }),
        own(METRIC.signLatencyMs, { stat: 'MAX', label: 'slowest' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Broadcast errors', [own(METRIC.broadcastErrors)]),
      graph('Unexplained outflows and reconciliation', [
        own(METRIC.unexplainedOutflows),
        own(METRIC.reconciliationExceptions),
        own(METRIC.reconciliationRequired),
      ]),
      graph(
        'Workflow executions',
        [failedExecutions.with({ label: 'failed' })],
        [props.stateMachine.metricStarted({ statistic: 'Sum', label: 'started' })],
      ),
    );
    this.dashboard.addWidgets(
      graph('Dead-letter queue depth', [dlqDepth]),
      graph(
        'API errors',
        [
          props.api.metricClientError({ statistic: 'Sum', label: '4xx' }),
          props.api.metricServerError({ statistic: 'Sum', label: '5xx' }),
        ],
        [props.api.metricCount({ statistic: 'Sum', label: 'requests' })],
      ),
      graph('API latency (ms)', [
        props.api.metricLatency({ statistic: 'p50', label: 'p50' }),
        props.api.metricLatency({ statistic: 'p99', label: 'p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Append-only violations and KMS throttles', [own(METRIC.appendOnlyViolations), own(METRIC.kmsThrottles)]),
    );

    const action = new SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, metric: IMetric, description: string): Alarm => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: `strongroom ${Stack.of(this).stackName}: ${description}`,
        metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      return created;
    };
    // An enclave wallet that could not be made: the host or enclave is down, or the enclave refused.
    const failedProvisioning = props.agentKeyStateMachine?.metricFailed({
      period: Duration.minutes(5),
      statistic: 'Sum',
    });
    if (failedProvisioning !== undefined)
      this.dashboard.addWidgets(graph('Enclave wallets not made (agent-key executions failed)', [failedProvisioning]));
    this.alarms = [
      alarm('FailedExecutions', failedExecutions, 'a transfer workflow execution failed'),
      ...(failedProvisioning === undefined
        ? []
        : [
            alarm(
              'FailedAgentKeyExecutions',
              failedProvisioning,
              'an enclave wallet could not be made (agent-key provisioning failed)',
            ),
          ]),
      alarm('FailedInvocations', dlqDepth, 'a scheduled job or the append-only guard failed: read the DLQ'),
      ...ALARM_ON_ANY.map(({ id: alarmId, metric, what }) => alarm(alarmId, own(metric), what)),
    ];
  }
}

import { Duration } from 'aws-cdk-lib';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { DEPLOYMENT_DIMENSION, METRICS_NAMESPACE, type METRIC } from '../../lambdas/observability/metric-names';

export type StrongroomMetricName = (typeof METRIC)[keyof typeof METRIC];

/**
 * One of strongroom's own metrics (lambdas/observability/metric-names.ts) for one deployment, summed
 * over everything else. A Metrics Insights query, not a metric with a fixed dimension set: Powertools
 * adds a `service` dimension (the function) to each metric beside `deployment`, and a transfer status
 * is counted by several functions; the query aggregates them, in the dashboard and in an alarm alike.
 */
export function strongroomMetric(
  name: StrongroomMetricName,
  deploymentId: string,
  options: {
    readonly stat?: 'SUM' | 'AVG' | 'MAX';
    readonly groupBy?: string;
    readonly period?: Duration;
    readonly label?: string;
  } = {},
): MathExpression {
  const stat = options.stat ?? 'SUM';
  const groupBy = options.groupBy === undefined ? '' : ` GROUP BY ${options.groupBy}`;
  return new MathExpression({
    // The deployment id is a parameter restricted to letters, digits and hyphens: it cannot break the quotes.
    expression: `SELECT ${stat}(${name}) FROM ${METRICS_NAMESPACE} WHERE ${DEPLOYMENT_DIMENSION} = '${deploymentId}'${groupBy}`,
    usingMetrics: {},
    period: options.period ?? Duration.minutes(5),
    label: options.label ?? name,
  });
}

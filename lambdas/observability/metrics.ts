import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEPLOYMENT_DIMENSION, METRICS_NAMESPACE, type METRIC } from './metric-names';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The metrics port: what a handler counts and times. CloudWatch (EMF) in Lambda; nothing, or a list, elsewhere. */
export interface Metrics {
  count(name: MetricName, value?: number, dimensions?: Readonly<Record<string, string>>): void;
  milliseconds(name: MetricName, value: number): void;
  seconds(name: MetricName, value: number): void;
  /** Writes what was recorded since the last flush (one EMF line per dimension set); called after each invocation. */
  flush(): void;
}

/** Records nothing: the local runtime's default (its operators read the log and the outbox). */
export const NO_METRICS: Metrics = {
  count: () => undefined,
  milliseconds: () => undefined,
  seconds: () => undefined,
  flush: () => undefined,
};

/**
 * Metrics through Powertools in the embedded metric format: lines in the function's log that CloudWatch
 * turns into metrics of namespace `Strongroom`, every one with the deployment as a dimension. A count
 * with its own dimensions (transfers by status) goes out as a single-metric line so that its dimension
 * does not leak onto the others.
 */
export function cloudMetrics(deploymentId: string, functionName: string): Metrics {
  const metrics = new PowertoolsMetrics({
    namespace: METRICS_NAMESPACE,
    serviceName: functionName,
    defaultDimensions: { [DEPLOYMENT_DIMENSION]: deploymentId },
  });
  return {
    count(name, value = 1, dimensions) {
      if (dimensions === undefined) return void metrics.addMetric(name, MetricUnit.Count, value);
      const single = metrics.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
      single.addMetric(name, MetricUnit.Count, value);
    },
    milliseconds: (name, value) => void metrics.addMetric(name, MetricUnit.Milliseconds, value),
    seconds: (name, value) => void metrics.addMetric(name, MetricUnit.Seconds, value),
    flush: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

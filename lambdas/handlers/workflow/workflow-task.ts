import { Logger } from '@aws-lambda-powertools/logger';
import { StrongroomError } from '../../domain/errors';
import { checkString, expectObject, ID_RULE, type UncheckedObject } from '../../domain/validation';
import type { Ports, PortsOf } from '../../composition/compose';
import { METRIC } from '../../observability/metric-names';
import { NO_METRICS } from '../../observability/metrics';
import { defineFunction, type LambdaFunction } from '../../composition/define-function';
import type { FunctionManifest } from '../../composition/function-manifest';

const logger = new Logger({ serviceName: 'strongroom-workflow' });

/** A task's input as the state machine sends it: always a transfer id, and the task's own fields. */
export interface TaskInput {
  readonly transferId: string;
  readonly fields: UncheckedObject;
}

/** A workflow task's Lambda handler: the state machine's Payload in, the task's JSON result out. */
export type TaskHandler<T> = (event: unknown) => Promise<T>;

/**
 * A workflow task function: the Lambda the state machine invokes (the same handler runs locally under
 * the ASL runner). It checks the input, calls one use case with the ports its manifest names and
 * returns its JSON result. Errors keep their class name, which is what the state machine's Retry and
 * Catch match; the input is never logged (it can hold a task token).
 */
export function workflowTask<M extends FunctionManifest, T>(
  task: string,
  manifest: M,
  run: (ports: PortsOf<M>, input: TaskInput) => Promise<T>,
): LambdaFunction<M, TaskHandler<T>> {
  return defineFunction(manifest, (ports) => async (event: unknown): Promise<T> => {
    const metrics = (ports as Partial<Ports>).metrics ?? NO_METRICS;
    const fields = expectObject(event, 'input');
    const transferId = checkString(fields.transferId, 'transferId', ID_RULE);
    const started = Date.now();
    try {
      const result = await run(ports, { transferId, fields });
      const ms = Date.now() - started;
      logger.info('task done', { task, transferId, ms });
      if (task === 'SignKms') metrics.milliseconds(METRIC.signLatencyMs, ms);
      const status = (result as { readonly status?: unknown } | undefined)?.status;
      if (typeof status === 'string') metrics.count(METRIC.transfers, 1, { status });
      // TrackConfirmations' verdict, and Compensate's when signing had begun: a human must reconcile.
      const { action, outcome } = (result ?? {}) as { readonly action?: unknown; readonly outcome?: unknown };
      if (action === 'RECONCILE' || outcome === 'IN_DOUBT') metrics.count(METRIC.reconciliationRequired);
      return result;
    } catch (error) {
      const details =
        error instanceof StrongroomError
          ? { code: error.code, name: error.name, message: error.message }
          : { code: undefined, name: (error as Error).name };
      logger.warn('task failed', { task, transferId, ms: Date.now() - started, ...details });
      if (task === 'Broadcast') metrics.count(METRIC.broadcastErrors);
      if (details.code === 'KEY.UNAVAILABLE') metrics.count(METRIC.kmsThrottles);
      throw error;
    }
  });
}

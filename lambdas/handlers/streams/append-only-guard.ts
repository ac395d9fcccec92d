import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { METRIC } from '../../observability/metric-names';

const logger = new Logger({ serviceName: 'strongroom-append-only-guard' });

/**
 * Watches the streams of the append-only tables: a MODIFY or a REMOVE there means someone wrote
 * around the IAM denies (a console edit, a break-glass role, a restored backup). Each one is logged
 * with the table, key and event id (never the item's contents) and counted, and the count's alarm
 * pages the operators. INSERTs are what the tables are for and pass silently.
 */
export const appendOnlyGuardFunction = defineFunction(
  FUNCTIONS.appendOnlyGuard,
  ({ metrics }) =>
    async (event: DynamoDBStreamEvent): Promise<{ violations: number }> => {
      let violations = 0;
      for (const record of event.Records ?? []) {
        if (record.eventName !== 'MODIFY' && record.eventName !== 'REMOVE') continue;
        violations += 1;
        logger.error('append-only table changed', {
          eventName: record.eventName,
          eventId: record.eventID,
          table: tableOf(record.eventSourceARN),
          keys: record.dynamodb?.Keys,
          principal: record.userIdentity?.principalId,
        });
      }
      if (violations > 0) metrics.count(METRIC.appendOnlyViolations, violations);
      return { violations };
    },
);

export const { handler } = appendOnlyGuardFunction;

/** `arn:aws:dynamodb:…:table/NAME/stream/…` → NAME. */
function tableOf(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /:table\/([^/]+)/.exec(arn)?.[1];
}

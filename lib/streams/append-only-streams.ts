import { Duration } from 'aws-cdk-lib';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_NAMES, TABLE_SCHEMAS } from '../../lambdas/adapters/dynamodb/table-schema';
import type { StrongroomFunction } from '../functions/strongroom-function';
import { pascalCase } from '../functions/custody-functions';
import type { CustodyTables } from '../storage/custody-tables';

export interface AppendOnlyStreamsProps {
  readonly tables: CustodyTables;
  /** The stream consumer that counts MODIFY and REMOVE records (append-only-guard). */
  readonly guard: StrongroomFunction;
  /** Where a batch the guard could not process goes, so that a violation is never dropped silently. */
  readonly failedInvocations: IQueue;
}

/**
 * Feeds the append-only tables' streams to the guard: only MODIFY and REMOVE records (an INSERT is what
 * these tables are for, and filtering them out at the mapping spares one invocation per write).
 */
export class AppendOnlyStreams extends Construct {
  constructor(scope: Construct, id: string, props: AppendOnlyStreamsProps) {
    super(scope, id);
    for (const name of TABLE_NAMES.filter((table) => TABLE_SCHEMAS[table].appendOnly)) {
      const streamArn = props.tables.tables[name].tableStreamArn;
      if (streamArn === undefined) throw new Error(`append-only table ${name} has no stream`);
      props.tables.grantStreamRead(props.guard.role, name);
      const mapping = new EventSourceMapping(this, pascalCase(name), {
        target: props.guard.function,
        eventSourceArn: streamArn,
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        retryAttempts: 5,
        bisectBatchOnError: true,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(props.failedInvocations),
        filters: [FilterCriteria.filter({ eventName: FilterRule.or('MODIFY', 'REMOVE') })],
      });
      // Lambda checks the role can read the stream when the mapping is created.
      mapping.node.addDependency(props.guard.role);
    }
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StrongroomFunction } from '../functions/strongroom-function';

/** How often each scheduled function runs. */
export const JOB_RATES: Readonly<Record<string, Duration>> = {
  'watch-deposits': Duration.minutes(1),
  'expire-approvals': Duration.minutes(5),
  // A change applies at most a minute after its time-lock ends.
  'apply-governance-changes': Duration.minutes(1),
  'write-audit-checkpoint': Duration.minutes(15),
  'reconcile-balances': Duration.hours(1),
};

export interface JobSchedulesProps {
  readonly functions: readonly StrongroomFunction[];
  /** Where an invocation the scheduler could not deliver goes. */
  readonly failedInvocations: IQueue;
}

/**
 * EventBridge Scheduler runs each scheduled function at its rate, through one role that may invoke
 * exactly those functions. A delivery the scheduler cannot make is retried for up to one period (after
 * that the next run is the retry) and then lands in the dead-letter queue; a function's own failures
 * land there too (its asynchronous invocation DLQ).
 */
export class JobSchedules extends Construct {
  readonly role: Role;
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: JobSchedulesProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      description: 'strongroom schedules: invoke the scheduled functions',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    this.schedules = props.functions.map((fn) => {
      const rate = JOB_RATES[fn.manifest.name];
      if (rate === undefined) throw new Error(`scheduled function ${fn.manifest.name} has no rate in JOB_RATES`);
      return new Schedule(this, fn.node.id, {
        description: `strongroom ${fn.manifest.name}, every ${rate.toHumanString()}`,
        schedule: ScheduleExpression.rate(rate),
        target: new UnqualifiedLambdaInvoke(fn.function, {
          role: this.role,
          deadLetterQueue: props.failedInvocations,
          retryAttempts: 3,
          maxEventAge: Duration.seconds(Math.max(60, rate.toSeconds())),
        }),
      });
    });
  }
}

/**
 * LambdaInvoke, granting lambda:InvokeFunction on the function's ARN only: the schedule invokes the
 * unqualified function, and the stock grant adds `<arn>:*` (every version and alias) beside it.
 */
class UnqualifiedLambdaInvoke extends LambdaInvoke {
  constructor(
    private readonly target: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(target, props);
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }),
    );
  }
}

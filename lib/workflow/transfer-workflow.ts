import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StrongroomFunction } from '../functions/strongroom-function';
import type { SigningQueue } from '../messaging/signing-queue';

/** The one workflow definition, run by Step Functions here and by the local ASL runner on one machine. */
export const TRANSFER_ASL_PATH = resolve(__dirname, '../../statemachines/transaction.asl.json');

/**
 * The transfer state machine's name and ARN, known before the state machine exists: the functions that
 * start it or call it back need its ARN, and it needs theirs; a fixed name and an ARN built from it
 * (not the state machine's attribute) break that cycle.
 */
export function transferStateMachineRef(stack: Stack): { readonly name: string; readonly arn: string } {
  const name = `${stack.stackName}-transfer`;
  const arn = stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return { name, arn };
}

export interface TransferWorkflowProps {
  /** The workflow functions: each one's manifest names the ASL placeholder its ARN replaces. */
  readonly functions: readonly StrongroomFunction[];
  readonly logsKey: IKey;
  /** Where the Sign state of enclave wallets puts its jobs (`${SigningQueueUrl}`); the role may send to it only. */
  readonly signingQueue: SigningQueue;
}

/**
 * The transfer workflow: Step Functions Standard from statemachines/transaction.asl.json, every
 * `${…FunctionArn}` placeholder substituted with its function's ARN and `${SigningQueueUrl}` with the
 * signing queue's. Its role may invoke those functions and send jobs to that queue, nothing else; its execution history logs every event without execution data (inputs and outputs
 * can hold task tokens and addresses), and it is traced with X-Ray.
 */
export class TransferWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: TransferWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const substitutions: Record<string, string> = {};
    for (const fn of props.functions) {
      const placeholder = fn.manifest.aslPlaceholder;
      if (placeholder === undefined) throw new Error(`function ${fn.manifest.name} has no ASL placeholder`);
      substitutions[placeholder] = fn.function.functionArn;
    }
    substitutions.SigningQueueUrl = props.signingQueue.queue.queueUrl;
    const logs = new LogGroup(this, 'ExecutionLogs', {
      // Step Functions' log delivery wants /aws/vendedlogs/ names (its resource policy stays small).
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-transfer`,
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: transferStateMachineRef(stack).name,
      stateMachineType: StateMachineType.STANDARD,
      // Inline (DefinitionString), not fromFile's S3 asset: the template then holds the definition that runs,
      // for reviewers and for the deployment rehearsal, which reads it from cdk.out.
      definitionBody: DefinitionBody.fromString(readFileSync(TRANSFER_ASL_PATH, 'utf8')),
      definitionSubstitutions: substitutions,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    props.signingQueue.grantSendJobs(this.stateMachine);
    // The ASL names each function by its unqualified ARN: exactly those, no version or alias wildcard.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: props.functions.map((fn) => fn.function.functionArn),
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:CreateLogDelivery, …, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, …) have no ' +
        'resource type: Step Functions documents them on "*".',
    });
  }
}

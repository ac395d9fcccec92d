import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { agentKeyExecutionName } from '../../lambdas/adapters/enclave/queued-agent-keys';
import { ENV } from '../../lambdas/composition/function-manifest';
import { AWS_NITRO_ATTESTATION_ROOT } from '../../lambdas/composition/runtime-config';
import type { EnclavePcrs } from '../enclave/enclave-context';
import type { StrongroomFunction } from '../functions/strongroom-function';
import type { SigningQueue } from '../messaging/signing-queue';

/** The provisioning definition: one key job (agent or mpc key) on the signing queue (statemachines/agent-key.asl.json). */
export const AGENT_KEY_ASL_PATH = resolve(__dirname, '../../statemachines/agent-key.asl.json');

/**
 * The provisioning state machine's name, ARN, and the ARN pattern of its executions, known before it
 * exists (as transferStateMachineRef): the enclave host stack calls its tasks back and needs its ARN.
 */
export function agentKeyStateMachineRef(stack: Stack): {
  readonly name: string;
  readonly arn: string;
  readonly executionsArn: string;
} {
  const name = `${stack.stackName}-agent-key`;
  const arnOf = (resource: string, resourceName: string): string =>
    stack.formatArn({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  // Executions are named agentKeyExecutionName(walletId): `agent-key-<walletId>`, whatever the key's scheme.
  return {
    name,
    arn: arnOf('stateMachine', name),
    executionsArn: arnOf('execution', `${name}:${agentKeyExecutionName('*')}`),
  };
}

export interface AgentKeyWorkflowProps {
  readonly logsKey: IKey;
  /** Where key jobs go (`${SigningQueueUrl}`): the signing queue, where the enclave host takes them. */
  readonly signingQueue: SigningQueue;
  /** The deployment's enclave image (from the enclave context): what a new key's attestation must show. */
  readonly pcrs: EnclavePcrs;
}

/**
 * Key provisioning, present only in a deployment with an enclave host: Step Functions Standard from
 * statemachines/agent-key.asl.json, which sends one key job to the signing queue (an `AgentKeyJob` for
 * an enclave wallet, an `MpcKeyJob` for an mpc wallet, as the input's `kind` says) and waits for the
 * host's callback with the new key (address, sealed key or the three shares, attestation; nothing
 * secret). Its role may send to that queue, nothing else; its execution history logs every event without
 * execution data, and it is traced with X-Ray, as the transfer workflow is.
 *
 * {@link bindProvisioning} gives a function (the wallets API) the way to it and nothing broader.
 */
export class AgentKeyWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  private readonly pcrs: EnclavePcrs;

  constructor(scope: Construct, id: string, props: AgentKeyWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.pcrs = props.pcrs;
    const logs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-agent-key`,
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: agentKeyStateMachineRef(stack).name,
      stateMachineType: StateMachineType.STANDARD,
      // Inline, as the transfer workflow's: the template holds the definition that runs (the rehearsal reads it).
      definitionBody: DefinitionBody.fromString(readFileSync(AGENT_KEY_ASL_PATH, 'utf8')),
      definitionSubstitutions: { SigningQueueUrl: props.signingQueue.queue.queueUrl },
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    props.signingQueue.grantSendJobs(this.stateMachine);
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:CreateLogDelivery, …, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, …) have no ' +
        'resource type: Step Functions documents them on "*".',
    });
  }

  /**
   * Lets `fn` create agent and mpc keys: the provisioning variables (this state machine, the PCRs, and the AWS
   * Nitro root as the only attestation root: a literal, so no template the CDK writes can name another),
   * StartExecution on this state machine and DescribeExecution on its executions only.
   */
  bindProvisioning(fn: StrongroomFunction): void {
    const stack = Stack.of(this);
    const ref = agentKeyStateMachineRef(stack);
    fn.function.addEnvironment(ENV.agentKeyStateMachineArn, ref.arn);
    fn.function.addEnvironment(ENV.enclavePcrs, JSON.stringify(this.pcrs));
    fn.function.addEnvironment(ENV.enclaveAttestationRoot, AWS_NITRO_ATTESTATION_ROOT);
    const policy = new Policy(fn.role, 'AgentKeyProvisioning', {
      roles: [fn.role],
      statements: [
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [ref.arn] }),
        new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [ref.executionsArn] }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${ref.name}:${agentKeyExecutionName('*')}]`,
      reason:
        'DescribeExecution reads the key job of the wallet being created; executions are named per wallet at run ' +
        'time, so only their prefix on this one state machine can be named.',
    });
  }
}

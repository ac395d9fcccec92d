import { CfnOutput, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ALL_FUNCTIONS, FUNCTIONS } from '../lambdas/composition/functions';
import { resourcesOf } from '../lambdas/composition/function-manifest';
import { API_STAGE_NAME, CustodyApi } from './api/custody-api';
import { CustodyFunctions } from './functions/custody-functions';
import type { DeploymentEnvironment } from './functions/function-environment';
import { LogsKey } from './keys/logs-key';
import { FailedInvocationsQueue } from './messaging/failed-invocations-queue';
import { OperationsObservability } from './observability/operations-observability';
import { DeploymentParameters } from './parameters/deployment-parameters';
import { JobSchedules } from './schedules/job-schedules';
import type { StatefulResources } from './strongroom-stateful-stack';
import { AppendOnlyStreams } from './streams/append-only-streams';
import { TransferWorkflow, transferStateMachineRef } from './workflow/transfer-workflow';
import { AgentKeyWorkflow } from './workflow/agent-key-workflow';
import type { EnclavePcrs } from './enclave/enclave-context';
import { CoSignerFunction } from './co-signer/co-signer-function';

export interface StrongroomStatelessStackProps extends StackProps {
  readonly stateful: StatefulResources;
  /**
   * The enclave image's PCRs, when the app has an enclave host (enclave context at synth): then enclave
   * wallets are created through the agent-key provisioning state machine. Without them, no such state
   * machine, and the wallets function answers 503 ENCLAVE.UNAVAILABLE for enclave wallets.
   */
  readonly enclavePcrs?: EnclavePcrs;
}

/**
 * Everything that can be replaced without losing anything: the functions (one per manifest), the API,
 * the transfer workflow, the schedules, the append-only guard's streams, the dashboard and the alarms.
 */
export class StrongroomStatelessStack extends Stack {
  readonly parameters: DeploymentParameters;
  readonly functions: CustodyFunctions;
  readonly api: CustodyApi;
  readonly workflow: TransferWorkflow;
  readonly agentKeyWorkflow: AgentKeyWorkflow | undefined;
  /** The co-signer (issue 16), in a deployment with an enclave host only: without one there are no mpc wallets. */
  readonly coSigner: CoSignerFunction | undefined;

  constructor(scope: Construct, id: string, props: StrongroomStatelessStackProps) {
    super(scope, id, props);
    const { stateful } = props;
    const parameters = new DeploymentParameters(this, 'Parameters');
    this.parameters = parameters;
    const stateMachine = transferStateMachineRef(this);
    const failedInvocations = new FailedInvocationsQueue(this, 'FailedInvocations').queue;
    const logsKey = new LogsKey(this, 'LogsKey', { breakGlassRoleArn: stateful.keys.breakGlassRoleArn }).key;

    const environment: DeploymentEnvironment = {
      STRONGROOM_DEPLOYMENT_ID: parameters.deploymentId,
      STRONGROOM_CHAINS: parameters.chains,
      STRONGROOM_KEY_BACKEND: 'kms',
      STRONGROOM_SEALER_KEY_ID: stateful.keys.sealerKey.keyArn,
      STRONGROOM_PAGE_TOKEN_SECRET_ARN: stateful.pageTokenSecret.secret.secretArn,
      STRONGROOM_APPROVAL_KEY_ID: stateful.keys.approvalKey.keyArn,
      STRONGROOM_APPROVAL_KEY_ADDRESS: parameters.approvalKeyAddress,
      STRONGROOM_AUDIT_KEY_ID: stateful.keys.auditKey.keyArn,
      STRONGROOM_DENY_LIST: parameters.denyList,
      STRONGROOM_TRAVEL_RULE_THRESHOLDS: parameters.travelRuleThresholds,
      STRONGROOM_PROOF_VALIDITY_SECONDS: parameters.proofValiditySeconds,
      STRONGROOM_CONFIRMATION_POLL_SECONDS: parameters.confirmationPollSeconds,
      STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS: parameters.governanceTimeLockSeconds,
      STRONGROOM_STATE_MACHINE_ARN: stateMachine.arn,
      STRONGROOM_APPROVERS_TOPIC_ARN: stateful.topics.approvers.topicArn,
      // The stage URL from the API's id alone: the API's methods depend on the functions, its id does not.
      STRONGROOM_PUBLIC_BASE_URL: Lazy.string({
        produce: () =>
          `https://${this.api.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${API_STAGE_NAME}`,
      }),
      STRONGROOM_JWT_ISSUER: parameters.jwtIssuer,
      STRONGROOM_JWT_AUDIENCE: parameters.jwtAudience,
      STRONGROOM_JWT_JWKS_URL: parameters.jwtJwksUrl,
    };
    this.functions = new CustodyFunctions(this, 'Functions', {
      manifests: ALL_FUNCTIONS,
      stateful,
      environment,
      stateMachineArn: stateMachine.arn,
      logsKey,
      failedInvocations,
    });
    this.api = new CustodyApi(this, 'Api', { functionNamed: (name) => this.functions.named(name), logsKey });
    this.workflow = new TransferWorkflow(this, 'Workflow', {
      functions: this.functions.ofKind('workflow'),
      logsKey,
      signingQueue: stateful.signingQueue,
    });
    if (props.enclavePcrs === undefined) {
      this.agentKeyWorkflow = undefined;
      this.coSigner = undefined;
    } else {
      this.agentKeyWorkflow = new AgentKeyWorkflow(this, 'AgentKeyWorkflow', {
        logsKey,
        signingQueue: stateful.signingQueue,
        pcrs: props.enclavePcrs,
      });
      for (const fn of this.functions.all)
        if (resourcesOf(fn.manifest).agentKeyProvisioning) this.agentKeyWorkflow.bindProvisioning(fn);
      this.coSigner = new CoSignerFunction(this, 'CoSigner', {
        stateful,
        deploymentId: parameters.deploymentId,
        approvalKeyAddress: parameters.approvalKeyAddress,
        pcrs: props.enclavePcrs,
        logsKey,
      });
      for (const fn of this.functions.all) if (resourcesOf(fn.manifest).coSigner) this.coSigner.bindCaller(fn);
    }
    new JobSchedules(this, 'Schedules', { functions: this.functions.ofKind('scheduled'), failedInvocations });
    new AppendOnlyStreams(this, 'AppendOnlyStreams', {
      tables: stateful.tables,
      guard: this.functions.named(FUNCTIONS.appendOnlyGuard.name),
      failedInvocations,
    });
    new OperationsObservability(this, 'Operations', {
      deploymentId: parameters.deploymentId,
      stateMachine: this.workflow.stateMachine,
      ...(this.agentKeyWorkflow === undefined ? {} : { agentKeyStateMachine: this.agentKeyWorkflow.stateMachine }),
      api: this.api.api,
      failedInvocations,
      alarmTopic: stateful.topics.alarms,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
  }
}

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CO_SIGNER_INVOKE_ACTIONS } from '../co-signer/co-signer-function';
import type { Construct } from 'constructs';
import { LogsKey } from '../keys/logs-key';
import type { StatefulResources } from '../strongroom-stateful-stack';
import type { EnclaveHostSettings } from './enclave-context';
import { EnclaveHosts } from './enclave-hosts';
import { EnclaveNetwork } from './enclave-network';
import { SealingKey } from './sealing-key';

export interface StrongroomEnclaveHostStackProps extends StackProps {
  readonly settings: EnclaveHostSettings;
  readonly stateful: StatefulResources;
  /** The transfer state machine's ARN, built from its fixed name (lib/workflow/transfer-workflow.ts). */
  readonly stateMachineArn: string;
  /** The agent key provisioning state machine's ARN (lib/workflow/agent-key-workflow.ts): its key jobs are called back too. */
  readonly agentKeyStateMachineArn: string;
  /** The co-signer function's ARN (lib/co-signer/co-signer-function.ts, in the stateless stack): the host invokes it. */
  readonly coSignerFunctionArn: string;
}

/**
 * The Nitro Enclave host (ARCHITECTURE.md §6): an isolated network with VPC endpoints, the hosts that
 * consume the signing queue, record each job in the job ledger (the stateful stack's `signingJobs`
 * table) and call the workflow back, and the sealing key, whose policy
 * releases data keys only to the enclave image whose PCRs the context gives. A stack of its own, made
 * only when the app is given that context: a deployment without enclave wallets has no EC2 at all.
 * (The watch on key administration, which covers this key too, is in the stateful stack.)
 */
export class StrongroomEnclaveHostStack extends Stack {
  readonly network: EnclaveNetwork;
  readonly hosts: EnclaveHosts;
  readonly sealingKey: SealingKey;

  constructor(scope: Construct, id: string, props: StrongroomEnclaveHostStackProps) {
    super(scope, id, props);
    const { stateful, settings } = props;
    const breakGlassRoleArn = stateful.keys.breakGlassRoleArn;
    const logsKey = new LogsKey(this, 'LogsKey', { breakGlassRoleArn }).key;
    this.network = new EnclaveNetwork(this, 'Network', { logsKey });
    this.hosts = new EnclaveHosts(this, 'Hosts', {
      settings,
      network: this.network,
      signingQueue: stateful.signingQueue,
      tables: stateful.tables,
      stateMachineArn: props.stateMachineArn,
      agentKeyStateMachineArn: props.agentKeyStateMachineArn,
      alarmTopic: stateful.topics.alarms,
      coSigner: { roleName: stateful.coSignerKey.enclaveHostRoleName, functionArn: props.coSignerFunctionArn },
    });
    this.sealingKey = new SealingKey(this, 'SealingKey', {
      pcrs: settings.pcrs,
      instanceRole: this.hosts.role,
      breakGlassRoleArn,
    });
    this.sealingKey.grantSealing(this.hosts.role);
    // Share 2 of a new mpc key: the enclave encrypts it under the co-signer's key with this role's credentials.
    stateful.coSignerKey.grantEncrypt(this.hosts.role);
    // An mpc job's share 2: the host asks the co-signer to release it to the enclave session.
    this.hosts.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...CO_SIGNER_INVOKE_ACTIONS], resources: [props.coSignerFunctionArn] }),
    );

    new CfnOutput(this, 'SigningQueueUrl', { value: stateful.signingQueue.queue.queueUrl });
    new CfnOutput(this, 'SealingKeyArn', { value: this.sealingKey.key.keyArn });
    new CfnOutput(this, 'AutoScalingGroupName', { value: this.hosts.group.autoScalingGroupName });
    new CfnOutput(this, 'InstanceRoleArn', { value: this.hosts.role.roleArn });
  }
}

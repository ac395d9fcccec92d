import { Annotations, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AutoScalingGroup,
  GroupMetric,
  GroupMetrics,
  HealthChecks,
  UpdatePolicy,
  type CfnAutoScalingGroup,
} from 'aws-cdk-lib/aws-autoscaling';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  MachineImage,
  OperatingSystemType,
  SubnetType,
  UserData,
} from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { SigningQueue } from '../messaging/signing-queue';
import type { CustodyTables } from '../storage/custody-tables';
import type { EnclaveHostSettings } from './enclave-context';
import type { EnclaveNetwork } from './enclave-network';

/** The task callbacks the host makes for a job, on the transfer and agent key state machines only. */
export const TASK_CALLBACK_ACTIONS = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
] as const;

/**
 * The systemd units the enclave host image carries (written in enclave-host/deploy/), started in this
 * order: the Nitro Enclaves allocator (memory and CPUs for the enclave, from the aws-nitro-enclaves-cli
 * package), the vsock-proxy that forwards the enclave's KMS connections to the KMS endpoint (its
 * allow-list names only that endpoint), the enclave itself (nitro-cli run-enclave of the image's EIF,
 * never in debug mode), the socat bridge from the host's socket to the enclave's vsock port, and the
 * host loop (SQS → the bridge → Step Functions callback).
 */
export const ENCLAVE_HOST_UNITS = [
  'nitro-enclaves-allocator.service',
  'strongroom-vsock-proxy.service',
  'strongroom-enclave.service',
  'strongroom-enclave-bridge.service',
  'strongroom-signing-host.service',
] as const;

/** Where the host loop reads its configuration (the strongroom-signing-host unit's EnvironmentFile). */
export const ENCLAVE_HOST_ENVIRONMENT_FILE = '/etc/strongroom/enclave-host.env';

export interface EnclaveHostsProps {
  readonly settings: EnclaveHostSettings;
  readonly network: EnclaveNetwork;
  readonly signingQueue: SigningQueue;
  /** The custody tables: the hosts append to the job ledger (`signingJobs`), shared with the workflow. */
  readonly tables: CustodyTables;
  /** The transfer state machine's ARN (lib/workflow/transfer-workflow.ts builds it from its fixed name). */
  readonly stateMachineArn: string;
  /** The agent key provisioning state machine's ARN (lib/workflow/agent-key-workflow.ts): key jobs' tasks. */
  readonly agentKeyStateMachineArn: string;
  /** The operators' topic: alarmed when no host is in service. */
  readonly alarmTopic: ITopic;
  /**
   * The co-signer (issue 16): the name the co-signer key's policy gives this role (it may Encrypt share 2
   * under that key, nothing else), and the function the host asks to release share 2 for an mpc job.
   */
  readonly coSigner: { readonly roleName: string; readonly functionArn: string };
}

/**
 * The EC2 parents of the enclave: an Auto Scaling group (one host, a second only while a rolling update
 * replaces the first) from a launch template with Nitro Enclaves enabled, IMDSv2 required, an
 * encrypted root volume, no key pair and no ingress; operators come in through Session Manager.
 *
 * The image comes from an SSM parameter ({@link EnclaveHostSettings.amiParameter}), which the image
 * build writes: an Amazon Linux 2023 AMI baked from enclave-host/deploy with nitro-cli, the EIF whose
 * PCRs this stack's sealing key requires, the host bundle and {@link ENCLAVE_HOST_UNITS}. Nothing is
 * installed at boot: the isolated subnets route to no package repository. The user data only writes
 * the host's configuration and starts the units.
 *
 * The metadata hop limit is 1: the host loop runs on the instance itself (systemd, no container), and
 * the enclave has no network at all (it gets the role's credentials from the host with each request),
 * so no second hop ever needs the instance metadata service.
 *
 * The role has AmazonSSMManagedInstanceCore (Session Manager) and, inline, exactly: the signing queue's
 * consumer actions, the task callbacks on the transfer and agent key state machines, the job ledger's append-only
 * actions (PutItem, GetItem, Query, ConditionCheckItem: what its conditional puts, consistent reads and
 * TransactWriteItems with ConditionCheck need) with UpdateItem, DeleteItem and the rest explicitly
 * denied, and (added by the stack) the sealing key's Decrypt and GenerateDataKey, which its key policy
 * allows only to the measured enclave, the co-signer key's Encrypt under a share 2 context (the key
 * policy names this role, by its fixed name, as the only encrypter) and lambda:InvokeFunction on the
 * co-signer function alone. DynamoDB is reached through the VPC's gateway endpoint, Lambda through its
 * interface endpoint.
 */
export class EnclaveHosts extends Construct {
  readonly role: Role;
  readonly launchTemplate: LaunchTemplate;
  readonly group: AutoScalingGroup;
  readonly noHostAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EnclaveHostsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new Role(this, 'InstanceRole', {
      // Named: the co-signer key's policy (in the stateful stack, deployed first) names it by ARN.
      roleName: props.coSigner.roleName,
      description:
        'strongroom enclave host: the signing queue, task callbacks, the job ledger (append-only) and the sealing key (attested)',
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      reason:
        'Session Manager is the only way onto the host (no key pair, no ingress): AWS maintains the set of ssm, ' +
        'ssmmessages and ec2messages actions its agent needs, which have no resource to narrow them to.',
    });
    props.signingQueue.grantConsumeJobs(this.role);
    props.tables.grantAppend(this.role, 'signingJobs');
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...TASK_CALLBACK_ACTIONS],
        resources: [props.stateMachineArn, props.agentKeyStateMachineArn],
      }),
    );

    const userData = UserData.forLinux();
    userData.addCommands(
      'set -euo pipefail',
      `# The image (AMI from SSM parameter ${props.settings.amiParameter}) was baked from enclave-host/deploy:`,
      '# nitro-cli, the enclave image (EIF) whose PCRs the sealing key requires, the host bundle and the units.',
      '# Nothing is installed here: these subnets route to no package repository.',
      'install -d -m 0755 /etc/strongroom',
      `cat > ${ENCLAVE_HOST_ENVIRONMENT_FILE} <<'STRONGROOM_ENV'`,
      `AWS_REGION=${stack.region}`,
      `STRONGROOM_SIGNING_QUEUE_URL=${props.signingQueue.queue.queueUrl}`,
      `STRONGROOM_STATE_MACHINE_ARN=${props.stateMachineArn}`,
      `STRONGROOM_SIGNING_JOBS_TABLE=${props.tables.tables.signingJobs.tableName}`,
      `STRONGROOM_CO_SIGNER_FUNCTION=${props.coSigner.functionArn}`,
      'STRONGROOM_ENV',
      `chmod 0644 ${ENCLAVE_HOST_ENVIRONMENT_FILE}`,
      `systemctl enable --now ${ENCLAVE_HOST_UNITS.join(' ')}`,
    );

    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: new InstanceType(props.settings.instanceType),
      machineImage: MachineImage.fromSsmParameter(props.settings.amiParameter, { os: OperatingSystemType.LINUX }),
      userData,
      role: this.role,
      securityGroup: props.network.hostSecurityGroup,
      nitroEnclaveEnabled: true,
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      httpEndpoint: true,
      instanceMetadataTags: false,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          // The account's EBS key (aws/ebs): EC2 and Auto Scaling use it without a grant in a key policy of ours.
          volume: BlockDeviceVolume.ebs(30, {
            encrypted: true,
            volumeType: EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    this.group = new AutoScalingGroup(this, 'Group', {
      vpc: props.network.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      launchTemplate: this.launchTemplate,
      minCapacity: 1,
      desiredCapacity: 1,
      maxCapacity: 2,
      healthChecks: HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
      // A new host is in service before the old one goes: the queue is never without a consumer for long.
      updatePolicy: UpdatePolicy.rollingUpdate({ minInstancesInService: 1, maxBatchSize: 1 }),
      groupMetrics: [new GroupMetrics(GroupMetric.IN_SERVICE_INSTANCES)],
    });
    Annotations.of(this.group).acknowledgeWarning(
      '@aws-cdk/aws-autoscaling:desiredCapacitySet',
      'One host is the size this group is meant to have and no scaling policy changes it: a deployment that sets it ' +
        'back to one is right.',
    );
    const group = this.group.node.defaultChild as CfnAutoScalingGroup;
    // The subnets' zones, named as well: AWS Control Tower's CT.AUTOSCALING.PR.1 reads AvailabilityZones.
    group.availabilityZones = props.network.vpc.isolatedSubnets.map((subnet) => subnet.availabilityZone);
    Validations.of(group).acknowledge(
      {
        id: 'AwsSolutions-AS3',
        reason:
          "The group's own SNS notifications cannot reach the operators' topic, which is KMS-encrypted under a key " +
          'the Auto Scaling service-linked role has no grant on; what matters of its scaling, no host in service, ' +
          "is alarmed on the operators' topic instead (GroupInServiceInstances < 1).",
      },
      {
        id: 'cdk-validator-cfnguard::autoscaling_mixed_instances_policy_multiple_instance_types_check',
        reason:
          'One host at a time (a second only during a rolling update), and the Nitro Enclaves allocator reserves a ' +
          'fixed share of its memory and vCPUs for the enclave (enclave-host/deploy): a second instance type would ' +
          'be a second allocator configuration to size and test, for no capacity the group needs.',
      },
    );

    this.noHostAlarm = new Alarm(this, 'NoHostInService', {
      alarmDescription: 'strongroom: no enclave host in service; enclave signing jobs wait on the signing queue',
      metric: new Metric({
        namespace: 'AWS/AutoScaling',
        metricName: 'GroupInServiceInstances',
        dimensionsMap: { AutoScalingGroupName: this.group.autoScalingGroupName },
        statistic: 'Minimum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      // A replacement takes a few minutes to boot and start the enclave.
      evaluationPeriods: 10,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.noHostAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}

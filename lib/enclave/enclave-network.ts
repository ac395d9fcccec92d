import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
  type InterfaceVpcEndpoint,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The AWS services the enclave host reaches, each through an interface endpoint: the signing queue,
 * KMS (the enclave's own calls, over vsock-proxy, TLS ending in the enclave), the task callbacks,
 * Lambda (the co-signer), logs, and Session Manager (ssm, ssmmessages, ec2messages). STS is not among them: the instance takes
 * its role's credentials from the instance metadata service, which needs no endpoint.
 */
const INTERFACE_ENDPOINTS = {
  Sqs: InterfaceVpcEndpointAwsService.SQS,
  Kms: InterfaceVpcEndpointAwsService.KMS,
  StepFunctions: InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
  // The co-signer (issue 16): the host invokes it to release share 2 for an mpc job.
  Lambda: InterfaceVpcEndpointAwsService.LAMBDA,
  Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Ssm: InterfaceVpcEndpointAwsService.SSM,
  SsmMessages: InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  Ec2Messages: InterfaceVpcEndpointAwsService.EC2_MESSAGES,
} as const;

/**
 * The enclave host's network: a VPC of isolated subnets in two AZs, with no internet gateway and no
 * NAT, so the host reaches AWS only through the VPC endpoints and nothing else at all; a DynamoDB
 * gateway endpoint; every flow logged to an encrypted log group.
 *
 * Two security groups: the hosts' has no ingress (Session Manager comes in over the host's own
 * outbound connection, never SSH) and sends HTTPS only; the endpoints' admits HTTPS from the hosts'
 * group alone. The hosts' egress names 0.0.0.0/0 on 443 rather than the endpoints' group because the
 * DynamoDB gateway is reached by its AWS-managed prefix list, whose id cannot be known offline; the
 * route tables send nothing outside the VPC but to that gateway, so the rule reaches no further.
 */
export class EnclaveNetwork extends Construct {
  readonly vpc: Vpc;
  readonly hostSecurityGroup: SecurityGroup;
  readonly endpointSecurityGroup: SecurityGroup;
  readonly interfaceEndpoints: Readonly<Record<keyof typeof INTERFACE_ENDPOINTS, InterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: { readonly logsKey: IKey }) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.ALL },
      },
    });

    // The custom resource that strips the default security group's rules (the restrictDefaultSecurityGroup
    // feature flag): a handler run by CloudFormation at deploy time, outside this VPC.
    const restrictDefaultSg = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg !== undefined)
      Validations.of(restrictDefaultSg).acknowledge({
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason:
          "CDK's deploy-time handler that revokes the VPC's default security group rules: CloudFormation invokes it " +
          'only while deploying, it calls only the EC2 API on that group, and inside these isolated subnets it would ' +
          'need an EC2 endpoint for nothing the hosts use.',
      });

    this.hostSecurityGroup = new SecurityGroup(this, 'HostSecurityGroup', {
      vpc: this.vpc,
      description: 'strongroom enclave hosts: no ingress; HTTPS out, which the subnets route only to the VPC endpoints',
      allowAllOutbound: false,
    });
    this.hostSecurityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'HTTPS to the interface endpoints and the DynamoDB gateway (the subnets route nowhere else)',
    );
    this.endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'strongroom enclave host VPC endpoints: HTTPS from the enclave hosts only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(this.hostSecurityGroup, Port.tcp(443), 'HTTPS from the enclave hosts');

    const endpoints: Partial<Record<keyof typeof INTERFACE_ENDPOINTS, InterfaceVpcEndpoint>> = {};
    for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS) as [
      keyof typeof INTERFACE_ENDPOINTS,
      InterfaceVpcEndpointAwsService,
    ][])
      endpoints[name] = this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        open: false,
        securityGroups: [this.endpointSecurityGroup],
        subnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      });
    this.interfaceEndpoints = endpoints as Record<keyof typeof INTERFACE_ENDPOINTS, InterfaceVpcEndpoint>;
    this.vpc.addGatewayEndpoint('DynamoDb', {
      service: GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [{ subnetType: SubnetType.PRIVATE_ISOLATED }],
    });
  }
}

import { rmSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CO_SIGNER_SHARE_CONTEXT_KEYS } from '../../lib/co-signer/co-signer-key';
import { ENCLAVE_CONTEXT } from '../../lib/enclave/enclave-context';
import { TASK_CALLBACK_ACTIONS } from '../../lib/enclave/enclave-hosts';
import { SEALING_KEY_ACTIONS_RESERVED_TO_BREAK_GLASS, pcrConditionKey } from '../../lib/enclave/sealing-key';
import { WATCHED_KEY_ADMINISTRATION_EVENTS } from '../../lib/keys/key-administration-watch';
import { SIGNING_JOB_CONSUMER_ACTIONS } from '../../lib/messaging/signing-queue';
import { APPEND_ONLY_ALLOWED_ACTIONS, APPEND_ONLY_DENIED_ACTIONS } from '../../lib/storage/custody-tables';
import { buildStrongroomApp } from '../../lib/strongroom-app';
import { agentKeyStateMachineRef } from '../../lib/workflow/agent-key-workflow';
import { transferStateMachineRef } from '../../lib/workflow/transfer-workflow';
import {
  CDK_JSON_CONTEXT,
  allIamStatements,
  canonical,
  grantLines,
  roleStatements,
  synthStrongroom,
  type IamStatement,
} from './support/synth-strongroom';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type KeyStatement = IamStatement & { Sid?: string; Principal: unknown };

/** Fake measurements, non-zero; PCR1 in capitals, which the context reader lowercases. */
const PCRS = { 0: 'a1'.repeat(48), 1: 'B2'.repeat(48), 2: 'c3'.repeat(48), 8: 'd4'.repeat(48) } as const;
const PCR_CONTEXT = {
  [ENCLAVE_CONTEXT.pcr0]: PCRS[0],
  [ENCLAVE_CONTEXT.pcr1]: PCRS[1],
  [ENCLAVE_CONTEXT.pcr2]: PCRS[2],
  [ENCLAVE_CONTEXT.pcr8]: PCRS[8],
};
const expectedPcr = (index: 0 | 1 | 2 | 8): string => PCRS[index].toLowerCase();

const built = synthStrongroom({ context: PCR_CONTEXT });
afterAll(() => rmSync(built.outdir, { recursive: true, force: true }));
const { stateful, stateless } = built;
const enclave = built.enclaveHost!;
const template = Template.fromStack(enclave);
const statefulTemplate = Template.fromStack(stateful);
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string): [string, Resource] => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
/** A token as the enclave host template spells it (references to the other stacks included). */
const inTemplate = (value: unknown): unknown => enclave.resolve(value);

const [launchTemplateId, launchTemplate] = only('AWS::EC2::LaunchTemplate');
const launchData = launchTemplate.Properties.LaunchTemplateData as Record<string, unknown>;
const securityGroupIdOf = (description: RegExp): string => {
  const found = ofType('AWS::EC2::SecurityGroup').filter(([, sg]) =>
    description.test(sg.Properties.GroupDescription as string),
  );
  expect(found).toHaveLength(1);
  return found[0]![0];
};
const hostSecurityGroup = securityGroupIdOf(/enclave hosts: no ingress/);
const endpointSecurityGroup = securityGroupIdOf(/^strongroom enclave host VPC endpoints/);
const groupIdOf = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

describe('StrongroomEnclaveHost', () => {
  it('synthesizes with no unacknowledged cdk-nag finding and no AWS Control Tower guard failure', () => {
    expect(() => built.app.synth()).not.toThrow();
  });

  it('is a third stack, deployed after the stateful and the stateless stacks', () => {
    expect(built.app.node.children.filter((c) => c instanceof Stack).map((s) => (s as Stack).stackName)).toEqual([
      'StrongroomStateful',
      'StrongroomStateless',
      'StrongroomEnclaveHost',
    ]);
    expect(enclave.dependencies.map((s) => s.stackName).sort()).toEqual(['StrongroomStateful', 'StrongroomStateless']);
  });
});

describe('network', () => {
  it('has no internet gateway, NAT or egress-only gateway, and no route to one', () => {
    for (const type of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::EIP',
    ])
      expect(ofType(type)).toEqual([]);
    for (const [, route] of ofType('AWS::EC2::Route')) {
      expect(route.Properties.GatewayId).toBeUndefined();
      expect(route.Properties.NatGatewayId).toBeUndefined();
      expect(route.Properties.EgressOnlyInternetGatewayId).toBeUndefined();
    }
  });

  it('has two isolated subnets in two zones, none giving public addresses', () => {
    const subnets = ofType('AWS::EC2::Subnet');
    expect(subnets).toHaveLength(2);
    expect(new Set(subnets.map(([, s]) => canonical(s.Properties.AvailabilityZone))).size).toBe(2);
    for (const [, subnet] of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it('reaches SQS, KMS, Step Functions, Lambda (the co-signer), Logs and Session Manager through interface endpoints, DynamoDB through a gateway', () => {
    const endpoints = ofType('AWS::EC2::VPCEndpoint').map(([, e]) => e.Properties);
    const serviceOf = (endpoint: Record<string, unknown>): string => {
      const parts = (endpoint.ServiceName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return String(parts[parts.length - 1]).replace(/^\./, '');
    };
    const interfaces = endpoints.filter((e) => e.VpcEndpointType === 'Interface');
    expect(interfaces.map(serviceOf).sort()).toEqual(
      ['sqs', 'kms', 'states', 'lambda', 'logs', 'ssm', 'ssmmessages', 'ec2messages'].sort(),
    );
    for (const endpoint of interfaces) {
      expect(endpoint.PrivateDnsEnabled).toBe(true);
      expect(endpoint.SecurityGroupIds).toEqual([groupIdOf(endpointSecurityGroup)]);
    }
    const gateways = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    expect(gateways.map(serviceOf)).toEqual(['dynamodb']);
  });

  it('admits HTTPS to the endpoints from the hosts alone, and nothing at all to the hosts', () => {
    const ingress = [
      ...ofType('AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule.Properties),
      ...ofType('AWS::EC2::SecurityGroup').flatMap(([id, sg]) =>
        ((sg.Properties.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []).map((rule) => ({
          ...rule,
          GroupId: groupIdOf(id),
        })),
      ),
    ];
    expect(ingress).toEqual([
      expect.objectContaining({
        GroupId: groupIdOf(endpointSecurityGroup),
        SourceSecurityGroupId: groupIdOf(hostSecurityGroup),
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      }),
    ]);
    const egress = resources[hostSecurityGroup]!.Properties.SecurityGroupEgress as Record<string, unknown>[];
    expect(egress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
  });

  it('logs every flow of the VPC to a log group encrypted with a key of the stack, kept a year', () => {
    const [, flowLog] = only('AWS::EC2::FlowLog');
    expect(flowLog.Properties).toMatchObject({ ResourceType: 'VPC', TrafficType: 'ALL' });
    const [, logGroup] = only('AWS::Logs::LogGroup');
    expect(logGroup.Properties).toMatchObject({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
    });
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });
});

describe('hosts', () => {
  it('launches Nitro Enclaves instances with IMDSv2 required at hop limit 1, an encrypted root volume, no key pair', () => {
    expect(launchData.EnclaveOptions).toEqual({ Enabled: true });
    expect(launchData.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(launchData.KeyName).toBeUndefined();
    expect(launchData.NetworkInterfaces).toBeUndefined();
    expect(launchData.SecurityGroupIds).toEqual([groupIdOf(hostSecurityGroup)]);
    expect(launchData.InstanceType).toBe('m6i.xlarge');
    const volumes = launchData.BlockDeviceMappings as { Ebs: { Encrypted: boolean } }[];
    expect(volumes.length).toBeGreaterThan(0);
    for (const volume of volumes) expect(volume.Ebs.Encrypted).toBe(true);
  });

  it('starts the host units from the image and tells the host its queue, job ledger table and state machine, no secret', () => {
    const userData = canonical(launchData.UserData);
    expect(userData).toContain('systemctl enable --now nitro-enclaves-allocator.service');
    expect(userData).toContain(canonical(inTemplate(stateful.signingQueue.queue.queueUrl)).slice(1, -1));
    expect(userData).toContain('STRONGROOM_SIGNING_JOBS_TABLE=');
    expect(userData).toContain(canonical(inTemplate(stateful.tables.tables.signingJobs.tableName)).slice(1, -1));
    expect(userData).not.toMatch(/dnf|yum|curl|wget/);
  });

  it('runs one host (two only while a rolling update replaces it) from the launch template, in the isolated subnets', () => {
    const [, group] = only('AWS::AutoScaling::AutoScalingGroup');
    expect(group.Properties).toMatchObject({
      MinSize: '1',
      DesiredCapacity: '1',
      MaxSize: '2',
      LaunchTemplate: { LaunchTemplateId: { Ref: launchTemplateId } },
    });
    expect((group.Properties.VPCZoneIdentifier as unknown[]).map(canonical).sort()).toEqual(
      ofType('AWS::EC2::Subnet')
        .map(([id]) => canonical({ Ref: id }))
        .sort(),
    );
  });

  it("alarms the operators' topic when no host is in service", () => {
    const [, alarm] = only('AWS::CloudWatch::Alarm');
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/AutoScaling',
      MetricName: 'GroupInServiceInstances',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
    });
    expect((alarm.Properties.AlarmActions as unknown[]).map(canonical)).toEqual([
      canonical(inTemplate(stateful.topics.alarms.topicArn)),
    ]);
  });
});

describe('instance role', () => {
  const [profileId, profile] = only('AWS::IAM::InstanceProfile');
  const roleId = (profile.Properties.Roles as { Ref: string }[])[0]!.Ref;
  const role = resources[roleId]!;
  const [sealingKeyId] = ofType('AWS::KMS::Key').find(([, key]) =>
    canonical(key.Properties.KeyPolicy).includes('RecipientAttestation'),
  )!;

  it('is the launch template’s, for EC2, with AmazonSSMManagedInstanceCore its only managed policy and no inline one', () => {
    expect(canonical(launchData.IamInstanceProfile)).toBe(canonical({ Arn: { 'Fn::GetAtt': [profileId, 'Arn'] } }));
    expect(canonical(role.Properties.AssumeRolePolicyDocument)).toContain('"Service":"ec2.amazonaws.com"');
    expect((role.Properties.ManagedPolicyArns as unknown[]).map(canonical)).toEqual([
      canonical({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']],
      }),
    ]);
    expect(role.Properties.Policies).toBeUndefined();
  });

  it('may consume the signing queue, call back the transfer and agent key workflows, append to the job ledger, seal, encrypt to the co-signer and invoke it, and nothing else', () => {
    const signingJobsArn = inTemplate(stateful.tables.tables.signingJobs.tableArn);
    const expected: IamStatement[] = [
      {
        Effect: 'Allow',
        Action: [...SIGNING_JOB_CONSUMER_ACTIONS],
        Resource: inTemplate(stateful.signingQueue.queue.queueArn),
      },
      {
        Effect: 'Allow',
        Action: [...TASK_CALLBACK_ACTIONS],
        Resource: [
          inTemplate(transferStateMachineRef(stateless).arn),
          inTemplate(agentKeyStateMachineRef(stateless).arn),
        ],
      },
      {
        Effect: 'Allow',
        Action: [...APPEND_ONLY_ALLOWED_ACTIONS],
        Resource: signingJobsArn,
      },
      {
        Effect: 'Deny',
        Action: [...APPEND_ONLY_DENIED_ACTIONS],
        Resource: signingJobsArn,
      },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [sealingKeyId, 'Arn'] },
      },
      // Issue 16: the enclave encrypts share 2 of a new mpc key to the co-signer's key (never Decrypt),
      // and the host asks the co-signer function to release share 2 for a job.
      {
        Effect: 'Allow',
        Action: ['kms:Encrypt'],
        Resource: inTemplate(stateful.coSignerKey.key.keyArn),
        Condition: {
          StringEquals: { 'kms:EncryptionContext:share': '2' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...CO_SIGNER_SHARE_CONTEXT_KEYS] },
        },
      },
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: inTemplate(stateless.coSigner!.function.functionArn),
      },
    ];
    expect(grantLines(roleStatements(template, roleId)).sort()).toEqual(grantLines(expected).sort());
    // The ledger's claim and void are TransactWriteItems of a ConditionCheck and a conditional Put: these
    // four item actions are all they need, and nothing may update or delete what a host or the workflow wrote.
    expect([...APPEND_ONLY_ALLOWED_ACTIONS].sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(APPEND_ONLY_DENIED_ACTIONS).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect([...TASK_CALLBACK_ACTIONS].sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ]);
  });

  it('names the transfer and agent key state machines by their fixed names', () => {
    expect(canonical(inTemplate(transferStateMachineRef(stateless).arn))).toContain(
      ':stateMachine:StrongroomStateless-transfer',
    );
    expect(canonical(inTemplate(agentKeyStateMachineRef(stateless).arn))).toContain(
      ':stateMachine:StrongroomStateless-agent-key',
    );
  });

  it('has no statement on kms, sqs or states actions with Resource "*" anywhere in the stack', () => {
    for (const statement of allIamStatements(template)) {
      const resources = ([] as unknown[]).concat(statement.Resource);
      const actions = ([] as string[]).concat(statement.Action);
      expect(resources.includes('*') && actions.some((a) => /^(kms|sqs|states):/.test(a))).toBe(false);
    }
  });
});

describe('sealing key', () => {
  const [, key] = ofType('AWS::KMS::Key').find(([, k]) =>
    canonical(k.Properties.KeyPolicy).includes('RecipientAttestation'),
  )!;
  const statements = (key.Properties.KeyPolicy as { Statement: KeyStatement[] }).Statement;
  const actionsOf = (s: KeyStatement) => ([] as string[]).concat(s.Action);
  const roleArn = canonical({
    'Fn::GetAtt': [(only('AWS::IAM::InstanceProfile')[1].Properties.Roles as { Ref: string }[])[0]!.Ref, 'Arn'],
  });
  const breakGlassArn = canonical(inTemplate(stateful.keys.breakGlassRoleArn));
  const pcrIndexes = [0, 1, 2, 8] as const;

  it('is symmetric, rotated, retained, aliased, and its policy is ours alone (lockout check bypassed, see SealingKey)', () => {
    expect(key.Properties.KeySpec).toBeUndefined();
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.Properties.BypassPolicyLockoutSafetyCheck).toBe(true);
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/StrongroomEnclaveHost/sealing' });
  });

  it.each(pcrIndexes.map((i) => [i] as const))(
    'denies Decrypt and GenerateDataKey* to every principal unless PCR%s equals the image’s (StringNotEqualsIgnoreCase)',
    (index) => {
      const denies = statements.filter(
        (s) => s.Effect === 'Deny' && canonical(s.Condition ?? {}).includes(`"${pcrConditionKey(index)}"`),
      );
      expect(denies).toHaveLength(1);
      expect(denies[0]!.Principal).toEqual({ AWS: '*' });
      expect(actionsOf(denies[0]!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(denies[0]!.Condition).toEqual({
        StringNotEqualsIgnoreCase: { [pcrConditionKey(index)]: expectedPcr(index) },
      });
    },
  );

  it('allows Decrypt and GenerateDataKey to the instance role only with every PCR equal (StringEqualsIgnoreCase)', () => {
    const allows = statements.filter(
      (s) => s.Effect === 'Allow' && canonical(s.Principal) === canonical({ AWS: JSON.parse(roleArn) }),
    );
    expect(allows).toHaveLength(1);
    expect(actionsOf(allows[0]!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(allows[0]!.Condition).toEqual({
      StringEqualsIgnoreCase: Object.fromEntries(pcrIndexes.map((i) => [pcrConditionKey(i), expectedPcr(i)])),
    });
  });

  it('allows no one, the account root included, to use the key but the instance role under the PCR condition', () => {
    const use = /^kms:(\*|Decrypt|Encrypt|ReEncrypt|GenerateDataKey)/;
    const allowingUse = statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => use.test(a)));
    expect(allowingUse).toHaveLength(1);
    expect(canonical(allowingUse[0]!.Principal)).toBe(canonical({ AWS: JSON.parse(roleArn) }));
    expect(canonical(allowingUse[0]!.Condition)).toContain('StringEqualsIgnoreCase');
    expect(statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes('kms:*'))).toEqual([]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:ReEncrypt*'] }),
    );
    expect(
      statements.find((s) => s.Effect === 'Deny' && actionsOf(s).includes('kms:Encrypt'))!.Condition,
    ).toBeUndefined();
  });

  it('lets only the break-glass role put a key policy, grant, disable or schedule deletion', () => {
    const reserved = /^kms:(\*|Put\*|PutKeyPolicy|Create\*|CreateGrant|ScheduleKeyDeletion|Disable\*|DisableKey)$/;
    const allowing = statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => reserved.test(a)));
    expect(allowing).toHaveLength(1);
    expect(canonical(allowing[0]!.Principal)).toBe(canonical({ AWS: JSON.parse(breakGlassArn) }));
    const deny = statements.filter(
      (s) => s.Effect === 'Deny' && SEALING_KEY_ACTIONS_RESERVED_TO_BREAK_GLASS.every((a) => actionsOf(s).includes(a)),
    );
    expect(deny).toHaveLength(1);
    expect(deny[0]!.Principal).toEqual({ AWS: '*' });
    expect(deny[0]!.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalArn': JSON.parse(breakGlassArn) } });
    expect(actionsOf(deny[0]!).sort()).toEqual([...SEALING_KEY_ACTIONS_RESERVED_TO_BREAK_GLASS].sort());
  });
});

describe('key administration watch (stateful stack: it covers every key of the account)', () => {
  const statefulResources = statefulTemplate.toJSON().Resources as Record<string, Resource>;
  const rules = Object.entries(statefulResources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
  const alarmsTopic = canonical(stateful.resolve(stateful.topics.alarms.topicArn));

  it("sends CloudTrail's PutKeyPolicy, CreateGrant, ScheduleKeyDeletion and DisableKey of any KMS key to the operators' topic", () => {
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['kms.amazonaws.com'], eventName: [...WATCHED_KEY_ADMINISTRATION_EVENTS] },
    });
    expect([...WATCHED_KEY_ADMINISTRATION_EVENTS].sort()).toEqual(
      ['CreateGrant', 'DisableKey', 'PutKeyPolicy', 'ScheduleKeyDeletion'].sort(),
    );
    const targets = rule.Properties.Targets as { Arn: unknown }[];
    expect(targets.map((t) => canonical(t.Arn))).toEqual([alarmsTopic]);
  });

  it("alarms the operators' topic on the rule's first matched event", () => {
    const [ruleId] = rules[0]!;
    const alarms = Object.values(statefulResources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === 'AWS/Events',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      MetricName: 'MatchedEvents',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect((alarms[0]!.Properties.AlarmActions as unknown[]).map(canonical)).toEqual([alarmsTopic]);
  });
});

describe('enclave context', () => {
  // Constructs only, no synth (and no bundling, which assets would otherwise do as they are constructed).
  const build = (context: Record<string, unknown>) => () =>
    buildStrongroomApp({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const pcrs = (overrides: Record<string, unknown>) => ({ ...PCR_CONTEXT, ...overrides });

  it('without it, the app has the two stacks it always had', () => {
    const { app, enclaveHost } = build({})();
    expect(enclaveHost).toBeUndefined();
    expect(app.node.children.filter((c) => c instanceof Stack).map((s) => (s as Stack).stackName)).toEqual([
      'StrongroomStateful',
      'StrongroomStateless',
    ]);
  });

  it.each([
    ['strongroom:enclave=true and no PCR', { [ENCLAVE_CONTEXT.enabled]: 'true' }, ENCLAVE_CONTEXT.pcr0, /missing/],
    ['PCR1 missing', pcrs({ [ENCLAVE_CONTEXT.pcr1]: undefined }), ENCLAVE_CONTEXT.pcr1, /missing/],
    ['only PCR8 given', { [ENCLAVE_CONTEXT.pcr8]: PCRS[8] }, ENCLAVE_CONTEXT.pcr0, /missing/],
    [
      'PCR2 all zeros (debug mode)',
      pcrs({ [ENCLAVE_CONTEXT.pcr2]: '0'.repeat(96) }),
      ENCLAVE_CONTEXT.pcr2,
      /all zeros/,
    ],
    ['PCR0 too short', pcrs({ [ENCLAVE_CONTEXT.pcr0]: 'a'.repeat(95) }), ENCLAVE_CONTEXT.pcr0, /96 hex/],
    ['PCR0 with 0x', pcrs({ [ENCLAVE_CONTEXT.pcr0]: `0x${'a'.repeat(94)}` }), ENCLAVE_CONTEXT.pcr0, /96 hex/],
    ['PCR1 not hex', pcrs({ [ENCLAVE_CONTEXT.pcr1]: 'g'.repeat(96) }), ENCLAVE_CONTEXT.pcr1, /96 hex/],
    ['PCR8 malformed', pcrs({ [ENCLAVE_CONTEXT.pcr8]: 'not-a-pcr' }), ENCLAVE_CONTEXT.pcr8, /96 hex/],
  ])('fails the synth, naming the key, with %s', (_case, context, key, reason) => {
    const attempt = build(context as Record<string, unknown>);
    expect(attempt).toThrow(key);
    expect(attempt).toThrow(reason);
  });

  it('accepts strongroom:enclave=true with valid PCRs, and PCR8 left out', () => {
    const { enclaveHost } = build({
      [ENCLAVE_CONTEXT.enabled]: true,
      ...pcrs({ [ENCLAVE_CONTEXT.pcr8]: undefined }),
    })();
    expect(enclaveHost?.stackName).toBe('StrongroomEnclaveHost');
  });
});

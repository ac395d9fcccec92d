import { readFileSync, rmSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { TABLE_NAMES, TABLE_SCHEMAS } from '../../lambdas/adapters/dynamodb/table-schema';
import { APPEND_ONLY_DENIED_ACTIONS } from '../../lib/storage/custody-tables';
import { KEY_ACTIONS_RESERVED_TO_BREAK_GLASS } from '../../lib/keys/deployment-keys';
import { SIGNING_JOB_RETENTION } from '../../lib/messaging/signing-queue';
import { CDK_JSON_CONTEXT, canonical, synthStrongroom } from './support/synth-strongroom';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function synth() {
  const built = synthStrongroom();
  outdirs.push(built.outdir);
  const { app, stateful } = built;
  const role = new Role(stateful, 'AppenderForTest', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  stateful.tables.grantAppend(role, 'events');
  stateful.tables.grantAppend(role, 'transfers');
  return { app, stateful, template: Template.fromStack(stateful), stateless: Template.fromStack(built.stateless) };
}

describe('StrongroomStateful', () => {
  const { app, stateful, template, stateless } = synth();

  it('synthesizes with no unacknowledged cdk-nag finding and no AWS Control Tower guard failure', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs the Control Tower guard rules at synth: a resource that breaks them fails the synth, naming the rule', () => {
    const other = synthStrongroom();
    outdirs.push(other.outdir);
    // A bucket without versioning, lifecycle or public access block: the Control Tower rules refuse it.
    new Bucket(other.stateful, 'WithoutLifecycle', { enforceSSL: true, encryption: BucketEncryption.S3_MANAGED });
    let failure = '';
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      other.app.synth();
    } catch (error) {
      failure = String(error);
    } finally {
      log.mockRestore();
    }
    expect(failure).toMatch(/\[CT\.S3\.PR\.1\]: .*\(cdk-validator-cfnguard\)/);
    // The real stack has no such resource: the synth above it passes both rule sets.
  });

  it('has one table per schema entry, with the schema’s keys and indexes', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLE_NAMES.length);
    for (const name of TABLE_NAMES) {
      const schema = TABLE_SCHEMAS[name];
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: schema.partitionKey, KeyType: 'HASH' },
          ...(schema.sortKey ? [{ AttributeName: schema.sortKey, KeyType: 'RANGE' }] : []),
        ],
        ...(schema.globalIndexes.length > 0 && {
          GlobalSecondaryIndexes: schema.globalIndexes.map((i) => Match.objectLike({ IndexName: i.name })),
        }),
        ...(schema.localIndexes.length > 0 && {
          LocalSecondaryIndexes: schema.localIndexes.map((i) => Match.objectLike({ IndexName: i.name })),
        }),
        ...(schema.timeToLiveAttribute && {
          TimeToLiveSpecification: { AttributeName: schema.timeToLiveAttribute, Enabled: true },
        }),
      });
    }
  });

  it('protects every table: retained, deletion protection, point-in-time recovery', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('streams changes of the append-only tables, so a MODIFY or REMOVE can raise an alarm', () => {
    const appendOnly = TABLE_NAMES.filter((n) => TABLE_SCHEMAS[n].appendOnly).length;
    expect(
      Object.keys(
        template.findResources('AWS::DynamoDB::Table', {
          Properties: { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } },
        }),
      ),
    ).toHaveLength(appendOnly);
  });

  it('grants appenders puts and reads, and explicitly denies updates and deletes on append-only tables only', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Effect: string; Action: string[] | string }[],
    );
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies).toHaveLength(1);
    expect([...denies[0]!.Action].sort()).toEqual([...APPEND_ONLY_DENIED_ACTIONS].sort());
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
    expect(allowed).not.toContain('dynamodb:UpdateItem');
    expect(allowed).not.toContain('dynamodb:DeleteItem');
  });

  type Statement = {
    Sid?: string;
    Effect: string;
    Principal?: unknown;
    Action: string | string[];
    Condition?: unknown;
  };
  const keyPolicies = (t: Template) =>
    Object.entries(t.findResources('AWS::KMS::Key')).map(([id, key]) => ({
      id,
      key,
      statements: key.Properties.KeyPolicy.Statement as Statement[],
    }));
  const breakGlassArn = canonical(stateful.resolve(stateful.keys.breakGlassRoleArn));

  it('has the approval and audit keys: secp256k1 signing keys tagged with their purpose, retained', () => {
    for (const purpose of ['approval', 'audit']) {
      const keys = template.findResources('AWS::KMS::Key', {
        Properties: { Tags: Match.arrayWith([{ Key: 'strongroom:purpose', Value: purpose }]) },
      });
      expect(Object.values(keys)).toHaveLength(1);
      const key = Object.values(keys)[0]!;
      expect(key.Properties).toMatchObject({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' });
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  it('rotates every symmetric key and retains every key, in both stacks', () => {
    for (const t of [template, stateless])
      for (const { key } of keyPolicies(t)) {
        expect(key.DeletionPolicy).toBe('Retain');
        if (key.Properties.KeySpec === undefined) expect(key.Properties.EnableKeyRotation).toBe(true);
      }
    expect(keyPolicies(template)).toHaveLength(5); // approval, audit, task tokens, logs, co-signer
    expect(keyPolicies(stateless)).toHaveLength(1);
  });

  it('denies disabling or deleting any key to everyone but the break-glass role, explicitly (no Allow undoes a Deny)', () => {
    for (const t of [template, stateless])
      for (const { statements } of keyPolicies(t)) {
        const deny = statements.filter(
          (s) =>
            s.Effect === 'Deny' &&
            KEY_ACTIONS_RESERVED_TO_BREAK_GLASS.every((a) => ([] as string[]).concat(s.Action).includes(a)),
        );
        expect(deny).toHaveLength(1);
        expect(deny[0]!.Principal).toEqual({ AWS: '*' });
        expect(canonical(deny[0]!.Condition)).toBe(
          canonical({ StringNotEquals: { 'aws:PrincipalArn': JSON.parse(breakGlassArn) } }),
        );
        // Functions never retag a key: its purpose tag is what kms:Sign is granted on.
        expect(statements).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Action: ['kms:TagResource', 'kms:UntagResource'],
            Condition: { StringEquals: { 'aws:PrincipalTag/strongroom:component': 'function' } },
          }),
        );
      }
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `${stateful.stackName}-break-glass`,
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })],
      },
    });
  });

  it('encrypts both topics with the topics key, refuses them plain HTTP, and retains them', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(2);
    for (const [id, topic] of Object.entries(topics)) {
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
      expect(topic.DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('has the signing queue: SSE-SQS, TLS only, 60 s visibility, jobs kept an hour, five receipts then its dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(2);
    const jobsId = template.getResourceId('AWS::SQS::Queue', { Properties: { VisibilityTimeout: 60 } });
    const dlqId = Object.keys(queues).find((id) => id !== jobsId)!;
    expect(queues[jobsId]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: SIGNING_JOB_RETENTION.toSeconds(),
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(queues[dlqId]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(alarms.map((alarm) => alarm.Properties.Dimensions)).toEqual([
      [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    ]);
    expect(alarms[0]!.Properties.AlarmActions).toEqual([stateful.resolve(stateful.topics.alarms.topicArn)]);
  });

  it('generates the page-token secret: at least 64 characters, no punctuation, retained', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.Properties.GenerateSecretString).toMatchObject({ ExcludePunctuation: true });
    expect(secrets[0]!.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(64);
    expect(secrets[0]!.DeletionPolicy).toBe('Retain');
  });
});

describe('cdk.json', () => {
  it('sets every feature flag aws-cdk-lib recommends, at its recommended value (an upgrade that adds one fails here)', () => {
    const recommended = JSON.parse(
      readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;
    const missing = Object.entries(recommended)
      .filter(([flag, value]) => JSON.stringify(CDK_JSON_CONTEXT[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);
    expect(missing).toEqual([]);
  });
});

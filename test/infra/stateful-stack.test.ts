import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { TABLE_NAMES, TABLE_SCHEMAS } from '../../lambdas/adapters/dynamodb/table-schema';
import { APPEND_ONLY_DENIED_ACTIONS } from '../../lib/storage/custody-tables';
import { buildStrongroomApp } from '../../lib/strongroom-app';

const outdir = mkdtempSync(join(tmpdir(), 'strongroom-cdk-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The context `cdk synth` runs with: cdk.json's, feature flags included, so the tests see that template. */
const cdkJson = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

function synth() {
  const { app, stateful } = buildStrongroomApp({ outdir, context: cdkJson.context });
  const role = new Role(stateful, 'AppenderForTest', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  stateful.tables.grantAppend(role, 'events');
  stateful.tables.grantAppend(role, 'transfers');
  return { app, template: Template.fromStack(stateful) };
}

describe('StrongroomStateful', () => {
  const { app, template } = synth();

  it('synthesizes with no unacknowledged cdk-nag finding and no AWS Control Tower guard failure', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs the Control Tower guard rules at synth: a resource that breaks them fails the synth, naming the rule', () => {
    const other = buildStrongroomApp({
      outdir: mkdtempSync(join(tmpdir(), 'strongroom-guard-')),
      context: cdkJson.context,
    });
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
});

describe('cdk.json', () => {
  it('sets every feature flag aws-cdk-lib recommends, at its recommended value (an upgrade that adds one fails here)', () => {
    const recommended = JSON.parse(
      readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;
    const missing = Object.entries(recommended)
      .filter(([flag, value]) => JSON.stringify(cdkJson.context[flag]) !== JSON.stringify(value))
      .map(([flag]) => flag);
    expect(missing).toEqual([]);
  });
});

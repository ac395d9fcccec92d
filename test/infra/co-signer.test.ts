import { rmSync } from 'node:fs';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CO_SIGNER_ENV } from '../../lambdas/co-signer/co-signer-composition';
import { ENV, resourcesOf } from '../../lambdas/composition/function-manifest';
import { ALL_FUNCTIONS, FUNCTIONS } from '../../lambdas/composition/functions';
import { AWS_NITRO_ATTESTATION_ROOT } from '../../lambdas/composition/runtime-config';
import { CO_SIGNER_SHARE_CONTEXT_KEYS } from '../../lib/co-signer/co-signer-key';
import { ENCLAVE_CONTEXT } from '../../lib/enclave/enclave-context';
import { HOUSEKEEPING_VARIABLES } from '../../lib/functions/function-environment';
import { APPEND_ONLY_ALLOWED_ACTIONS, APPEND_ONLY_DENIED_ACTIONS } from '../../lib/storage/custody-tables';
import {
  allIamStatements,
  canonical,
  grantLines,
  roleStatements,
  synthStrongroom,
  type IamStatement,
} from './support/synth-strongroom';

type Resource = { Type: string; Properties: Record<string, unknown> };
type KeyStatement = IamStatement & { Sid?: string; Principal: unknown };

const PCRS = { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48) } as const;
const built = synthStrongroom({
  context: { [ENCLAVE_CONTEXT.pcr0]: PCRS[0], [ENCLAVE_CONTEXT.pcr1]: PCRS[1], [ENCLAVE_CONTEXT.pcr2]: PCRS[2] },
});
afterAll(() => rmSync(built.outdir, { recursive: true, force: true }));
const { stateful, stateless } = built;
const enclave = built.enclaveHost!;
const coSigner = stateless.coSigner!;
const templates = {
  stateful: Template.fromStack(stateful),
  stateless: Template.fromStack(stateless),
  enclave: Template.fromStack(enclave),
};
const resourcesIn = (t: Template) => t.toJSON().Resources as Record<string, Resource>;
/** A token as `stack`'s template spells it (references to other stacks included). */
const spelled = (stack: Stack, value: unknown): string => canonical(stack.resolve(value));
const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

const keyId = logicalId(stateful, stateful.coSignerKey.key);
const keyPolicy = (resourcesIn(templates.stateful)[keyId]!.Properties.KeyPolicy as { Statement: KeyStatement[] })
  .Statement;
const roleArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/${name}`]],
});
const coSignerRoleArn = roleArn('StrongroomStateful-co-signer');
const hostRoleArn = roleArn('StrongroomStateful-enclave-host');
const actionsOf = (s: { Action: string | string[] }) => ([] as string[]).concat(s.Action);
const shareConditions = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...CO_SIGNER_SHARE_CONTEXT_KEYS] },
  StringEquals: { 'kms:EncryptionContext:share': '2' },
};

describe('the co-signer key (stateful stack)', () => {
  it('synthesizes with no unacknowledged cdk-nag finding and no AWS Control Tower guard failure', () => {
    expect(() => built.app.synth()).not.toThrow();
  });

  it('is symmetric, rotated and retained', () => {
    const key = resourcesIn(templates.stateful)[keyId] as Resource & { DeletionPolicy?: string };
    expect(key.Properties.KeySpec).toBeUndefined();
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('lets only the co-signer role Decrypt, under a share 2 context, and denies Decrypt to every other principal', () => {
    const allows = keyPolicy.filter(
      (s) => s.Effect === 'Allow' && actionsOf(s).some((a) => /^kms:(Decrypt|\*)$/.test(a)),
    );
    expect(allows).toHaveLength(1);
    expect(canonical(allows[0]!.Condition)).toBe(
      canonical({
        ...shareConditions,
        StringEquals: { ...shareConditions.StringEquals, 'aws:PrincipalArn': coSignerRoleArn },
      }),
    );
    expect(keyPolicy).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': coSignerRoleArn } },
      }),
    );
  });

  it('lets only the enclave host role Encrypt, and nobody ReEncrypt or make data keys', () => {
    const allows = keyPolicy.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes('kms:Encrypt'));
    expect(allows).toHaveLength(1);
    expect(canonical(allows[0]!.Condition)).toBe(
      canonical({
        ...shareConditions,
        StringEquals: { ...shareConditions.StringEquals, 'aws:PrincipalArn': hostRoleArn },
      }),
    );
    expect(keyPolicy).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'kms:Encrypt',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': hostRoleArn } },
      }),
    );
    expect(keyPolicy).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      }),
    );
  });

  it('leaves the account its administration only: no use of the key and no policy change but the break-glass role’s', () => {
    const account = keyPolicy.find((s) => s.Sid === 'AccountAdministersButNeverUsesTheKey')!;
    expect(
      actionsOf(account).filter((a) => /Decrypt|Encrypt|GenerateDataKey|PutKeyPolicy|CreateGrant|\*/.test(a)),
    ).toEqual([]);
    const reserved = keyPolicy.find((s) => s.Sid === 'OnlyBreakGlassChangesPolicyGrantsOrLife')!;
    expect(actionsOf(reserved)).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:CreateGrant']));
    expect(reserved.Effect).toBe('Deny');
  });
});

describe('the co-signer function (stateless stack)', () => {
  const resources = resourcesIn(templates.stateless);
  const fnId = logicalId(stateless, coSigner.function);
  const roleId = logicalId(stateless, coSigner.role);
  const tableArn = spelled(stateless, stateful.tables.tables.coSigner.tableArn);
  const keyArn = JSON.parse(spelled(stateless, stateful.coSignerKey.key.keyArn)) as unknown;

  it('has its own role, named as the key policy names it, which may append to its table, Decrypt under its key, log and trace', () => {
    expect(resources[roleId]!.Properties.RoleName).toBe('StrongroomStateful-co-signer');
    const table = JSON.parse(tableArn) as unknown;
    const logGroup = { 'Fn::GetAtt': [logicalId(stateless, coSigner.logGroup), 'Arn'] };
    const expected: IamStatement[] = [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup },
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      { Effect: 'Allow', Action: [...APPEND_ONLY_ALLOWED_ACTIONS], Resource: table },
      { Effect: 'Deny', Action: [...APPEND_ONLY_DENIED_ACTIONS], Resource: table },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: keyArn, Condition: shareConditions },
    ];
    expect(grantLines(roleStatements(templates.stateless, roleId)).sort()).toEqual(grantLines(expected).sort());
    expect(APPEND_ONLY_ALLOWED_ACTIONS).not.toContain('dynamodb:UpdateItem');
    expect(APPEND_ONLY_DENIED_ACTIONS).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
  });

  it('is the only role of any stack granted the co-signer table or Decrypt under its key', () => {
    for (const [name, template] of Object.entries(templates)) {
      const policies = Object.entries(resourcesIn(template)).filter(([, r]) => r.Type === 'AWS::IAM::Policy');
      for (const [, policy] of policies) {
        const roles = canonical(policy.Properties.Roles);
        const statements = (policy.Properties.PolicyDocument as { Statement: IamStatement[] }).Statement;
        const onTable = statements.some(
          (s) =>
            s.Effect === 'Allow' &&
            canonical(s.Resource).includes(
              canonical(
                template === templates.stateless
                  ? JSON.parse(tableArn)
                  : stateful.resolve(stateful.tables.tables.coSigner.tableArn),
              ).slice(1, -1),
            ),
        );
        const decrypts = statements.some(
          (s) =>
            s.Effect === 'Allow' &&
            actionsOf(s).some((a) => a === 'kms:Decrypt' || a === 'kms:*') &&
            canonical(s.Resource).includes('CoSignerKey'),
        );
        if (onTable || decrypts)
          expect({ name, roles }).toEqual({ name: 'stateless', roles: canonical([{ Ref: roleId }]) });
      }
    }
  });

  it('is configured from its own variables: deployment, approval key, PCRs, the AWS Nitro root, caps, table and key', () => {
    const environment = (resources[fnId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(environment).sort()).toEqual(
      [...Object.values(CO_SIGNER_ENV), ...HOUSEKEEPING_VARIABLES].sort(),
    );
    expect(environment[CO_SIGNER_ENV.attestationRoot]).toBe(AWS_NITRO_ATTESTATION_ROOT);
    expect(JSON.parse(environment[CO_SIGNER_ENV.enclavePcrs] as string)).toEqual(PCRS);
    expect(environment[CO_SIGNER_ENV.caps]).toEqual({ Ref: 'CoSignerCaps' });
    // Deny by default: no cap configured, no release.
    expect(templates.stateless.toJSON().Parameters.CoSignerCaps).toMatchObject({ Type: 'String', Default: '{}' });
    expect(canonical(environment[CO_SIGNER_ENV.keyArn])).toBe(canonical(keyArn));
    expect(canonical(environment[CO_SIGNER_ENV.table])).toBe(
      spelled(stateless, stateful.tables.tables.coSigner.tableName),
    );
  });

  it('may be invoked only by the functions whose manifest names coSigner, which alone are told its name', () => {
    const functionArn = { 'Fn::GetAtt': [fnId, 'Arn'] };
    const callers = ALL_FUNCTIONS.filter((m) => resourcesOf(m).coSigner).map((m) => m.name);
    // Those that record KEY_REVOKED: wallets, and whatever applies a governed change (the sweep, and a
    // decision applied at once when the time-lock is 0).
    expect(callers.sort()).toEqual(
      [
        FUNCTIONS.applyGovernanceChanges.name,
        FUNCTIONS.approvals.name,
        FUNCTIONS.governance.name,
        FUNCTIONS.wallets.name,
      ].sort(),
    );
    const invokers = Object.values(resourcesIn(templates.stateless))
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((policy) =>
        (policy.Properties.PolicyDocument as { Statement: IamStatement[] }).Statement.some(
          (s) => actionsOf(s).some((a) => a.startsWith('lambda:')) && canonical(s.Resource) === canonical(functionArn),
        ),
      )
      .map((policy) => canonical(policy.Properties.Roles));
    const expectedRoles = callers.map((name) =>
      canonical([{ Ref: logicalId(stateless, stateless.functions.named(name).role) }]),
    );
    expect(invokers.sort()).toEqual(expectedRoles.sort());
    for (const m of ALL_FUNCTIONS) {
      const fn = stateless.functions.named(m.name);
      const variables = (
        resources[logicalId(stateless, fn.function)]!.Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      if (callers.includes(m.name)) expect(variables[ENV.coSignerFunction]).toEqual({ Ref: fnId });
      else expect(variables[ENV.coSignerFunction]).toBeUndefined();
    }
  });
});

describe('the enclave host and the co-signer', () => {
  const resources = resourcesIn(templates.enclave);
  const roleId = logicalId(enclave, enclave.hosts.role);
  const lines = grantLines(roleStatements(templates.enclave, roleId));

  it('its role is named as the key policy names it, and may Encrypt under the co-signer key (share context) and never Decrypt', () => {
    expect(resources[roleId]!.Properties.RoleName).toBe('StrongroomStateful-enclave-host');
    const keyArn = spelled(enclave, stateful.coSignerKey.key.keyArn);
    expect(lines.filter((line) => line.includes(keyArn))).toEqual([
      `Allow kms:Encrypt on ${keyArn} if ${canonical(shareConditions)}`,
    ]);
  });

  it('may invoke the co-signer function, and no other', () => {
    const functionArn = spelled(enclave, coSigner.function.functionArn);
    expect(lines.filter((line) => line.includes('lambda:'))).toEqual([`Allow lambda:InvokeFunction on ${functionArn}`]);
    expect(canonical(resources[logicalId(enclave, enclave.hosts.launchTemplate)]!.Properties)).toContain(
      'STRONGROOM_CO_SIGNER_FUNCTION=',
    );
  });

  it('reaches Lambda through an interface endpoint of its isolated network', () => {
    const services = Object.values(resources)
      .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')
      .map((r) => canonical(r.Properties.ServiceName));
    expect(services.some((service) => service.includes('.lambda'))).toBe(true);
  });

  it('no statement in any stack grants lambda or kms actions on "*"', () => {
    for (const template of Object.values(templates))
      for (const statement of allIamStatements(template)) {
        const resourcesOfStatement = ([] as unknown[]).concat(statement.Resource);
        expect(resourcesOfStatement.includes('*') && actionsOf(statement).some((a) => /^lambda:/.test(a))).toBe(false);
      }
  });
});

describe('without an enclave host', () => {
  const plain = synthStrongroom();
  afterAll(() => rmSync(plain.outdir, { recursive: true, force: true }));

  it('keeps the co-signer key (its ARN goes into the image first) but has no co-signer function and names none', () => {
    expect(plain.stateless.coSigner).toBeUndefined();
    Template.fromStack(plain.stateful).hasResourceProperties('AWS::KMS::Key', { BypassPolicyLockoutSafetyCheck: true });
    const template = Template.fromStack(plain.stateless).toJSON() as { Resources: Record<string, unknown> };
    expect(JSON.stringify(template)).not.toContain(ENV.coSignerFunction);
    expect(Object.keys(template.Resources).filter((id) => id.startsWith('CoSigner'))).toEqual([]);
  });
});

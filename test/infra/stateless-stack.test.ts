import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { TABLE_NAMES, TABLE_SCHEMAS, type TableName } from '../../lambdas/adapters/dynamodb/table-schema';
import { resourcesOf, type FunctionManifest } from '../../lambdas/composition/function-manifest';
import { ALL_FUNCTIONS, FUNCTIONS } from '../../lambdas/composition/functions';
import { ERROR_CATALOGUE } from '../../lambdas/domain/errors';
import { API_ROUTES } from '../../lambdas/handlers/api/api-routes';
import { METRIC } from '../../lambdas/observability/metric-names';
import { HOUSEKEEPING_VARIABLES } from '../../lib/functions/function-environment';
import { FUNCTION_NAME_TAG } from '../../lib/functions/strongroom-function';
import { accountKeysArn } from '../../lib/keys/deployment-keys';
import { JOB_RATES } from '../../lib/schedules/job-schedules';
import { APPEND_ONLY_DENIED_ACTIONS } from '../../lib/storage/custody-tables';
import { TRANSFER_ASL_PATH } from '../../lib/workflow/transfer-workflow';
import {
  allIamStatements,
  canonical,
  grantLines,
  roleStatements,
  synthStrongroom,
  templatesOf,
  type IamStatement,
} from './support/synth-strongroom';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const built = synthStrongroom();
const { stateful, stateless } = built;
const template = templatesOf(built).stateless;
const statefulTemplate = templatesOf(built).stateful;
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** A token as the stateless template spells it (a reference to the stateful stack included). */
const inTemplate = (value: unknown): unknown => stateless.resolve(value);

/** The Lambda function resource of each manifest, found by the tag that names it. */
const functionOf = (manifest: FunctionManifest): { id: string; fn: Resource } => {
  const found = ofType('AWS::Lambda::Function').filter(([, fn]) =>
    (fn.Properties.Tags as { Key: string; Value: string }[] | undefined)?.some(
      (tag) => tag.Key === FUNCTION_NAME_TAG && tag.Value === manifest.name,
    ),
  );
  expect(found).toHaveLength(1);
  const [id, fn] = found[0]!;
  return { id, fn };
};
const roleIdOf = (fn: Resource): string => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

describe('functions', () => {
  it('has exactly one Lambda function per manifest', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(ALL_FUNCTIONS.length);
    for (const manifest of ALL_FUNCTIONS) functionOf(manifest);
  });

  it('deploys every handler module of lambdas/handlers, each by its manifest', () => {
    const root = join(__dirname, '../..');
    const handlerModules = (
      readdirSync(join(root, 'lambdas/handlers'), { recursive: true, encoding: 'utf8' }) as string[]
    )
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /export const \{ handler \}/.test(readFileSync(join(root, 'lambdas/handlers', file), 'utf8')))
      .map((file) => relative(root, join(root, 'lambdas/handlers', file)));
    expect(handlerModules.sort()).toEqual(ALL_FUNCTIONS.map((m) => m.entry).sort());
  });

  it.each(ALL_FUNCTIONS.map((m) => [m.name, m] as const))(
    '%s: Node.js 22 on ARM64, X-Ray, its manifest’s memory and timeout, and exactly the variables it reads',
    (_name, manifest) => {
      const { fn } = functionOf(manifest);
      expect(fn.Properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: manifest.memoryMb,
        Timeout: manifest.timeoutSeconds,
      });
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables).sort()).toEqual(
        [...resourcesOf(manifest).environment, ...HOUSEKEEPING_VARIABLES].sort(),
      );
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
      if ('STRONGROOM_KEY_BACKEND' in variables) expect(variables.STRONGROOM_KEY_BACKEND).toBe('kms');
    },
  );

  it.each(ALL_FUNCTIONS.map((m) => [m.name, m] as const))(
    '%s: STRONGROOM_TABLES names exactly its own tables, with their physical names',
    (_name, manifest) => {
      const { fn } = functionOf(manifest);
      const tables = [...resourcesOf(manifest).tables.keys()];
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      if (tables.length === 0) return expect(variables.STRONGROOM_TABLES).toBeUndefined();
      const expected = inTemplate(
        Stack.of(stateless).toJsonString(
          Object.fromEntries(tables.map((t) => [t, stateful.tables.tables[t].tableName])),
        ),
      );
      expect(canonical(variables.STRONGROOM_TABLES)).toBe(canonical(expected));
    },
  );

  it('points STRONGROOM_STATE_MACHINE_ARN at the state machine the template creates', () => {
    const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    const name = machine.Properties.StateMachineName as string;
    const arn = inTemplate(
      Stack.of(stateless).formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    for (const manifest of ALL_FUNCTIONS.filter((m) => resourcesOf(m).stateMachine.length > 0)) {
      const variables = (functionOf(manifest).fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(canonical(variables.STRONGROOM_STATE_MACHINE_ARN)).toBe(canonical(arn));
    }
  });

  it('gives each function its own encrypted log group, kept a year and retained', () => {
    for (const manifest of ALL_FUNCTIONS) {
      const { fn } = functionOf(manifest);
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logGroup = resources[logGroupId]!;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties).toMatchObject({ RetentionInDays: 365 });
      expect(logGroup.Properties.KmsKeyId).toBeDefined();
      expect(logGroup.DeletionPolicy).toBe('Retain');
    }
  });
});

/**
 * What each function's role may and may not do, derived here from its manifest alone (not from the
 * code under test): tables and indexes, keys, secret, state machine, topic, plus the housekeeping every
 * function has (its log group, X-Ray) and what its kind adds (a DLQ, a stream).
 */
function expectedGrants(manifest: FunctionManifest, roleLogGroup: unknown): IamStatement[] {
  const r = resourcesOf(manifest);
  const statements: IamStatement[] = [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: roleLogGroup },
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
  ];
  const allow = (Action: string[], resource: unknown, Condition?: unknown) =>
    statements.push({ Effect: 'Allow', Action, Resource: inTemplate(resource), ...(Condition ? { Condition } : {}) });
  for (const [table, access] of r.tables) {
    const arns = tableAndIndexArns(table);
    allow(
      access === 'read'
        ? ['dynamodb:GetItem', 'dynamodb:Query']
        : ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
      arns,
    );
    if (TABLE_SCHEMAS[table].appendOnly)
      statements.push({ Effect: 'Deny', Action: [...APPEND_ONLY_DENIED_ACTIONS], Resource: inTemplate(arns) });
  }
  const keys = stateful.keys;
  const custodyKeys = accountKeysArn(stateless);
  const requestTags = {
    StringEquals: { 'aws:RequestTag/strongroom:purpose': 'custody' },
    'ForAllValues:StringEquals': { 'aws:TagKeys': ['strongroom:owner', 'strongroom:purpose'] },
  };
  if (r.keys.custody === 'create') {
    allow(['kms:CreateKey'], '*', {
      ...requestTags,
      StringEquals: { ...requestTags.StringEquals, 'kms:KeySpec': 'ECC_SECG_P256K1', 'kms:KeyUsage': 'SIGN_VERIFY' },
    });
    allow(['kms:TagResource'], custodyKeys, requestTags);
    allow(['kms:GetPublicKey'], custodyKeys);
  }
  if (r.keys.custody === 'sign')
    allow(['kms:Sign', 'kms:GetPublicKey', 'kms:ListResourceTags'], custodyKeys, {
      StringEquals: { 'aws:ResourceTag/strongroom:purpose': 'custody' },
    });
  for (const [use, key] of [
    [r.keys.approval, keys.approvalKey],
    [r.keys.audit, keys.auditKey],
  ] as const) {
    if (use === 'sign') allow(['kms:Sign', 'kms:GetPublicKey', 'kms:ListResourceTags'], key.keyArn);
    if (use === 'verify') allow(['kms:GetPublicKey'], key.keyArn);
  }
  if (r.keys.sealer) allow(['kms:Encrypt', 'kms:Decrypt'], keys.sealerKey.keyArn);
  if (r.pageTokenSecret) allow(['secretsmanager:GetSecretValue'], stateful.pageTokenSecret.secret.secretArn);
  if (r.approversTopic) {
    allow(['sns:Publish'], stateful.topics.approvers.topicArn);
    allow(['kms:GenerateDataKey', 'kms:Decrypt'], keys.topicsKey.keyArn);
  }
  if (r.stateMachine.includes('start')) allow(['states:StartExecution'], stateMachineArnAsBuilt());
  if (r.stateMachine.includes('callback'))
    allow(['states:SendTaskSuccess', 'states:SendTaskFailure'], stateMachineArnAsBuilt());
  const dlq = { 'Fn::GetAtt': [dlqId(), 'Arn'] };
  if (manifest.kind === 'scheduled') statements.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: dlq });
  if (manifest.kind === 'stream') {
    for (const table of TABLE_NAMES.filter((t) => TABLE_SCHEMAS[t].appendOnly))
      allow(
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        stateful.tables.tables[table].tableStreamArn,
      );
    statements.push({
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      Resource: dlq,
    });
  }
  return statements;
}

const tableAndIndexArns = (table: TableName): string[] => {
  const arn = stateful.tables.tables[table].tableArn;
  const schema = TABLE_SCHEMAS[table];
  return [arn, ...[...schema.globalIndexes, ...schema.localIndexes].map((index) => `${arn}/index/${index.name}`)];
};
const stateMachineArnAsBuilt = (): unknown => {
  const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
  return Stack.of(stateless).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: machine.Properties.StateMachineName as string,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
};
const dlqId = (): string => {
  const queues = ofType('AWS::SQS::Queue');
  expect(queues).toHaveLength(1);
  return queues[0]![0];
};

describe('IAM versus manifest', () => {
  it.each(ALL_FUNCTIONS.map((m) => [m.name, m] as const))(
    '%s: its role grants exactly what its manifest implies, nothing missing and nothing extra',
    (_name, manifest) => {
      const { fn } = functionOf(manifest);
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const granted = grantLines(roleStatements(template, roleIdOf(fn))).sort();
      const expected = grantLines(expectedGrants(manifest, { 'Fn::GetAtt': [logGroupId, 'Arn'] })).sort();
      expect(granted).toEqual([...new Set(expected)].sort());
    },
  );

  it.each(ALL_FUNCTIONS.map((m) => [m.name, m] as const))(
    '%s: every append-only table it can reach carries the explicit denies',
    (_name, manifest) => {
      const { fn } = functionOf(manifest);
      const lines = grantLines(roleStatements(template, roleIdOf(fn)));
      for (const table of resourcesOf(manifest).tables.keys()) {
        if (!TABLE_SCHEMAS[table].appendOnly) continue;
        for (const action of APPEND_ONLY_DENIED_ACTIONS)
          expect(lines).toContain(`Deny ${action} on ${canonical(inTemplate(stateful.tables.tables[table].tableArn))}`);
      }
    },
  );

  it('has no statement on kms, dynamodb or states actions with Resource "*", but CreateKey under its tag conditions', () => {
    for (const t of [template, statefulTemplate]) {
      for (const statement of allIamStatements(t)) {
        const resources = ([] as unknown[]).concat(statement.Resource);
        const actions = ([] as string[]).concat(statement.Action);
        if (!resources.includes('*') || !actions.some((a) => /^(kms|dynamodb|states):/.test(a))) continue;
        expect(actions).toEqual(['kms:CreateKey']);
        expect(statement.Effect).toBe('Allow');
        expect(statement.Condition).toEqual({
          StringEquals: {
            'aws:RequestTag/strongroom:purpose': 'custody',
            'kms:KeySpec': 'ECC_SECG_P256K1',
            'kms:KeyUsage': 'SIGN_VERIFY',
          },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['strongroom:owner', 'strongroom:purpose'] },
        });
      }
    }
  });

  it('lets only the wallets function create owner keys and only the signer sign with them', () => {
    const custodyKeys = canonical(inTemplate(accountKeysArn(stateless)));
    for (const manifest of ALL_FUNCTIONS) {
      const lines = grantLines(roleStatements(template, roleIdOf(functionOf(manifest).fn)));
      const onCustodyKeys = lines.filter((l) => l.includes(` on ${custodyKeys}`) || l.includes(' on "*"'));
      const kmsOnCustody = onCustodyKeys.filter((l) => /^Allow kms:/.test(l));
      if (manifest.name === FUNCTIONS.wallets.name)
        expect(kmsOnCustody.map((l) => l.split(' ')[1]).sort()).toEqual([
          'kms:CreateKey',
          'kms:GetPublicKey',
          'kms:TagResource',
        ]);
      else if (manifest.name === FUNCTIONS.signKms.name) {
        expect(kmsOnCustody.map((l) => l.split(' ')[1]).sort()).toEqual([
          'kms:GetPublicKey',
          'kms:ListResourceTags',
          'kms:Sign',
        ]);
        for (const line of kmsOnCustody) expect(line).toContain('"aws:ResourceTag/strongroom:purpose":"custody"');
      } else expect(kmsOnCustody).toEqual([]);
    }
  });

  it('keeps custody keys away from the policy and approval functions', () => {
    const deploymentKeys = [
      stateful.keys.approvalKey,
      stateful.keys.auditKey,
      stateful.keys.sealerKey,
      stateful.keys.topicsKey,
    ].map((key) => canonical(inTemplate(key.keyArn)));
    for (const manifest of [FUNCTIONS.evaluatePolicy, FUNCTIONS.requestApproval, FUNCTIONS.approvals]) {
      const kms = roleStatements(template, roleIdOf(functionOf(manifest).fn)).filter((s) =>
        ([] as string[]).concat(s.Action).some((a) => a.startsWith('kms:')),
      );
      for (const line of grantLines(kms)) {
        const resource = line.split(' on ')[1]!;
        expect(deploymentKeys).toContain(resource);
        expect(line).not.toMatch(/kms:(Sign|CreateKey|TagResource)/);
      }
    }
  });

  it('does not let the signer write the approvals table', () => {
    const approvals = canonical(inTemplate(stateful.tables.tables.approvals.tableArn));
    const lines = grantLines(roleStatements(template, roleIdOf(functionOf(FUNCTIONS.signKms).fn)));
    expect(lines.filter((l) => l.startsWith('Allow dynamodb:') && l.endsWith(` on ${approvals}`))).toEqual([]);
  });
});

describe('workflow', () => {
  const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
  const asl = readFileSync(TRANSFER_ASL_PATH, 'utf8');
  const placeholders = [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!))];
  const workflow = ALL_FUNCTIONS.filter((m) => m.kind === 'workflow');

  it('is the Standard state machine of the ASL file, traced, logging every event without execution data', () => {
    expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(1);
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    expect(JSON.parse(machine.Properties.DefinitionString as string)).toEqual(JSON.parse(asl));
  });

  it('substitutes every placeholder of the ASL file with its workflow function or the signing queue, leaving none unresolved', () => {
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': string[] }>;
    expect(placeholders.length).toBeGreaterThan(0);
    expect(Object.keys(substitutions).sort()).toEqual([...placeholders].sort());
    expect([...workflow.map((m) => m.aslPlaceholder), 'SigningQueueUrl'].sort()).toEqual([...placeholders].sort());
    expect(canonical(substitutions.SigningQueueUrl)).toContain('SigningQueue');
    for (const manifest of workflow)
      expect(substitutions[manifest.aslPlaceholder!]).toEqual({ 'Fn::GetAtt': [functionOf(manifest).id, 'Arn'] });
    const resolved = (machine.Properties.DefinitionString as string).replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, name) =>
      name in substitutions ? 'arn:aws:lambda:eu-west-1:123456789012:function:f' : `\${${name}}`,
    );
    expect(resolved).not.toMatch(/\$\{/);
  });

  it('lets the state machine invoke the workflow functions and send to the signing queue, nothing else', () => {
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const lambda = grantLines(roleStatements(template, roleId)).filter((l) => / lambda:/.test(l));
    expect(lambda.sort()).toEqual(
      workflow
        .map((m) => `Allow lambda:InvokeFunction on ${canonical({ 'Fn::GetAtt': [functionOf(m).id, 'Arn'] })}`)
        .sort(),
    );
    const services = new Set(
      roleStatements(template, roleId).flatMap((s) => ([] as string[]).concat(s.Action).map((a) => a.split(':')[0])),
    );
    expect([...services].sort()).toEqual(['lambda', 'logs', 'sqs', 'xray']);
    const sqs = grantLines(roleStatements(template, roleId)).filter((l) => / sqs:/.test(l));
    expect(sqs).toHaveLength(1);
    expect(sqs[0]).toMatch(/^Allow sqs:SendMessage on .*SigningQueue/);
  });
});

describe('API', () => {
  const [apiId] = ofType('AWS::ApiGateway::RestApi')[0]!;
  const pathOf = (resourceRef: unknown): string => {
    if (canonical(resourceRef) === canonical({ 'Fn::GetAtt': [apiId, 'RootResourceId'] })) return '';
    const resource = resources[(resourceRef as { Ref: string }).Ref]!;
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart as string}`;
  };
  const methods = ofType('AWS::ApiGateway::Method');

  it('has exactly the methods and resources of the route table, each integrated with its function', () => {
    const byRoute = Object.fromEntries(
      methods.map(([, m]) => [`${m.Properties.HttpMethod as string} ${pathOf(m.Properties.ResourceId)}`, m]),
    );
    expect(Object.keys(byRoute).sort()).toEqual(Object.keys(API_ROUTES).sort());
    for (const [route, functionName] of Object.entries(API_ROUTES)) {
      const integration = byRoute[route]!.Properties.Integration as { Type: string; Uri: unknown };
      expect(integration.Type).toBe('AWS_PROXY');
      const manifest = ALL_FUNCTIONS.find((m) => m.name === functionName)!;
      expect(canonical(integration.Uri)).toContain(canonical({ 'Fn::GetAtt': [functionOf(manifest).id, 'Arn'] }));
    }
    const templates = new Set(Object.keys(API_ROUTES).map((k) => k.split(' ')[1]!));
    const prefixes = new Set(
      [...templates].flatMap((t) => t.split('/').map((_p, i, a) => a.slice(0, i + 1).join('/'))),
    );
    prefixes.delete('');
    expect(
      ofType('AWS::ApiGateway::Resource')
        .map(([id]) => pathOf({ Ref: id }))
        .sort(),
    ).toEqual([...prefixes].sort());
  });

  it('has no API Gateway authorizer: the functions verify bearer JWTs themselves', () => {
    expect(ofType('AWS::ApiGateway::Authorizer')).toEqual([]);
    for (const [, method] of methods) expect(method.Properties.AuthorizationType).toBe('NONE');
    for (const manifest of ALL_FUNCTIONS.filter((m) => m.kind === 'api'))
      expect(manifest.auth === 'jwt' || manifest.name === FUNCTIONS.health.name).toBe(true);
  });

  it('is regional, traced, throttled, logs errors without data, and access-logs JSON without query strings', () => {
    expect(ofType('AWS::ApiGateway::RestApi')[0]![1].Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0]!;
    expect(stage.Properties).toMatchObject({
      TracingEnabled: true,
      MethodSettings: [
        expect.objectContaining({
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: expect.any(Number),
        }),
      ],
    });
    const format = (stage.Properties.AccessLogSetting as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;
    expect(fields.resourcePath).toBe('$context.resourcePath');
    for (const value of Object.values(fields)) {
      expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
      expect(value).not.toMatch(/querystring|\$context\.path$|requestOverride|\$input|\$method|header/i);
    }
  });

  it('answers its own errors in the API error shape, never cached, with codes from the error catalogue', () => {
    const responses = Object.fromEntries(
      ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => [r.Properties.ResponseType as string, r.Properties]),
    );
    for (const type of [
      'DEFAULT_4XX',
      'DEFAULT_5XX',
      'THROTTLED',
      'ACCESS_DENIED',
      'MISSING_AUTHENTICATION_TOKEN',
      'UNAUTHORIZED',
      'REQUEST_TOO_LARGE',
    ])
      expect(responses[type]).toBeDefined();
    for (const response of Object.values(responses)) {
      expect((response.ResponseParameters as Record<string, string>)['gatewayresponse.header.cache-control']).toBe(
        "'no-store'",
      );
      const body = (response.ResponseTemplates as Record<string, string>)['application/json']!;
      const shape = JSON.parse(body.replace('$context.error.messageString', '"m"')) as {
        error: { code: string; message: string; details: object; traceId: string };
      };
      expect(Object.keys(shape.error)).toEqual(['code', 'message', 'details', 'traceId']);
      expect(shape.error.traceId).toBe('$context.requestId');
      expect(shape.error.details).toEqual({});
      expect(Object.keys(ERROR_CATALOGUE)).toContain(shape.error.code);
    }
  });
});

describe('schedules, streams, alarms', () => {
  it('runs each scheduled function at its rate, with retries and the dead-letter queue', () => {
    const scheduled = ALL_FUNCTIONS.filter((m) => m.kind === 'scheduled');
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(scheduled.length);
    for (const manifest of scheduled) {
      const { id } = functionOf(manifest);
      const schedule = schedules.find(
        ([, s]) =>
          canonical((s.Properties.Target as { Arn: unknown }).Arn) === canonical({ 'Fn::GetAtt': [id, 'Arn'] }),
      );
      expect(schedule).toBeDefined();
      const rate = JOB_RATES[manifest.name]!;
      const minutes = rate.toMinutes();
      expect(schedule![1].Properties.ScheduleExpression).toBe(
        minutes % 60 === 0
          ? `rate(${minutes / 60} hour${minutes === 60 ? '' : 's'})`
          : `rate(${minutes} minute${minutes === 1 ? '' : 's'})`,
      );
      expect(schedule![1].Properties.Target).toMatchObject({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId(), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3 },
      });
    }
    const roleId = ((schedules[0]![1].Properties.Target as { RoleArn: unknown }).RoleArn as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
    expect(grantLines(roleStatements(template, roleId)).sort()).toEqual(
      [
        ...scheduled.map(
          (m) => `Allow lambda:InvokeFunction on ${canonical({ 'Fn::GetAtt': [functionOf(m).id, 'Arn'] })}`,
        ),
        `Allow sqs:SendMessage on ${canonical({ 'Fn::GetAtt': [dlqId(), 'Arn'] })}`,
      ].sort(),
    );
  });

  it('encrypts the dead-letter queue and refuses it plain HTTP', () => {
    expect(resources[dlqId()]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const policies = ofType('AWS::SQS::QueuePolicy').map(([, p]) => canonical(p.Properties.PolicyDocument));
    expect(policies.some((p) => p.includes('"aws:SecureTransport":"false"') && p.includes('"Effect":"Deny"'))).toBe(
      true,
    );
  });

  it('feeds the append-only guard every append-only table’s MODIFY and REMOVE records, failures to the DLQ', () => {
    const guard = functionOf(FUNCTIONS.appendOnlyGuard);
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    const appendOnly = TABLE_NAMES.filter((t) => TABLE_SCHEMAS[t].appendOnly);
    expect(mappings).toHaveLength(appendOnly.length);
    expect(mappings.map(([, m]) => canonical(m.Properties.EventSourceArn)).sort()).toEqual(
      appendOnly.map((t) => canonical(inTemplate(stateful.tables.tables[t].tableStreamArn))).sort(),
    );
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({
        FunctionName: { Ref: guard.id },
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['MODIFY', 'REMOVE'] }) }] },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId(), 'Arn'] } } },
      });
    }
  });

  it('alarms the operators’ topic on failed executions, the DLQ and each of strongroom’s alarm metrics', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const topic = canonical(inTemplate(stateful.topics.alarms.topicArn));
    for (const alarm of alarms) {
      expect((alarm.AlarmActions as unknown[]).map(canonical)).toEqual([topic]);
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    const query = (alarm: Record<string, unknown>) =>
      canonical((alarm.Metrics as { Expression?: unknown }[] | undefined)?.[0]?.Expression ?? '');
    for (const metric of [
      METRIC.reconciliationRequired,
      METRIC.reconciliationExceptions,
      METRIC.unexplainedOutflows,
      METRIC.appendOnlyViolations,
      METRIC.kmsThrottles,
    ]) {
      const matching = alarms.filter((a) =>
        query(a).includes(`SELECT SUM(${metric}) FROM Strongroom WHERE deployment = '`),
      );
      expect(matching).toHaveLength(1);
      expect(query(matching[0]!)).toContain(canonical({ Ref: 'DeploymentId' }).slice(1, -1));
    }
    expect(alarms.some((a) => a.MetricName === 'ExecutionsFailed' && a.Namespace === 'AWS/States')).toBe(true);
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    expect(alarms).toHaveLength(7);
  });

  it('takes the deployment’s configuration as parameters, the optional ones with defaults', () => {
    const parameters = template.toJSON().Parameters as Record<string, { Default?: unknown; NoEcho?: boolean }>;
    for (const name of ['Chains', 'ApprovalKeyAddress', 'JwtIssuer', 'JwtAudience', 'JwtJwksUrl'])
      expect(parameters[name]?.Default).toBeUndefined();
    expect(parameters.Chains?.NoEcho).toBe(true);
    expect(parameters.DenyList?.Default).toBe('[]');
    expect(parameters.TravelRuleThresholds?.Default).toBe('{}');
    expect(parameters.DeploymentId?.Default).toBe(stateless.stackName);
  });
});

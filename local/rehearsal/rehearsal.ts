import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startAwsStandIns, type AwsStandIns } from '../aws/start-aws-stand-ins';
import { startLambdaStandIn } from '../aws/lambda-stand-in';
import type { LoopbackServer } from '../aws/loopback-server';
import { localDynamoDbClient } from '../dynamodb-local';
import { readTemplate, Resolver, UnresolvedReferenceError, type DeployedStack, type Template } from './cloudformation';
import { LambdaProcesses, type DeployedFunction } from './lambda-processes';
import { ENV } from '../../lambdas/composition/function-manifest';
import { AWS_NITRO_ATTESTATION_ROOT } from '../../lambdas/composition/runtime-config';

export interface RehearsalOptions {
  /** The cloud assembly `cdk synth` wrote, with bundled assets. */
  readonly cdkOut: string;
  /** DynamoDB Local: the template's tables are created there, as the template declares them. */
  readonly dynamoDbEndpoint: string;
  /**
   * Each stack's parameter values, given what the stand-ins made of the stateful resources (the
   * approval key's address is known only once the key exists, as after a first deploy).
   */
  readonly parameters: (made: {
    readonly standIns: AwsStandIns;
    readonly keyIdsByPurpose: ReadonlyMap<string, string>;
  }) => Promise<Readonly<Record<string, Readonly<Record<string, string>>>>>;
  /** Multiplies the workflow's Wait and Retry intervals (tests: 0.02); 1 as in the cloud. */
  readonly waitTimeScale?: number;
  /**
   * The enclave host, for an assembly synthesized with enclave context: its stack (EC2, the Nitro host)
   * is not deployed here; `start` stands in for it once the functions' environments are resolved (its
   * image is built with the deployment id and approval key they name), before any function starts.
   */
  readonly enclave?: {
    /** The enclave host stack, which the rehearsal does not deploy (StrongroomEnclaveHost). */
    readonly stackName: string;
    start(deployed: {
      readonly standIns: AwsStandIns;
      readonly stacks: readonly DeployedStack[];
      readonly functions: readonly DeployedFunction[];
      /** The Lambda Invoke stand-in's URL: the host reaches the deployed co-signer function there. */
      readonly lambdaEndpoint: string;
    }): Promise<RehearsalEnclave>;
  };
}

/** The enclave program and signing host standing in for the enclave host stack. */
export interface RehearsalEnclave {
  /**
   * The synthetic NSM's root (PEM): the one attestation root its documents chain to. The rehearsal
   * gives it to the functions in place of the AWS Nitro root the template names (see below).
   */
  readonly attestationRootPem: string;
  stop(): Promise<void>;
}

/** The deployed stacks on this machine, with a way in through the API as API Gateway calls its functions. */
export interface Rehearsal {
  readonly standIns: AwsStandIns;
  readonly processes: LambdaProcesses;
  readonly stacks: readonly DeployedStack[];
  /** 'METHOD /resource/{template}' → the ARN of the function API Gateway integrates it with, from the template. */
  readonly routes: ReadonlyMap<string, string>;
  /** Calls the API route `routeKey` (a resource template) as API Gateway's proxy integration would. */
  request(
    routeKey: string,
    options?: {
      readonly pathParameters?: Record<string, string>;
      readonly query?: Record<string, string>;
      readonly headers?: Record<string, string>;
      /** JSON-encoded and sent as application/json, unless `rawBody` (with its own content-type header) is given. */
      readonly body?: unknown;
      readonly rawBody?: string;
    },
  ): Promise<{ readonly status: number; readonly body: unknown; readonly headers: Readonly<Record<string, string>> }>;
  /** Invokes a function by its logical id (the schedules' way in). */
  invoke(logicalIdPrefix: string, event?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

interface CloudAssembly {
  readonly artifacts: Readonly<
    Record<
      string,
      {
        readonly type: string;
        readonly properties?: { readonly templateFile?: string };
        readonly dependencies?: readonly string[];
      }
    >
  >;
}

/**
 * Deploys the synthesized templates onto this machine: every table, key, topic, queue and secret of
 * the template becomes its stand-in (DynamoDB Local, the local AWS stand-ins); every Lambda function
 * runs its bundled asset from cdk.out in a process of its own with the environment the template gives
 * it, each reference resolved as CloudFormation would resolve it; the state machine runs the
 * template's DefinitionString with its DefinitionSubstitutions. What the rehearsal cannot resolve
 * fails it, naming the reference.
 */
export async function startRehearsal(options: RehearsalOptions): Promise<Rehearsal> {
  const assembly = JSON.parse(readFileSync(join(options.cdkOut, 'manifest.json'), 'utf8')) as CloudAssembly;
  const stackNames = Object.entries(assembly.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([name]) => name);
  const ordered = orderByDependencies(stackNames, assembly).filter((name) => name !== options.enclave?.stackName);
  const standIns = await startAwsStandIns({ region: REGION, account: ACCOUNT });
  let enclave: RehearsalEnclave | undefined;
  let lambda: LoopbackServer | undefined;
  // Lambda Invoke (a function calling another, the co-signer; the enclave host calling it) reaches the
  // function's process, by name or ARN, as the regional service would.
  const route = (nameOrArn: string) => {
    const fn = processes.functions().find((f) => f.name === nameOrArn || f.arn === nameOrArn);
    return fn === undefined ? undefined : (event: unknown) => processes.invoke(fn.arn, event);
  };
  try {
    lambda = await startLambdaStandIn(route);
  } catch (error) {
    await standIns.stop();
    throw error;
  }
  const processes = new LambdaProcesses({
    ...standIns.env,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  try {
    const stacks: DeployedStack[] = [];
    const resolver = new Resolver(stacks, { region: REGION, accountId: ACCOUNT });
    const keyIdsByPurpose = new Map<string, string>();
    const templates = new Map(ordered.map((name) => [name, readTemplate(options.cdkOut, name)]));
    // Stateful resources first (in dependency order), then the parameters, which may depend on them.
    const made = new Map<string, { refs: Map<string, string>; attributes: Map<string, string> }>();
    for (const name of ordered) {
      made.set(name, await makeResources(name, templates.get(name) as Template, standIns, options, keyIdsByPurpose));
    }
    const parameters = await options.parameters({ standIns, keyIdsByPurpose });
    for (const name of ordered) {
      const { refs, attributes } = made.get(name) as { refs: Map<string, string>; attributes: Map<string, string> };
      stacks.push({
        name,
        template: templates.get(name) as Template,
        refs,
        attributes,
        parameters: parameters[name] ?? {},
      });
    }

    const resolved = stacks.flatMap((stack) => deployedFunctions(stack, resolver, options.cdkOut));
    const started = await options.enclave?.start({ standIns, stacks, functions: resolved, lambdaEndpoint: lambda.url });
    enclave = started;
    const functions =
      started === undefined ? resolved : resolved.map((fn) => withTestAttestationRoot(fn, started.attestationRootPem));
    await Promise.all(functions.map((fn) => processes.start(fn)));
    for (const stack of stacks) registerStateMachines(stack, resolver, standIns, processes, options.waitTimeScale ?? 1);
    const routes = apiRoutesOf(stacks, resolver);

    return {
      standIns,
      processes,
      stacks,
      routes,
      async request(routeKey, request = {}) {
        const arn = routes.get(routeKey);
        if (arn === undefined) throw new Error(`the template has no API method ${routeKey}`);
        const result = (await processes.invoke(arn, apiGatewayEvent(routeKey, request))) as APIGatewayProxyResult;
        const headers = (result.headers ?? {}) as Record<string, string>;
        const json = (headers['content-type'] ?? '').startsWith('application/json');
        const body = result.body === '' ? undefined : json ? (JSON.parse(result.body) as unknown) : result.body;
        return { status: result.statusCode, body, headers };
      },
      async invoke(logicalIdPrefix, event = {}) {
        const fn = processes.functions().find((f) => f.logicalId.startsWith(logicalIdPrefix));
        if (fn === undefined) throw new Error(`no function whose logical id starts with ${logicalIdPrefix}`);
        return processes.invoke(fn.arn, event);
      },
      async stop() {
        await enclave?.stop();
        await standIns.sfn.shutdown();
        await processes.stop();
        await lambda?.close();
        await standIns.stop();
      },
    };
  } catch (error) {
    await enclave?.stop();
    await processes.stop();
    await lambda.close();
    await standIns.stop();
    throw error;
  }
}

/**
 * The one place where the rehearsal runs a function with a value the template does not give it. Every
 * template names the AWS Nitro Enclaves root as the only attestation root (a literal the CDK writes);
 * this machine has no Nitro hardware, and its enclave's documents chain to the synthetic NSM's test
 * root instead, so the rehearsal, and only the rehearsal, puts that root in its place. The function
 * accepts a test root only while it reaches Step Functions on a loopback address (the stand-in), which
 * a deployed function never does (lambdas/composition/runtime-config.ts, agentKeyProvisioning).
 */
function withTestAttestationRoot(fn: DeployedFunction, rootPem: string): DeployedFunction {
  const root = fn.environment[ENV.enclaveAttestationRoot];
  if (root === undefined) return fn;
  if (root !== AWS_NITRO_ATTESTATION_ROOT)
    throw new Error(
      `${fn.logicalId}: ${ENV.enclaveAttestationRoot} is ${root}, not the AWS Nitro root every template names`,
    );
  return { ...fn, environment: { ...fn.environment, [ENV.enclaveAttestationRoot]: rootPem } };
}

function orderByDependencies(names: readonly string[], assembly: CloudAssembly): string[] {
  const ordered: string[] = [];
  const visit = (name: string): void => {
    if (ordered.includes(name)) return;
    for (const dependency of assembly.artifacts[name]?.dependencies ?? [])
      if (names.includes(dependency)) visit(dependency);
    ordered.push(name);
  };
  for (const name of names) visit(name);
  return ordered;
}

/** The stand-in of each resource the functions and the state machine can reference. */
async function makeResources(
  stackName: string,
  template: Template,
  standIns: AwsStandIns,
  options: RehearsalOptions,
  keyIdsByPurpose: Map<string, string>,
): Promise<{ refs: Map<string, string>; attributes: Map<string, string> }> {
  const refs = new Map<string, string>();
  const attributes = new Map<string, string>();
  const dynamo = localDynamoDbClient(options.dynamoDbEndpoint);
  const suffix = randomBytes(3).toString('hex');
  for (const [id, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    const name = (wanted: unknown): string =>
      typeof wanted === 'string' ? wanted : `${stackName}-${id}-${suffix}`.slice(0, 80);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table': {
        const tableName = name(properties.TableName);
        await dynamo.send(new CreateTableCommand(tableInput(tableName, properties)));
        refs.set(id, tableName);
        const arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName}`;
        attributes.set(`${id}.Arn`, arn);
        attributes.set(`${id}.StreamArn`, `${arn}/stream/rehearsal`);
        break;
      }
      case 'AWS::KMS::Key': {
        const tags = (properties.Tags as { Key: string; Value: string }[] | undefined) ?? [];
        const key = standIns.kms.createKey({
          ...(typeof properties.KeySpec === 'string' ? { keySpec: properties.KeySpec } : {}),
          ...(typeof properties.KeyUsage === 'string' ? { keyUsage: properties.KeyUsage } : {}),
          tags: Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])),
        } as Parameters<typeof standIns.kms.createKey>[0]);
        refs.set(id, key.keyId);
        attributes.set(`${id}.Arn`, key.arn);
        attributes.set(`${id}.KeyId`, key.keyId);
        const purpose = tags.find((tag) => tag.Key === 'strongroom:purpose')?.Value;
        if (purpose !== undefined) keyIdsByPurpose.set(purpose, key.arn);
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const secret = standIns.secrets.putSecret(name(properties.Name), randomBytes(48).toString('base64url'));
        refs.set(id, secret.arn);
        break;
      }
      case 'AWS::SNS::Topic': {
        const arn = standIns.sns.createTopic(name(properties.TopicName));
        refs.set(id, arn);
        attributes.set(`${id}.TopicArn`, arn);
        break;
      }
      case 'AWS::SQS::Queue': {
        const url = standIns.sqs.createQueue(name(properties.QueueName));
        refs.set(id, url);
        attributes.set(`${id}.QueueUrl`, url);
        attributes.set(`${id}.Arn`, standIns.sqs.queueArnOf(url));
        break;
      }
      case 'AWS::Lambda::Function': {
        const functionName = name(properties.FunctionName);
        refs.set(id, functionName);
        attributes.set(`${id}.Arn`, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`);
        break;
      }
      case 'AWS::IAM::Role': {
        const roleName = name(properties.RoleName);
        refs.set(id, roleName);
        attributes.set(`${id}.Arn`, `arn:aws:iam::${ACCOUNT}:role/${roleName}`);
        break;
      }
      case 'AWS::ApiGateway::RestApi': {
        // Its id, in the stage URL approvers' links start with; requests reach the functions through `request`.
        refs.set(id, `rehearsal${suffix}`);
        attributes.set(`${id}.RootResourceId`, 'root');
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const logGroupName = name(properties.LogGroupName);
        refs.set(id, logGroupName);
        attributes.set(`${id}.Arn`, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}:*`);
        break;
      }
    }
  }
  return { refs, attributes };
}

/** The CreateTable request of a template's table: its own key schema, indexes and stream. */
function tableInput(tableName: string, properties: Record<string, unknown>): CreateTableCommandInput {
  const strip = (indexes: unknown) =>
    (indexes as Record<string, unknown>[] | undefined)?.map((index) => ({
      IndexName: index.IndexName as string,
      KeySchema: index.KeySchema as never,
      Projection: index.Projection as never,
    }));
  const global = strip(properties.GlobalSecondaryIndexes);
  const local = strip(properties.LocalSecondaryIndexes);
  const stream = properties.StreamSpecification as { StreamViewType: string } | undefined;
  return {
    TableName: tableName,
    AttributeDefinitions: properties.AttributeDefinitions as never,
    KeySchema: properties.KeySchema as never,
    BillingMode: 'PAY_PER_REQUEST',
    ...(global === undefined ? {} : { GlobalSecondaryIndexes: global }),
    ...(local === undefined ? {} : { LocalSecondaryIndexes: local }),
    ...(stream === undefined
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as never } }),
  };
}

/** Every Lambda function of a stack, with its bundle in cdk.out and its environment resolved. */
function deployedFunctions(stack: DeployedStack, resolver: Resolver, cdkOut: string): DeployedFunction[] {
  return Object.entries(stack.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([id, resource]) => {
      const properties = resource.Properties ?? {};
      const assetPath = assetPathOf(cdkOut, stack.name, properties.Code) ?? resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string')
        throw new Error(`${stack.name}/${id}: no bundled asset in ${cdkOut} (synthesize with bundling)`);
      const assetDirectory = join(cdkOut, assetPath);
      const handler = String(properties.Handler);
      const file = join(assetDirectory, `${handler.split('.')[0] ?? 'index'}.js`);
      if (!existsSync(file)) throw new Error(`${stack.name}/${id}: handler ${handler} has no file ${file}`);
      const variables =
        (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => {
          try {
            return [key, resolver.string(value, stack)];
          } catch (error) {
            if (error instanceof UnresolvedReferenceError)
              throw new UnresolvedReferenceError(`${stack.name}/${id} environment ${key}: ${error.message}`);
            throw error;
          }
        }),
      );
      return {
        logicalId: id,
        arn: resolver.string({ 'Fn::GetAtt': [id, 'Arn'] }, stack),
        name: resolver.string({ Ref: id }, stack),
        assetDirectory,
        handler,
        environment,
        memoryMb: Number(properties.MemorySize ?? 128),
        timeoutSeconds: Number(properties.Timeout ?? 3),
      };
    });
}

/** The directory in cdk.out of the asset a function's Code names (`<hash>.zip`), from the stack's asset manifest. */
function assetPathOf(cdkOut: string, stackName: string, code: unknown): string | undefined {
  const key = (code as { S3Key?: unknown } | undefined)?.S3Key;
  if (typeof key !== 'string') return undefined;
  const manifest = JSON.parse(readFileSync(join(cdkOut, `${stackName}.assets.json`), 'utf8')) as {
    files?: Record<string, { source?: { path?: string; packaging?: string } }>;
  };
  const source = manifest.files?.[key.replace(/\.zip$/, '')]?.source;
  return source?.packaging === 'zip' ? source.path : undefined;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** Each state machine with its definition as Step Functions would receive it, run by the Step Functions stand-in. */
function registerStateMachines(
  stack: DeployedStack,
  resolver: Resolver,
  standIns: AwsStandIns,
  processes: LambdaProcesses,
  waitTimeScale: number,
): void {
  for (const [id, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const properties = resource.Properties ?? {};
    const substitutions = resolver.resolve(properties.DefinitionSubstitutions ?? {}, stack) as Record<string, string>;
    const raw = resolver.string(properties.DefinitionString, stack);
    const unresolved = new Set<string>();
    const definition = raw.replace(PLACEHOLDER, (whole, name: string) => {
      const value = substitutions[name];
      if (value === undefined) unresolved.add(name);
      return value ?? whole;
    });
    if (unresolved.size > 0)
      throw new UnresolvedReferenceError(`${stack.name}/${id}: unresolved placeholders ${[...unresolved].join(', ')}`);
    const name = resolver.string(properties.StateMachineName, stack);
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
    standIns.sfn.registerStateMachine({
      arn,
      definition,
      invoke: (functionArn, payload) => processes.invoke(functionArn, payload),
      // The Sign state of enclave wallets: its job goes to the queue's stand-in, as Step Functions sends it.
      sendMessage: async (queueUrl, body) => {
        if (!standIns.sqs.deliver(standIns.sqs.queueArnOf(queueUrl), body))
          throw new Error(`${stack.name}/${id}: no queue ${queueUrl} for the signing job`);
      },
      waitTimeScale,
    });
  }
}

/** 'METHOD /path/{template}' → function ARN, from the template's API Gateway methods, resources and integrations. */
function apiRoutesOf(stacks: readonly DeployedStack[], resolver: Resolver): Map<string, string> {
  const routes = new Map<string, string>();
  for (const stack of stacks) {
    const resources = stack.template.Resources;
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      const resource = id === undefined ? undefined : resources[id];
      if (resource?.Type !== 'AWS::ApiGateway::Resource') return ''; // the root resource
      return `${pathOf(resource.Properties?.ParentId)}/${String(resource.Properties?.PathPart)}`;
    };
    for (const [, method] of Object.entries(resources)) {
      if (method.Type !== 'AWS::ApiGateway::Method') continue;
      const properties = method.Properties ?? {};
      const integration = properties.Integration as { Type?: string; Uri?: unknown } | undefined;
      if (integration?.Type !== 'AWS_PROXY') continue;
      const functionId = findFunctionRef(integration.Uri, resources);
      if (functionId === undefined) continue;
      const path = pathOf(properties.ResourceId) || '/';
      routes.set(
        `${String(properties.HttpMethod)} ${path}`,
        resolver.string({ 'Fn::GetAtt': [functionId, 'Arn'] }, stack),
      );
    }
  }
  return routes;
}

function findFunctionRef(value: unknown, resources: Template['Resources']): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findFunctionRef(item, resources);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt !== undefined && resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') return getAtt[0];
  return findFunctionRef(Object.values(value), resources);
}

/** The event API Gateway's REST proxy integration sends (the fields the handlers read). */
function apiGatewayEvent(
  routeKey: string,
  request: {
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: unknown;
    rawBody?: string;
  },
): APIGatewayProxyEvent {
  const [method, resource] = routeKey.split(' ') as [string, string];
  const path = resource.replace(/\{(\w+)\}/g, (_w, name: string) => request.pathParameters?.[name] ?? '');
  const headers = {
    ...(request.body === undefined || request.rawBody !== undefined ? {} : { 'content-type': 'application/json' }),
    ...request.headers,
  };
  const requestId = randomBytes(8).toString('hex');
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters:
      request.query === undefined ? null : Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]])),
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.rawBody ?? (request.body === undefined ? null : JSON.stringify(request.body)),
    isBase64Encoded: false,
    requestContext: {
      requestId,
      resourcePath: resource,
      httpMethod: method,
      path: `/v1stage${path}`,
      stage: 'v1',
      accountId: ACCOUNT,
      apiId: 'rehearsal',
      protocol: 'HTTP/1.1',
      requestTimeEpoch: Date.now(),
      resourceId: 'rehearsal',
      identity: { sourceIp: '127.0.0.1', userAgent: 'strongroom-rehearsal' },
      authorizer: null,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

import { join, resolve } from 'node:path';
import { Duration, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionManifest } from '../../lambdas/composition/function-manifest';
import { FUNCTION_ROLE_TAG } from '../keys/deployment-keys';
import { housekeepingEnvironment } from './function-environment';

/** The repository root: entries in the manifests are relative to it. */
const REPO_ROOT = resolve(__dirname, '../..');

/** The tag that names a function's manifest on its function, role and log group. */
export const FUNCTION_NAME_TAG = 'strongroom:function';

export interface StrongroomFunctionProps {
  readonly manifest: FunctionManifest;
  /** Exactly the variables the function reads at cold start (the housekeeping ones are added here). */
  readonly environment: Readonly<Record<string, string>>;
  /** Encrypts the function's log group. */
  readonly logsKey: IKey;
  /** Where failed asynchronous invocations go (scheduled functions): no retry, the next run is the retry. */
  readonly failedInvocations?: IQueue;
}

/**
 * One strongroom Lambda function with the deployment's defaults: Node.js 22 on ARM64, bundled locally
 * by esbuild (never Docker), minified with source maps, X-Ray active, its own encrypted log group kept
 * for a year, and a role that starts empty (no managed policy): the function's grants are added from
 * its manifest and nothing else.
 */
export class StrongroomFunction extends Construct {
  readonly manifest: FunctionManifest;
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: StrongroomFunctionProps) {
    super(scope, id);
    const { manifest } = props;
    this.manifest = manifest;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `strongroom ${manifest.name}: exactly what its manifest names`,
    });
    Tags.of(this.role).add(FUNCTION_ROLE_TAG.key, FUNCTION_ROLE_TAG.value);
    this.logGroup.grantWrite(this.role);

    this.function = bundledFunction(this, {
      description: `strongroom ${manifest.kind} function ${manifest.name}`,
      entry: manifest.entry,
      memoryMb: manifest.memoryMb,
      timeoutSeconds: manifest.timeoutSeconds,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, ...housekeepingEnvironment(manifest.name) },
      ...(props.failedInvocations && { failedInvocations: props.failedInvocations }),
    });
    Tags.of(this).add(FUNCTION_NAME_TAG, manifest.name);
  }
}

/** What {@link bundledFunction} needs beside the deployment's defaults. */
export interface BundledFunctionOptions {
  readonly description: string;
  /** The handler module, from the repository root; it exports `handler`. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly environment: Readonly<Record<string, string>>;
  readonly failedInvocations?: IQueue;
}

/**
 * A NodejsFunction (construct id `Function`) with the deployment's defaults: Node.js 22 on ARM64,
 * bundled locally by esbuild (never Docker), minified with source maps, X-Ray active, the given role
 * and log group. Every strongroom function is one: the custody functions ({@link StrongroomFunction})
 * and the co-signer (lib/co-signer/), which has a role and configuration of its own.
 */
export function bundledFunction(scope: Construct, options: BundledFunctionOptions): NodejsFunction {
  const fn = new NodejsFunction(scope, 'Function', {
    description: options.description,
    entry: join(REPO_ROOT, options.entry),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: options.memoryMb,
    timeout: Duration.seconds(options.timeoutSeconds),
    tracing: Tracing.ACTIVE,
    role: options.role,
    logGroup: options.logGroup,
    environment: { ...options.environment },
    ...(options.failedInvocations && {
      deadLetterQueue: options.failedInvocations,
      retryAttempts: 0,
    }),
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.CJS,
      target: 'node22',
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      // Errors only: a synth bundles every function, and the size warnings are the bench's to report.
      logLevel: LogLevel.ERROR,
      // The AWS SDK is bundled, not taken from the runtime: the asset then holds every line it runs,
      // so the deployment rehearsal (which loads these assets from cdk.out) runs the SDK Lambda runs,
      // at the version package-lock.json pins, instead of whichever version the runtime carries
      // that day (AWS updates it without a deploy). It costs bundle size, not correctness.
      externalModules: [],
    },
  });

  // Tracing added its statement to the role's default policy (beside the log group's).
  Validations.of(options.role.node.findChild('DefaultPolicy')).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (X-Ray tracing) have no resource type: they take "*".',
  });
  Validations.of(fn).acknowledge(
    {
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason:
        'CT.LAMBDA.PR.3 (in a VPC): the functions reach only AWS APIs and the chains’ public JSON-RPC endpoints; a VPC ' +
        'would put NAT gateways and endpoints on every path and keep no data closer (DynamoDB, KMS, Step Functions, ' +
        'SNS and Secrets Manager are reached over TLS with IAM either way).',
    },
    {
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: the bundles target node22 and the code base is tested on Node 20/22; Node 24 is a ' +
        'separate upgrade.',
    },
  );
  return fn;
}

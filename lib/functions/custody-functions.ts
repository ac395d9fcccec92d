import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourcesOf, type FunctionManifest } from '../../lambdas/composition/function-manifest';
import type { StatefulResources } from '../strongroom-stateful-stack';
import { functionEnvironment, type DeploymentEnvironment } from './function-environment';
import { grantFunctionResources } from './function-grants';
import { StrongroomFunction } from './strongroom-function';

export interface CustodyFunctionsProps {
  readonly manifests: readonly FunctionManifest[];
  readonly stateful: StatefulResources;
  readonly environment: DeploymentEnvironment;
  readonly stateMachineArn: string;
  /** Encrypts the functions' log groups. */
  readonly logsKey: IKey;
  /** The DLQ of the scheduled functions' asynchronous invocations. */
  readonly failedInvocations: IQueue;
}

/** Every function of the deployment, one per manifest, configured and granted from it alone. */
export class CustodyFunctions extends Construct {
  private readonly byName = new Map<string, StrongroomFunction>();

  constructor(scope: Construct, id: string, props: CustodyFunctionsProps) {
    super(scope, id);
    for (const manifest of props.manifests) {
      const resources = resourcesOf(manifest);
      const fn = new StrongroomFunction(this, pascalCase(manifest.name), {
        manifest,
        environment: functionEnvironment(this, resources, props.stateful.tables.names, props.environment),
        logsKey: props.logsKey,
        ...(manifest.kind === 'scheduled' && { failedInvocations: props.failedInvocations }),
      });
      grantFunctionResources(fn.role, resources, props.stateful, props.stateMachineArn);
      this.byName.set(manifest.name, fn);
    }
  }

  /** Every function, in manifest order. */
  get all(): readonly StrongroomFunction[] {
    return [...this.byName.values()];
  }

  /** The function of a manifest name (`sign-kms`). */
  named(name: string): StrongroomFunction {
    const fn = this.byName.get(name);
    if (fn === undefined) throw new Error(`no function named ${name}`);
    return fn;
  }

  /** The functions of one kind, in manifest order. */
  ofKind(kind: FunctionManifest['kind']): readonly StrongroomFunction[] {
    return this.all.filter((fn) => fn.manifest.kind === kind);
  }
}

/** `sign-kms` → `SignKms`: the construct id, so logical ids say which function they are. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => `${part[0]?.toUpperCase() ?? ''}${part.slice(1)}`)
    .join('');
}

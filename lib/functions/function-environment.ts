import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  ENV,
  type AgentKeyProvisioningEnvName,
  type CoSignerEnvName,
  type EnvName,
  type FunctionResources,
} from '../../lambdas/composition/function-manifest';
import type { TableNames } from '../../lambdas/adapters/dynamodb/table-schema';

/**
 * The value of every variable the composition reads, for one deployment. Keyed by every `ENV` name but
 * the tables' (which differ per function), the agent-key provisioning path's (set by the provisioning
 * workflow's construct, in a deployment with an enclave host only) and the co-signer's function (set by
 * lib/co-signer/, likewise), so a variable added to the composition fails to compile here until the
 * deployment gives it a value.
 */
export type DeploymentEnvironment = {
  readonly [N in Exclude<EnvName, typeof ENV.tables | AgentKeyProvisioningEnvName | CoSignerEnvName>]: string;
};

/** Variables beside the manifest's: source maps for stack traces, and the Powertools defaults. */
export function housekeepingEnvironment(functionName: string): Readonly<Record<string, string>> {
  return {
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: functionName,
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

/** The names {@link housekeepingEnvironment} sets. */
export const HOUSEKEEPING_VARIABLES = Object.keys(housekeepingEnvironment('any'));

/**
 * Exactly the variables a function reads at cold start (`resourcesOf(manifest).environment`), with the
 * deployment's values; `STRONGROOM_TABLES` names only that function's tables.
 */
export function functionEnvironment(
  scope: Construct,
  resources: FunctionResources,
  tables: TableNames,
  values: DeploymentEnvironment,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const deployment: Partial<Record<EnvName, string>> = values;
  for (const name of resources.environment) {
    const value =
      name === ENV.tables
        ? Stack.of(scope).toJsonString(Object.fromEntries([...resources.tables.keys()].map((t) => [t, tables[t]])))
        : deployment[name];
    if (value === undefined) throw new Error(`the deployment gives ${name} no value`);
    environment[name] = value;
  }
  return environment;
}

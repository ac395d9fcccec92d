import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { FunctionResources } from '../../lambdas/composition/function-manifest';
import type { StatefulResources } from '../strongroom-stateful-stack';

/** What a function that calls back the workflow does: a waiting task's success or failure. */
export const TASK_CALLBACK_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'] as const;

/**
 * Grants a function exactly the resources its manifest implies (`resourcesOf`), nothing else: its
 * tables (with the append-only denies), keys, the page-token secret, the workflow's start or callback,
 * and the approvers' topic.
 */
export function grantFunctionResources(
  role: IRole,
  resources: FunctionResources,
  stateful: StatefulResources,
  stateMachineArn: string,
): void {
  for (const [table, access] of resources.tables) {
    if (access === 'read') stateful.tables.grantRead(role, table);
    else stateful.tables.grantAppend(role, table);
  }

  const { keys } = resources;
  if (keys.custody === 'create') stateful.keys.grantCustodyKeyCreation(role);
  if (keys.custody === 'sign') stateful.keys.grantCustodySigning(role);
  for (const purpose of ['approval', 'audit'] as const) {
    if (keys[purpose] === 'sign') stateful.keys.grantProofKeySigning(role, purpose);
    if (keys[purpose] === 'verify') stateful.keys.grantProofKeyVerification(role, purpose);
  }
  if (keys.sealer) stateful.keys.grantSealing(role);

  if (resources.pageTokenSecret) stateful.pageTokenSecret.grantRead(role);
  if (resources.approversTopic) stateful.topics.grantApproverNotices(role);

  const stateMachineActions = [
    ...(resources.stateMachine.includes('start') ? ['states:StartExecution'] : []),
    ...(resources.stateMachine.includes('callback') ? TASK_CALLBACK_ACTIONS : []),
  ];
  if (stateMachineActions.length > 0) {
    role.addToPrincipalPolicy(new PolicyStatement({ actions: stateMachineActions, resources: [stateMachineArn] }));
  }
}

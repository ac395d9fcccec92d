import type { Composer } from '../lambdas/composition/compose';
import type { LambdaFunction, LambdaHandler } from '../lambdas/composition/define-function';
import type { FunctionManifest } from '../lambdas/composition/function-manifest';
import { approvalGroupsFunction } from '../lambdas/handlers/api/approval-groups';
import type { ApiFunctionName } from '../lambdas/handlers/api/api-routes';
import { approvalsFunction } from '../lambdas/handlers/api/approvals';
import { auditFunction } from '../lambdas/handlers/api/audit';
import { governanceFunction } from '../lambdas/handlers/api/governance';
import { healthFunction } from '../lambdas/handlers/api/health';
import { reconciliationFunction } from '../lambdas/handlers/api/reconciliation';
import { transactionsFunction } from '../lambdas/handlers/api/transactions';
import { walletsFunction } from '../lambdas/handlers/api/wallets';
import { applyGovernanceChangesFunction } from '../lambdas/handlers/scheduled/apply-governance-changes';
import { expireApprovalsFunction } from '../lambdas/handlers/scheduled/expire-approvals';
import { reconcileBalancesFunction } from '../lambdas/handlers/scheduled/reconcile-balances';
import { watchDepositsFunction } from '../lambdas/handlers/scheduled/watch-deposits';
import { writeAuditCheckpointFunction } from '../lambdas/handlers/scheduled/write-audit-checkpoint';
import { authorizeFunction } from '../lambdas/handlers/workflow/authorize';
import { broadcastFunction } from '../lambdas/handlers/workflow/broadcast';
import { compensateFunction } from '../lambdas/handlers/workflow/compensate';
import { evaluatePolicyFunction } from '../lambdas/handlers/workflow/evaluate-policy';
import { locateFunction } from '../lambdas/handlers/workflow/locate';
import { prepareFunction } from '../lambdas/handlers/workflow/prepare';
import { requestApprovalFunction } from '../lambdas/handlers/workflow/request-approval';
import { screenFunction } from '../lambdas/handlers/workflow/screen';
import { settleFunction } from '../lambdas/handlers/workflow/settle';
import { prepareEnclaveSignFunction } from '../lambdas/handlers/workflow/prepare-enclave-sign';
import { voidEnclaveJobFunction } from '../lambdas/handlers/workflow/void-enclave-job';
import { recordEnclaveSignatureFunction } from '../lambdas/handlers/workflow/record-enclave-signature';
import { signKmsFunction } from '../lambdas/handlers/workflow/sign-kms';
import { trackConfirmationsFunction } from '../lambdas/handlers/workflow/track-confirmations';

/**
 * The functions the local runtime runs, from the same handler modules (and the same factories) the
 * CDK stack deploys: the API's, the workflow's (by the ASL placeholder of each Task) and the jobs the
 * cloud schedules. Each is built with `create` over the ports the local composer builds from its
 * manifest, exactly as its Lambda cold start would build them; nothing is read from a global.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of functions with different ports
type AnyFunction = LambdaFunction<any, LambdaHandler>;

export const API_FUNCTION_DEFINITIONS = {
  wallets: walletsFunction,
  'approval-groups': approvalGroupsFunction,
  transactions: transactionsFunction,
  approvals: approvalsFunction,
  audit: auditFunction,
  health: healthFunction,
  reconciliation: reconciliationFunction,
  governance: governanceFunction,
} as const satisfies Readonly<Record<ApiFunctionName, AnyFunction>>;

export const WORKFLOW_FUNCTION_DEFINITIONS = {
  LocateFunctionArn: locateFunction,
  ScreenFunctionArn: screenFunction,
  EvaluatePolicyFunctionArn: evaluatePolicyFunction,
  RequestApprovalFunctionArn: requestApprovalFunction,
  PrepareFunctionArn: prepareFunction,
  AuthorizeFunctionArn: authorizeFunction,
  SignKmsFunctionArn: signKmsFunction,
  PrepareEnclaveSignFunctionArn: prepareEnclaveSignFunction,
  RecordEnclaveSignatureFunctionArn: recordEnclaveSignatureFunction,
  VoidEnclaveJobFunctionArn: voidEnclaveJobFunction,
  BroadcastFunctionArn: broadcastFunction,
  TrackConfirmationsFunctionArn: trackConfirmationsFunction,
  SettleFunctionArn: settleFunction,
  CompensateFunctionArn: compensateFunction,
} as const satisfies Readonly<Record<string, AnyFunction>>;

export type TaskPlaceholder = keyof typeof WORKFLOW_FUNCTION_DEFINITIONS;

export const SCHEDULED_FUNCTION_DEFINITIONS = {
  watchDeposits: watchDepositsFunction,
  expireApprovals: expireApprovalsFunction,
  applyGovernanceChanges: applyGovernanceChangesFunction,
  writeAuditCheckpoint: writeAuditCheckpointFunction,
  reconcileBalances: reconcileBalancesFunction,
} as const satisfies Readonly<Record<string, AnyFunction>>;

/** Each function's handler, built through its factory over the ports `composer` builds from its manifest. */
export async function createHandlers<T extends Readonly<Record<string, AnyFunction>>>(
  composer: Composer,
  functions: T,
): Promise<{ [K in keyof T]: T[K]['handler'] }> {
  const entries = await Promise.all(
    Object.entries(functions).map(async ([key, fn]) => {
      const manifest: FunctionManifest = fn.manifest;
      return [key, fn.create(await composer.compose(manifest))] as const;
    }),
  );
  return Object.fromEntries(entries) as { [K in keyof T]: T[K]['handler'] };
}

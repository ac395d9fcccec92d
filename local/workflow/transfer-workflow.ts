import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handler as authorize } from '../../lambdas/handlers/workflow/authorize';
import { handler as broadcast } from '../../lambdas/handlers/workflow/broadcast';
import { handler as compensate } from '../../lambdas/handlers/workflow/compensate';
import { handler as evaluatePolicy } from '../../lambdas/handlers/workflow/evaluate-policy';
import { handler as locate } from '../../lambdas/handlers/workflow/locate';
import { handler as prepare } from '../../lambdas/handlers/workflow/prepare';
import { handler as requestApproval } from '../../lambdas/handlers/workflow/request-approval';
import { handler as screen } from '../../lambdas/handlers/workflow/screen';
import { handler as settle } from '../../lambdas/handlers/workflow/settle';
import { handler as signKms } from '../../lambdas/handlers/workflow/sign-kms';
import { handler as trackConfirmations } from '../../lambdas/handlers/workflow/track-confirmations';
import { TERMINAL_STATUSES, TRANSFER_STATUSES } from '../../lambdas/domain/lifecycle/transfer-events';
import type { TransferEventStore } from '../../lambdas/ports/transfer-event-store';
import { executionInput } from '../../lambdas/use-cases/transfers/execution-input';
import { LocalWorkflowEngine, type LocalWorkflowEngineOptions, type WaitWakeSource } from './local-workflow-engine';

/** The one workflow definition, the file Step Functions runs in the cloud. */
export const TRANSACTION_ASL_PATH = join(__dirname, '..', '..', 'statemachines', 'transaction.asl.json');

/**
 * Each Task's `${…FunctionArn}` placeholder and the Lambda handler module behind it: the same
 * exports the CDK stack deploys as functions. Nothing here re-implements a step.
 */
export const TRANSFER_TASK_HANDLERS = {
  LocateFunctionArn: locate,
  ScreenFunctionArn: screen,
  EvaluatePolicyFunctionArn: evaluatePolicy,
  RequestApprovalFunctionArn: requestApproval,
  PrepareFunctionArn: prepare,
  AuthorizeFunctionArn: authorize,
  SignKmsFunctionArn: signKms,
  BroadcastFunctionArn: broadcast,
  TrackConfirmationsFunctionArn: trackConfirmations,
  SettleFunctionArn: settle,
  CompensateFunctionArn: compensate,
} as const;

/** The Wait of the confirmation loop (TrackConfirmations → Wait → TrackConfirmations). */
export const CONFIRMATION_WAIT_STATE = 'WaitForConfirmations';

/** The transfer state machine, run in-process by the local workflow engine. */
export function createTransferWorkflow(
  options: Omit<LocalWorkflowEngineOptions, 'wakeWaits'> & {
    /** Tests only: wrap a task's handler (to lose a response, alter an output) without touching the flow. */
    readonly wrapHandlers?: Partial<Record<keyof typeof TRANSFER_TASK_HANDLERS, (event: unknown) => Promise<unknown>>>;
    /**
     * The chain's new blocks: the confirmation Wait then ends at the first block mined since its
     * TrackConfirmations started, its whole seconds only the upper bound. The ASL is unchanged (the
     * cloud polls every `STRONGROOM_CONFIRMATION_POLL_SECONDS`); only the local runner listens.
     */
    readonly newBlocks?: WaitWakeSource;
  } = {},
): LocalWorkflowEngine {
  const definition = JSON.parse(readFileSync(TRANSACTION_ASL_PATH, 'utf8')) as object;
  const { wrapHandlers, newBlocks, ...engineOptions } = options;
  const handlers = { ...TRANSFER_TASK_HANDLERS, ...wrapHandlers };
  return new LocalWorkflowEngine(
    definition,
    handlers as unknown as ConstructorParameters<typeof LocalWorkflowEngine>[1],
    {
      stateMachineName: 'transaction',
      ...engineOptions,
      ...(newBlocks === undefined ? {} : { wakeWaits: { [CONFIRMATION_WAIT_STATE]: newBlocks } }),
    },
  );
}

/**
 * Executions live in memory: after a restart, every transfer that has not ended gets its execution
 * again, and its Locate state sends it to the step its events say it stopped at.
 */
export async function resumeInFlightTransfers(
  events: TransferEventStore,
  engine: LocalWorkflowEngine,
): Promise<readonly string[]> {
  const resumed: string[] = [];
  for (const status of TRANSFER_STATUSES.filter((s) => !TERMINAL_STATUSES.has(s))) {
    let nextToken: string | undefined;
    do {
      const page = await events.listByStatus(status, { limit: 100, ...(nextToken === undefined ? {} : { nextToken }) });
      for (const transfer of page.items) {
        if (engine.describe(transfer.id)?.status === 'RUNNING') continue;
        await engine.start(transfer.id, executionInput(transfer.id, undefined), { resume: true });
        resumed.push(transfer.id);
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  }
  return resumed;
}

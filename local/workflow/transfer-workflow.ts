import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TERMINAL_STATUSES, TRANSFER_STATUSES } from '../../lambdas/domain/lifecycle/transfer-events';
import type { TransferEventStore } from '../../lambdas/ports/transfer-event-store';
import { executionInput } from '../../lambdas/use-cases/transfers/execution-input';
import type { Composer } from '../../lambdas/composition/compose';
import { createHandlers, WORKFLOW_FUNCTION_DEFINITIONS, type TaskPlaceholder } from '../local-functions';
import { LocalWorkflowEngine, type LocalWorkflowEngineOptions, type WaitWakeSource } from './local-workflow-engine';

/** The one workflow definition, the file Step Functions runs in the cloud. */
export const TRANSACTION_ASL_PATH = join(__dirname, '..', '..', 'statemachines', 'transaction.asl.json');

/** A workflow task's handler. */
export type TaskHandler = (event: unknown) => Promise<unknown>;

/** Tests and benches: replace a task's handler by one made from it (to lose a response, alter an output, count). */
export type WrapHandlers = Partial<Record<TaskPlaceholder, (inner: TaskHandler) => TaskHandler>>;

/** The signing queue of a runtime that runs no enclave host. */
const NO_SIGNING_QUEUE = 'local:no-signing-queue';

/** The Wait of the confirmation loop (TrackConfirmations → Wait → TrackConfirmations). */
export const CONFIRMATION_WAIT_STATE = 'WaitForConfirmations';

export type TransferWorkflowOptions = Omit<LocalWorkflowEngineOptions, 'wakeWaits'> & {
  readonly wrapHandlers?: WrapHandlers;
  /**
   * The chain's new blocks: the confirmation Wait then ends at the first block mined since its
   * TrackConfirmations started, its whole seconds only the upper bound. The ASL is unchanged (the
   * cloud polls every `STRONGROOM_CONFIRMATION_POLL_SECONDS`); only the local runner listens.
   */
  readonly newBlocks?: WaitWakeSource;
};

/**
 * The transfer state machine run in-process by the local workflow engine, its tasks the workflow
 * functions built through their factories over `composer`'s ports. The engine is itself a port of those
 * functions (RequestApproval resumes its own task), so it is made first, with each task bound to its
 * handler once the handlers are built.
 */
export async function composeTransferWorkflow(
  composer: (engine: LocalWorkflowEngine) => Composer,
  options: TransferWorkflowOptions = {},
): Promise<{ readonly engine: LocalWorkflowEngine; readonly composer: Composer }> {
  const bound: Partial<Record<TaskPlaceholder, TaskHandler>> = {};
  const late = Object.fromEntries(
    (Object.keys(WORKFLOW_FUNCTION_DEFINITIONS) as TaskPlaceholder[]).map((placeholder) => [
      placeholder,
      (event: unknown) => {
        const handle = bound[placeholder];
        if (handle === undefined) throw new Error(`${placeholder} ran before the workflow's handlers were built`);
        return handle(event);
      },
    ]),
  );
  const definition = JSON.parse(readFileSync(TRANSACTION_ASL_PATH, 'utf8')) as object;
  const { wrapHandlers, newBlocks, ...engineOptions } = options;
  const engine = new LocalWorkflowEngine(
    definition,
    late as unknown as ConstructorParameters<typeof LocalWorkflowEngine>[1],
    {
      stateMachineName: 'transaction',
      // A runtime without an enclave host (tests of the kms path): enclave jobs have nowhere to go.
      substitutions: { SigningQueueUrl: NO_SIGNING_QUEUE },
      sendMessage: async () => {
        throw Object.assign(new Error('this runtime runs no enclave host: enclave wallets cannot sign here'), {
          name: 'SQS.AmazonSQSException',
        });
      },
      ...engineOptions,
      ...(newBlocks === undefined ? {} : { wakeWaits: { [CONFIRMATION_WAIT_STATE]: newBlocks } }),
    },
  );
  const ports = composer(engine);
  const handlers = (await createHandlers(ports, WORKFLOW_FUNCTION_DEFINITIONS)) as Record<TaskPlaceholder, TaskHandler>;
  for (const placeholder of Object.keys(handlers) as TaskPlaceholder[]) {
    const wrap = wrapHandlers?.[placeholder];
    bound[placeholder] = wrap === undefined ? handlers[placeholder] : wrap(handlers[placeholder]);
  }
  return { engine, composer: ports };
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

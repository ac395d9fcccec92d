import { ConflictError, IllegalTransitionError } from '../../domain/errors';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { executionInput } from './execution-input';
import { eventsAfter } from './transfer-events-builder';
import type { TransferDeps } from './transfer-deps';

/**
 * Starts the transfer's workflow once: the EXECUTION_STARTED event is appended first (conditionally),
 * so two callers racing to start it cannot both start it; the execution is named by the transfer.
 */
export async function startTransferExecution(
  deps: Pick<TransferDeps, 'events' | 'workflow' | 'clock'>,
  state: TransferState,
): Promise<TransferState> {
  if (state.executionName !== undefined) return state;
  let started: TransferState;
  try {
    started = await deps.events.append(
      state,
      eventsAfter(state, 'workflow', deps.clock(), [{ type: 'EXECUTION_STARTED', data: { executionName: state.id } }]),
    );
  } catch (error) {
    if (error instanceof ConflictError || error instanceof IllegalTransitionError)
      return (await deps.events.load(state.id)) ?? state;
    throw error;
  }
  await deps.workflow.start(state.id, executionInput(state.id, undefined));
  return started;
}

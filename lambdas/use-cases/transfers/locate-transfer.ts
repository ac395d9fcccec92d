import { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import { releaseIfDue } from './end-transfer';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';

/** The state an execution enters: the first for a new transfer, the one it stopped at after a restart. */
export type TransferStep = 'SCREEN' | 'POLICY' | 'APPROVAL' | 'PREPARE' | 'AUTHORIZE' | 'COMPENSATE' | 'TRACK' | 'DONE';

/**
 * Where a transfer's workflow stands, from its events alone. Executions live in memory locally, so a
 * restarted runtime starts a new execution per unfinished transfer and it resumes here (ARCHITECTURE.md
 * §2); in the cloud a new execution also starts here.
 */
export function locateTransfer(
  deps: Pick<TransferDeps, 'events' | 'ledger' | 'clock'>,
  input: StepInput,
): Promise<StepOutput<{ step: TransferStep }>> {
  return runTransferStep<{ step: TransferStep }>(deps.events, input, async (state) => {
    if (TERMINAL_STATUSES.has(state.status))
      return { result: { step: 'DONE' }, state: await releaseIfDue(deps, state, 'workflow:locate') };
    return { result: { step: stepOf(state) }, state };
  });
}

function stepOf(state: TransferState): TransferStep {
  if (state.attempts.length > 0 || state.replacementRequested)
    return state.replacementRequested ? 'AUTHORIZE' : 'TRACK';
  if (state.cancelRequested !== undefined) return 'COMPENSATE';
  switch (state.status) {
    case 'SUBMITTED':
    case 'PENDING_SCREENING':
      return state.screening === 'CLEARED' ? 'POLICY' : 'SCREEN';
    case 'PENDING_AUTHORIZATION':
      return 'APPROVAL';
    case 'QUEUED':
      return state.transaction === undefined ? 'PREPARE' : 'AUTHORIZE';
    default:
      return 'AUTHORIZE';
  }
}

import { TERMINAL_STATUSES } from '../../domain/lifecycle/transfer-events';
import { releaseIfDue } from './end-transfer';
import { loadTransfer } from './load-transfer';
import type { TransferDeps } from './transfer-deps';

/** The state an execution enters: the first for a new transfer, the one it stopped at after a restart. */
export type TransferStep = 'SCREEN' | 'POLICY' | 'APPROVAL' | 'PREPARE' | 'AUTHORIZE' | 'COMPENSATE' | 'TRACK' | 'DONE';

/**
 * Where a transfer's workflow stands, from its events alone. Executions live in memory locally, so a
 * restarted runtime starts a new execution per unfinished transfer and it resumes here (ARCHITECTURE.md
 * §2); in the cloud a new execution also starts here.
 */
export async function locateTransfer(
  deps: Pick<TransferDeps, 'events' | 'ledger' | 'clock'>,
  input: { readonly transferId: string },
): Promise<{ step: TransferStep }> {
  const state = await loadTransfer(deps.events, input.transferId);
  if (TERMINAL_STATUSES.has(state.status)) {
    await releaseIfDue(deps, state, 'workflow:locate');
    return { step: 'DONE' };
  }
  if (state.attempts.length > 0 || state.replacementRequested)
    return { step: state.replacementRequested ? 'AUTHORIZE' : 'TRACK' };
  if (state.cancelRequested !== undefined) return { step: 'COMPENSATE' };
  switch (state.status) {
    case 'SUBMITTED':
    case 'PENDING_SCREENING':
      return { step: state.screening === 'CLEARED' ? 'POLICY' : 'SCREEN' };
    case 'PENDING_AUTHORIZATION':
      return { step: 'APPROVAL' };
    case 'QUEUED':
      return { step: state.transaction === undefined ? 'PREPARE' : 'AUTHORIZE' };
    default:
      return { step: 'AUTHORIZE' };
  }
}

import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { checkpointIdOf } from '../../domain/proof/audit-checkpoint';

/**
 * Signs a checkpoint (a Merkle root over the trace heads that changed, chained to the previous
 * checkpoint) with the audit key, when anything was appended since the last one (an EventBridge schedule in the cloud, the local runtime's sweep on one machine), so a
 * deleted record or a truncated trace is detected, not only an edit.
 */
export const writeAuditCheckpointFunction = defineFunction(
  FUNCTIONS.writeAuditCheckpoint,
  (deps) => async (): Promise<{ checkpointId?: string }> => {
    const checkpoint = await deps.audit.writeCheckpoint(deps.clock());
    return checkpoint === undefined ? {} : { checkpointId: checkpointIdOf(checkpoint.number) };
  },
);

export const { handler } = writeAuditCheckpointFunction;

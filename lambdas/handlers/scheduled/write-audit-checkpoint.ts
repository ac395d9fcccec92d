import { dependencies } from '../../composition/dependencies';

/**
 * Signs a checkpoint of the audit chain heads with the audit key, when anything was appended since
 * the last one (an EventBridge schedule in the cloud, the local runtime's sweep on one machine), so a
 * deleted record or a truncated trace is detected, not only an edit.
 */
export async function handler(): Promise<{ checkpointId?: string }> {
  const deps = await dependencies();
  const checkpoint = await deps.audit.writeCheckpoint(deps.clock());
  return checkpoint === undefined ? {} : { checkpointId: checkpoint.checkpointId };
}

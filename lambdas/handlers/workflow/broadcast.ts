import { broadcastTransfer } from '../../use-cases/transfers/broadcast-transfer';
import { workflowTask } from './workflow-task';

/** Broadcast: the newest signed attempt to the chain; success is our hash known or mined. */
export const handler = workflowTask('Broadcast', (deps, { transferId, fields }) =>
  broadcastTransfer(deps, { transferId, stream: fields.stream }),
);

import { broadcastTransfer } from '../../use-cases/transfers/broadcast-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Broadcast: the newest signed attempt to the chain; success is our hash known or mined. */
export const broadcastFunction = workflowTask('Broadcast', FUNCTIONS.broadcast, (deps, { transferId, fields }) =>
  broadcastTransfer(deps, { transferId, stream: fields.stream }),
);

export const { handler } = broadcastFunction;

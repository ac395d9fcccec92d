import { settleTransfer } from '../../use-cases/transfers/settle-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Settle: the ledger books the outcome the chain shows, with the actual fee. */
export const settleFunction = workflowTask('Settle', FUNCTIONS.settle, (deps, { transferId, fields }) =>
  settleTransfer(deps, { transferId, stream: fields.stream }),
);

export const { handler } = settleFunction;

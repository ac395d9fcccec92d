import { settleTransfer } from '../../use-cases/transfers/settle-transfer';
import { workflowTask } from './workflow-task';

/** Settle: the ledger books the outcome the chain shows, with the actual fee. */
export const handler = workflowTask('Settle', (deps, { transferId, fields }) =>
  settleTransfer(deps, { transferId, stream: fields.stream }),
);

import { prepareTransfer } from '../../use-cases/transfers/prepare-transfer';
import { workflowTask } from './workflow-task';

/** Prepare: nonce, gas and fees of the unsigned EIP-1559 transaction. */
export const handler = workflowTask('Prepare', (deps, { transferId, fields }) =>
  prepareTransfer(deps, { transferId, stream: fields.stream }),
);

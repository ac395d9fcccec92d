import { prepareTransfer } from '../../use-cases/transfers/prepare-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Prepare: nonce, gas and fees of the unsigned EIP-1559 transaction. */
export const prepareFunction = workflowTask('Prepare', FUNCTIONS.prepare, (deps, { transferId, fields }) =>
  prepareTransfer(deps, { transferId, stream: fields.stream }),
);

export const { handler } = prepareFunction;

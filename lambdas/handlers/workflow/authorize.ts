import { authorizeTransfer } from '../../use-cases/transfers/authorize-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Authorize: policy again, quorum recounted, the proof signed by the approval key. */
export const authorizeFunction = workflowTask('Authorize', FUNCTIONS.authorize, (deps, { transferId, fields }) =>
  authorizeTransfer(deps, { transferId, stream: fields.stream }),
);

export const { handler } = authorizeFunction;

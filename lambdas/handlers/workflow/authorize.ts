import { authorizeTransfer } from '../../use-cases/transfers/authorize-transfer';
import { workflowTask } from './workflow-task';

/** Authorize: policy again, quorum recounted, the proof signed by the approval key. */
export const handler = workflowTask('Authorize', (deps, { transferId, fields }) =>
  authorizeTransfer(deps, { transferId, stream: fields.stream }),
);

import { screenTransfer } from '../../use-cases/transfers/screen-transfer';
import { workflowTask } from './workflow-task';

/** Screen: destination screening and the travel-rule record. */
export const handler = workflowTask('Screen', (deps, { transferId, fields }) =>
  screenTransfer(deps, { transferId, stream: fields.stream }),
);

import { locateTransfer } from '../../use-cases/transfers/locate-transfer';
import { workflowTask } from './workflow-task';

/** Locate: where a (new or resumed) execution of this transfer starts. */
export const handler = workflowTask('Locate', (deps, { transferId, fields }) =>
  locateTransfer(deps, { transferId, stream: fields.stream }),
);

import { locateTransfer } from '../../use-cases/transfers/locate-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Locate: where a (new or resumed) execution of this transfer starts. */
export const locateFunction = workflowTask('Locate', FUNCTIONS.locate, (deps, { transferId, fields }) =>
  locateTransfer(deps, { transferId, stream: fields.stream }),
);

export const { handler } = locateFunction;

import { screenTransfer } from '../../use-cases/transfers/screen-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Screen: destination screening and the travel-rule record. */
export const screenFunction = workflowTask('Screen', FUNCTIONS.screen, (deps, { transferId, fields }) =>
  screenTransfer(deps, { transferId, stream: fields.stream }),
);

export const { handler } = screenFunction;

import { compensateTransfer } from '../../use-cases/transfers/compensate-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** Compensate: ends a transfer that failed before signing and releases its funds; in doubt after. */
export const compensateFunction = workflowTask('Compensate', FUNCTIONS.compensate, (deps, { transferId, fields }) =>
  compensateTransfer(deps, { transferId, error: fields.error, cause: fields.cause }),
);

export const { handler } = compensateFunction;

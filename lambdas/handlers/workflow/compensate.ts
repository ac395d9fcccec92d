import { compensateTransfer } from '../../use-cases/transfers/compensate-transfer';
import { workflowTask } from './workflow-task';

/** Compensate: ends a transfer that failed before signing and releases its funds; in doubt after. */
export const handler = workflowTask('Compensate', (deps, { transferId, fields }) =>
  compensateTransfer(deps, { transferId, error: fields.error, cause: fields.cause }),
);

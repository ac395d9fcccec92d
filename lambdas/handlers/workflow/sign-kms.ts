import { signTransfer } from '../../use-cases/transfers/sign-transfer';
import { workflowTask } from './workflow-task';

/** SignKms: the custody key signs the transaction rebuilt from the verified proof. */
export const handler = workflowTask('SignKms', (deps, { transferId, fields }) =>
  signTransfer(deps, { transferId, stream: fields.stream, proof: fields.proof, signature: fields.signature }),
);

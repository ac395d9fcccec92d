import { signTransfer } from '../../use-cases/transfers/sign-transfer';
import { FUNCTIONS } from '../../composition/functions';
import { workflowTask } from './workflow-task';

/** SignKms: the custody key signs the transaction rebuilt from the verified proof. */
export const signKmsFunction = workflowTask('SignKms', FUNCTIONS.signKms, (deps, { transferId, fields }) =>
  signTransfer(deps, { transferId, stream: fields.stream, proof: fields.proof, signature: fields.signature }),
);

export const { handler } = signKmsFunction;

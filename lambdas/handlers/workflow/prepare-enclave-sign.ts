import { FUNCTIONS } from '../../composition/functions';
import { prepareEnclaveSigning } from '../../use-cases/transfers/enclave-signing';
import { workflowTask } from './workflow-task';

/** PrepareEnclaveSign: the proof checked, SIGNING_REQUESTED recorded, and the job the Sign state queues for the enclave. */
export const prepareEnclaveSignFunction = workflowTask(
  'PrepareEnclaveSign',
  FUNCTIONS.prepareEnclaveSign,
  (deps, { transferId, fields }) =>
    prepareEnclaveSigning(deps, {
      transferId,
      stream: fields.stream,
      proof: fields.proof,
      signature: fields.signature,
    }),
);

export const { handler } = prepareEnclaveSignFunction;

import { FUNCTIONS } from '../../composition/functions';
import { recordEnclaveSignature } from '../../use-cases/transfers/enclave-signing';
import { workflowTask } from './workflow-task';

/** RecordEnclaveSignature: what the enclave signed, checked against the proof and the wallet's key, then SIGNED. */
export const recordEnclaveSignatureFunction = workflowTask(
  'RecordEnclaveSignature',
  FUNCTIONS.recordEnclaveSignature,
  (deps, { transferId, fields }) =>
    recordEnclaveSignature(deps, {
      transferId,
      stream: fields.stream,
      proof: fields.proof,
      signature: fields.signature,
      signed: fields.signed,
    }),
);

export const { handler } = recordEnclaveSignatureFunction;

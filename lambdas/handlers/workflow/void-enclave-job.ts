import { FUNCTIONS } from '../../composition/functions';
import { checkString, type StringRule } from '../../domain/validation';
import { voidEnclaveJob } from '../../use-cases/transfers/enclave-signing';
import { workflowTask } from './workflow-task';

/**
 * VoidEnclaveJob: after the enclave signing task failed or timed out, what became of its job, settled
 * in the job ledger: voided or refused (no signature: compensate), signed after all (recorded), or
 * claimed without an answer (retried, then in doubt).
 */
/** `${transferId}:${attempt}:${proofId}`: the use case checks it names one of the transfer's attempts. */
const JOB_ID_RULE: StringRule = {
  maxLength: 160,
  pattern: /^[A-Za-z0-9_.-]+:[0-9]+:0x[0-9a-fA-F]{64}$/,
  patternHint: 'a signing job id: "<transferId>:<attempt>:<proofId>"',
};

export const voidEnclaveJobFunction = workflowTask(
  'VoidEnclaveJob',
  FUNCTIONS.voidEnclaveJob,
  (deps, { transferId, fields }) =>
    voidEnclaveJob(deps, {
      transferId,
      stream: fields.stream,
      proof: fields.proof,
      signature: fields.signature,
      jobId: checkString(fields.jobId, 'jobId', JOB_ID_RULE),
      error: fields.error,
    }),
);

export const { handler } = voidEnclaveJobFunction;

import { jobAnswerOf } from '../../../../enclave-host/host/job-answer';

describe('jobAnswerOf', () => {
  it.each(['ENCLAVE.PROOF_INVALID', 'ENCLAVE.SHARE_INVALID', 'COSIGNER.CAP_EXCEEDED', 'COSIGNER.UNAVAILABLE'])(
    'reads back a stored refusal with code %s (the enclave, the co-signer, or the host for an unreachable co-signer)',
    (code) => {
      expect(jobAnswerOf({ kind: 'refused', code, message: 'why', extra: 'dropped' })).toEqual({
        kind: 'refused',
        code,
        message: 'why',
      });
    },
  );

  it.each(['ENCLAVE.JOB_VOIDED', 'COSIGNER.SOMETHING_NEW', 'COSIGNER.SHARE_CONFLICT', 'cosigner.cap_exceeded', 42])(
    'refuses a stored refusal with code %s: no job is ever answered with it',
    (code) => {
      expect(jobAnswerOf({ kind: 'refused', code, message: 'why' })).toBeUndefined();
    },
  );
});

import { parseSigningJob } from '../../../../enclave-host/host/parse-signing-job';
import { signingJob, TASK_TOKEN } from './host-test-kit';

describe('parseSigningJob', () => {
  it('reads a job with every field of the contract', () => {
    const job = signingJob();
    expect(parseSigningJob(JSON.stringify(job))).toEqual({ ok: true, job });
  });

  it.each([
    ['an unknown field', { ...signingJob(), extra: 1 }, 'the job has an unexpected field'],
    [
      'a job id of another transfer',
      signingJob({ jobId: 'tx-9999:1:proof-0001' }),
      'jobId is not transferId:attempt:proofId',
    ],
    ['a job id without its proof', signingJob({ jobId: 'tx-0001:1' }), 'jobId is not transferId:attempt:proofId'],
    ['a proof that is not an object', signingJob({ proof: 'signed' }), 'proof is not an object'],
    ['a signature that is not hex', signingJob({ proofSignature: '0xzz' }), 'proofSignature is malformed'],
    [
      'a sealed key of another format',
      { ...signingJob(), sealedKey: { ...signingJob().sealedKey, format: 'v0' } },
      'sealedKey.format is not strongroom.sealed.v1',
    ],
    [
      'a sealed key with an unknown field',
      { ...signingJob(), sealedKey: { ...signingJob().sealedKey, plaintext: '00' } },
      'sealedKey has an unexpected field',
    ],
  ])('refuses %s, keeping the readable token', (_, body, reason) => {
    expect(parseSigningJob(JSON.stringify(body))).toEqual({ ok: false, reason, taskToken: TASK_TOKEN });
  });

  it('refuses a body without a readable token, and never quotes the body', () => {
    const result = parseSigningJob(JSON.stringify({ ...signingJob(), taskToken: '' }));
    expect(result).toEqual({ ok: false, reason: 'taskToken is missing or malformed' });
    expect(parseSigningJob(`not json ${TASK_TOKEN}`)).toEqual({ ok: false, reason: 'the body is not JSON' });
    expect(parseSigningJob(undefined)).toEqual({ ok: false, reason: 'the body is not JSON' });
    expect(parseSigningJob('[1]')).toEqual({ ok: false, reason: 'the body is not a JSON object' });
  });
});

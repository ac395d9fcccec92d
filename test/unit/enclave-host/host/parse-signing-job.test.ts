import { parseSigningJob } from '../../../../enclave-host/host/parse-signing-job';
import { keyJob, mpcJob, mpcKeyJob, RECOVERY_PUBLIC_KEY, signingJob, TASK_TOKEN } from './host-test-kit';

const withPurpose = (job: ReturnType<typeof signingJob>, purpose: string) => ({
  ...job,
  sealedKey: { ...job.sealedKey, context: { ...job.sealedKey.context, purpose } },
});

describe('parseSigningJob', () => {
  it("reads a signing job with every field of the contract, without `kind` (as sent before key jobs) or with 'sign'", () => {
    const job = signingJob();
    expect(parseSigningJob(JSON.stringify(job))).toEqual({ ok: true, job: { ...job, kind: 'sign' } });
    expect(parseSigningJob(JSON.stringify({ ...job, kind: 'sign' }))).toEqual({
      ok: true,
      job: { ...job, kind: 'sign' },
    });
  });

  it("reads an mpc wallet's job: scheme 'mpc', its sealed key the wallet's sealed share 1 (purpose key-share)", () => {
    const job = mpcJob();
    expect(parseSigningJob(JSON.stringify(job))).toEqual({ ok: true, job: { ...job, kind: 'sign', scheme: 'mpc' } });
  });

  it("reads an enclave wallet's job that names its scheme ('enclave', as the workflow now always sends it)", () => {
    const job = signingJob({ scheme: 'enclave' });
    expect(parseSigningJob(JSON.stringify(job))).toEqual({
      ok: true,
      job: { ...job, kind: 'sign', scheme: 'enclave' },
    });
  });

  it('reads a key job: its kind, its job id wallet:<walletId>, its token and wallet', () => {
    const job = keyJob();
    expect(parseSigningJob(JSON.stringify(job))).toEqual({ ok: true, job });
  });

  it("reads an mpc key job: kind createMpcKey, the same job id wallet:<walletId>, and the customer's recovery key", () => {
    const job = mpcKeyJob();
    expect(parseSigningJob(JSON.stringify(job))).toEqual({ ok: true, job });
    expect(job.recoveryPublicKey).toBe(RECOVERY_PUBLIC_KEY);
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
    ['an unknown kind', { ...signingJob(), kind: 'rotate' }, 'kind is not sign, createAgentKey or createMpcKey'],
    ['a key job for another wallet', keyJob({ jobId: 'wallet:wallet-other' }), 'jobId is not wallet:walletId'],
    ['a key job without its wallet', { ...keyJob(), walletId: undefined }, 'walletId is missing or not a string'],
    ['a key job with a proof', { ...keyJob(), proof: {} }, 'the job has an unexpected field'],
    [
      'a sealed key with an unknown field',
      { ...signingJob(), sealedKey: { ...signingJob().sealedKey, plaintext: '00' } },
      'sealedKey has an unexpected field',
    ],
    ['a scheme other than enclave or mpc', { ...signingJob(), scheme: 'threshold' }, 'scheme is not enclave or mpc'],
    ['a null scheme', { ...signingJob(), scheme: null }, 'scheme is not enclave or mpc'],
    ['a scheme spelled otherwise', { ...signingJob(), scheme: 'Enclave' }, 'scheme is not enclave or mpc'],
    [
      'an enclave-scheme job whose sealed key is a key share',
      withPurpose(signingJob({ scheme: 'enclave' }), 'key-share'),
      'sealedKey.context.purpose is not agent-key',
    ],
    ['an mpc key job for another wallet', mpcKeyJob({ jobId: 'wallet:wallet-other' }), 'jobId is not wallet:walletId'],
    [
      'an mpc key job without its recovery key',
      { ...mpcKeyJob(), recoveryPublicKey: undefined },
      'recoveryPublicKey must be a string',
    ],
    [
      'an mpc key job whose recovery key is not 32 bytes',
      mpcKeyJob({ recoveryPublicKey: Buffer.alloc(33, 9).toString('base64url') }),
      'recoveryPublicKey must encode 32 bytes (43 characters), not 33',
    ],
    [
      'an mpc key job whose recovery key is not canonical base64url',
      // The last character carries low bits that 32 bytes leave unused: Node would decode it leniently.
      mpcKeyJob({ recoveryPublicKey: `${RECOVERY_PUBLIC_KEY.slice(0, -1)}B` }),
      'recoveryPublicKey is not canonical base64url',
    ],
    [
      'an mpc key job with a sealed key',
      { ...mpcKeyJob(), sealedKey: signingJob().sealedKey },
      'the job has an unexpected field',
    ],
    ['an mpc key job with a scheme', { ...mpcKeyJob(), scheme: 'mpc' }, 'the job has an unexpected field'],
    [
      "an mpc job whose sealed key is an enclave wallet's agent key",
      withPurpose(mpcJob(), 'agent-key'),
      'sealedKey.context.purpose is not key-share',
    ],
    [
      "an enclave wallet's job whose sealed key is a key share",
      withPurpose(signingJob(), 'key-share'),
      'sealedKey.context.purpose is not agent-key',
    ],
    ['a key job with a scheme', { ...keyJob(), scheme: 'mpc' }, 'the job has an unexpected field'],
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

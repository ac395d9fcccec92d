import { createdMpcKeyOf, jobAnswerOf, sameAnswer } from '../../../../enclave-host/host/job-answer';
import { createdKey, createdMpcKey } from './host-test-kit';

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

describe('createdMpcKeyOf', () => {
  const key = createdMpcKey(1);
  const lower = key.address.toLowerCase() as `0x${string}`;

  it('reads a created mpc key, copying only its fields (the enclave result’s op stays behind)', () => {
    expect(createdMpcKeyOf({ op: 'createMpcKey', ...key })).toEqual(key);
    expect(jobAnswerOf({ kind: 'created-mpc', result: key })).toEqual({ kind: 'created-mpc', result: key });
  });

  it('tells two mpc answers apart by their sealed share 1, and never takes one for an agent key', () => {
    const mpc = { kind: 'created-mpc', result: key } as const;
    expect(sameAnswer(mpc, { kind: 'created-mpc', result: createdMpcKey(1) })).toBe(true);
    expect(sameAnswer(mpc, { kind: 'created-mpc', result: createdMpcKey(2) })).toBe(false);
    expect(sameAnswer(mpc, { kind: 'created', result: createdKey(1) })).toBe(false);
  });

  const context = (share: 'coSignerShare' | 'recoveryShare', change: Record<string, unknown>) => ({
    ...key,
    [share]: { ...key[share], context: { ...key[share].context, ...change } },
  });

  it.each([
    ['an address that is not checksummed', { ...key, address: lower }],
    ['no epoch', { ...key, epoch: undefined }],
    ['an epoch with a leading zero', { ...key, epoch: '01' }],
    ['an attestation that is not base64', { ...key, attestation: 'not base64!' }],
    [
      'a sealed share of another address',
      { ...key, sealedShare: { ...key.sealedShare, address: createdMpcKey(2).address } },
    ],
    [
      'a sealed share of another epoch',
      { ...key, sealedShare: { ...key.sealedShare, context: { ...key.sealedShare.context, version: '2' } } },
    ],
    [
      'a sealed share that is an agent key',
      { ...key, sealedShare: { ...key.sealedShare, context: { ...key.sealedShare.context, purpose: 'agent-key' } } },
    ],
    ['share 2 of another wallet', context('coSignerShare', { walletId: 'wallet-other' })],
    ['share 2 of another deployment', context('coSignerShare', { deployment: 'other' })],
    ['share 2 numbered 3', context('coSignerShare', { share: '3' })],
    ['share 2 with its address in lower case', context('coSignerShare', { address: lower })],
    ['share 3 of another epoch', context('recoveryShare', { epoch: '2' })],
    ['share 3 with an extra context field', context('recoveryShare', { purpose: 'key-share' })],
    ['share 2 of another format', { ...key, coSignerShare: { ...key.coSignerShare, format: 'strongroom.sealed.v1' } }],
    [
      'share 2 whose ciphertext is not canonical base64',
      { ...key, coSignerShare: { ...key.coSignerShare, ciphertextBlob: 'AB==' } },
    ],
    ['share 2 with an extra field', { ...key, coSignerShare: { ...key.coSignerShare, plaintext: 'AA==' } }],
    ['share 3 whose enc is not 32 bytes', { ...key, recoveryShare: { ...key.recoveryShare, enc: 'AAAA' } }],
    [
      'share 3 whose ciphertext is not one sealed share',
      { ...key, recoveryShare: { ...key.recoveryShare, ciphertext: Buffer.alloc(48).toString('base64url') } },
    ],
    [
      'share 3 in standard base64',
      { ...key, recoveryShare: { ...key.recoveryShare, enc: Buffer.alloc(32, 0xfb).toString('base64') } },
    ],
    ['no share 3', { ...key, recoveryShare: undefined }],
  ])('refuses %s', (_, value) => {
    expect(createdMpcKeyOf(value)).toBeUndefined();
    expect(jobAnswerOf({ kind: 'created-mpc', result: value })).toBeUndefined();
  });
});

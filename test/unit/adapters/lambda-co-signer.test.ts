import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { CoSignerReleaseRequest, CoSignerShare } from '../../../enclave-host/contract';
import { lambdaCoSignerClient, lambdaCoSignerRegistry } from '../../../lambdas/adapters/co-signer/lambda-co-signer';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

const FUNCTION = 'StrongroomStateless-CoSignerFunction-abc';
/** A payload as the SDK hands it back (a Uint8Array with transformToString, which the adapter does not use). */
const bytes = (text: string) => new TextEncoder().encode(text) as never;
const encode = (value: unknown) => bytes(JSON.stringify(value));
const answers = (value: unknown) => lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(value) });
const sentEvent = (): unknown =>
  JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array));

const context = { deployment: 'd', walletId: 'w-1', address: '0x0000000000000000000000000000000000000001', epoch: '1' };
const share: CoSignerShare = {
  format: 'strongroom.cosigner-share.v1',
  context: { ...context, address: context.address as `0x${string}`, share: '2' },
  ciphertextBlob: 'AAAA',
};
const request: CoSignerReleaseRequest = {
  jobId: 't-1:1:0x00',
  walletId: 'w-1',
  proof: {},
  proofSignature: '0x00',
  attestation: 'AA==',
};
const sealed = { format: 'strongroom.hpke.v1', context: { ...context, share: '2' }, enc: 'ZW5j', ciphertext: 'Y3Q' };

const registry = () => lambdaCoSignerRegistry(FUNCTION, () => new LambdaClient({ region: 'eu-west-1' }));
const client = () => lambdaCoSignerClient(FUNCTION, () => new LambdaClient({ region: 'eu-west-1' }));

describe('the co-signer over Lambda Invoke', () => {
  it('register: sends the registration as op "register" (RequestResponse) and returns the answer', async () => {
    answers({ ok: true, outcome: 'registered', walletId: 'w-1', epoch: '1' });
    const registration = { coSignerShare: share, attestation: 'AA==', recoveryShareCiphertext: 'AA' };
    expect(await registry().register(registration)).toEqual({
      ok: true,
      outcome: 'registered',
      walletId: 'w-1',
      epoch: '1',
    });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: FUNCTION, InvocationType: 'RequestResponse' });
    expect(sentEvent()).toEqual({ op: 'register', ...registration });
  });

  it('retire: sends op "retire" and returns the outcome', async () => {
    answers({ ok: true, outcome: 'already-retired' });
    expect(await registry().retire('w-1', '1', 'KEY_REVOKED')).toEqual({ ok: true, outcome: 'already-retired' });
    expect(sentEvent()).toEqual({ op: 'retire', walletId: 'w-1', epoch: '1', reason: 'KEY_REVOKED' });
  });

  it('a refusal is returned, not thrown (registry and host client)', async () => {
    answers({ ok: false, code: 'COSIGNER.ATTESTATION_INVALID', message: 'the key’s attestation does not vouch' });
    expect(
      await registry().register({ coSignerShare: share, attestation: 'AA==', recoveryShareCiphertext: 'AA' }),
    ).toEqual({ ok: false, code: 'COSIGNER.ATTESTATION_INVALID', message: 'the key’s attestation does not vouch' });
    answers({ ok: false, code: 'COSIGNER.CAP_EXCEEDED', message: 'over the cap' });
    expect(await client().release(request)).toEqual({
      ok: false,
      code: 'COSIGNER.CAP_EXCEEDED',
      message: 'over the cap',
    });
  });

  it('release: returns the sealed share', async () => {
    answers({ ok: true, share: sealed });
    expect(await client().release(request)).toEqual({ ok: true, share: sealed });
    expect(sentEvent()).toEqual({ op: 'release', request });
  });

  it('a function error throws COSIGNER.UNAVAILABLE naming its type, never its message', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'DependencyUnavailableError', errorMessage: 'KMS said SECRET-ISH', trace: [] }),
    });
    const failure = client().release(request);
    await expect(failure).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(failure).rejects.toMatchObject({
      code: 'COSIGNER.UNAVAILABLE',
      message: expect.stringContaining('DependencyUnavailableError'),
      details: { op: 'release', errorType: 'DependencyUnavailableError' },
    });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('SECRET-ISH') });
    await expect(registry().retire('w-1', '1', 'r')).rejects.toMatchObject({ code: 'COSIGNER.UNAVAILABLE' });
  });

  it('a transport failure throws COSIGNER.UNAVAILABLE', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(client().release(request)).rejects.toMatchObject({
      code: 'COSIGNER.UNAVAILABLE',
      details: { error: 'TimeoutError' },
    });
  });

  it.each([
    ['not JSON', bytes('<html>')],
    ['null', encode(null)],
    ['no ok', encode({ share: sealed })],
    ['a release without a share', encode({ ok: true })],
    ['a share of another format', encode({ ok: true, share: { ...sealed, format: 'plain' } })],
    ['a share without its context', encode({ ok: true, share: { ...sealed, context: undefined } })],
    ['a refusal without a code', encode({ ok: false, message: 'no' })],
    ['a refusal with a code of something else', encode({ ok: false, code: 'ENCLAVE.REFUSED', message: 'no' })],
  ])('a malformed answer (%s) throws', async (_what, payload) => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload });
    await expect(client().release(request)).rejects.toMatchObject({ code: 'COSIGNER.UNAVAILABLE' });
  });

  it('malformed registry answers throw', async () => {
    answers({ ok: true, outcome: 'stored', walletId: 'w-1', epoch: '1' });
    await expect(
      registry().register({ coSignerShare: share, attestation: 'AA==', recoveryShareCiphertext: 'AA' }),
    ).rejects.toMatchObject({ code: 'COSIGNER.UNAVAILABLE' });
    answers({ ok: true, outcome: 'gone' });
    await expect(registry().retire('w-1', '1', 'r')).rejects.toMatchObject({ code: 'COSIGNER.UNAVAILABLE' });
  });

  it('without a configured function every call throws COSIGNER.UNAVAILABLE, and no client is made', async () => {
    const make = jest.fn(() => new LambdaClient({}));
    const unconfigured = lambdaCoSignerRegistry(undefined, make);
    await expect(unconfigured.retire('w-1', '1', 'r')).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      code: 'COSIGNER.UNAVAILABLE',
    });
    await expect(
      unconfigured.register({ coSignerShare: share, attestation: 'AA==', recoveryShareCiphertext: 'AA' }),
    ).rejects.toMatchObject({ code: 'COSIGNER.UNAVAILABLE' });
    expect(make).not.toHaveBeenCalled();
  });
});

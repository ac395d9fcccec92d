import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { startLambdaStandIn, type LambdaFunctionRunner } from '../../../local/aws/lambda-stand-in';
import type { LoopbackServer } from '../../../local/aws/loopback-server';
import { lambdaCoSignerClient } from '../../../lambdas/adapters/co-signer/lambda-co-signer';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:StrongroomStateless-CoSigner-abc';
const NAME = 'StrongroomStateless-CoSigner-abc';

let server: LoopbackServer;
let client: LambdaClient;
const runs: unknown[] = [];
let behaviour: LambdaFunctionRunner;

beforeAll(async () => {
  server = await startLambdaStandIn((nameOrArn) =>
    nameOrArn === NAME || nameOrArn === ARN
      ? (event) => {
          runs.push(event);
          return behaviour(event);
        }
      : undefined,
  );
  client = new LambdaClient({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await server.close();
});
beforeEach(() => {
  runs.length = 0;
  behaviour = async (event) => ({ echoed: event });
});

const invoke = (functionName: string, payload: unknown) =>
  client.send(
    new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
  );
const decoded = (payload: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(payload));

describe('the Lambda Invoke stand-in', () => {
  it('runs the function a name or an ARN names, with the event as sent, and answers its result', async () => {
    for (const name of [NAME, ARN]) {
      const output = await invoke(name, { op: 'retire', walletId: 'w-1' });
      expect(output.StatusCode).toBe(200);
      expect(output.FunctionError).toBeUndefined();
      expect(output.ExecutedVersion).toBe('$LATEST');
      expect(decoded(output.Payload)).toEqual({ echoed: { op: 'retire', walletId: 'w-1' } });
    }
    expect(runs).toHaveLength(2);
  });

  it('answers a function that threw as Lambda does: 200, FunctionError Unhandled, its errorType and message', async () => {
    behaviour = async () => {
      throw Object.assign(new Error('KMS did not answer'), { name: 'DependencyUnavailableError' });
    };
    const output = await invoke(NAME, {});
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(decoded(output.Payload)).toEqual({
      errorType: 'DependencyUnavailableError',
      errorMessage: 'KMS did not answer',
    });
  });

  it('refuses an unknown function with ResourceNotFoundException, running nothing', async () => {
    await expect(invoke('another-function', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(runs).toEqual([]);
  });

  it('refuses an unsigned request, as Lambda does', async () => {
    const response = await fetch(`${server.url}/2015-03-31/functions/${NAME}/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(runs).toEqual([]);
  });

  it('refuses a body that is not JSON, and asynchronous invocations it does not serve', async () => {
    await expect(
      client.send(new InvokeCommand({ FunctionName: NAME, Payload: new TextEncoder().encode('not json') })),
    ).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
    await expect(
      client.send(new InvokeCommand({ FunctionName: NAME, InvocationType: 'Event', Payload: new Uint8Array() })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    expect(runs).toEqual([]);
  });

  it('carries the co-signer client’s release to the function and its refusal back', async () => {
    behaviour = async () => ({ ok: false, code: 'COSIGNER.CAP_EXCEEDED', message: 'over the cap' });
    const coSigner = lambdaCoSignerClient(ARN, () => client);
    const request = { jobId: 'j', walletId: 'w-1', proof: {}, proofSignature: '0x00' as const, attestation: 'AA==' };
    expect(await coSigner.release(request)).toEqual({
      ok: false,
      code: 'COSIGNER.CAP_EXCEEDED',
      message: 'over the cap',
    });
    expect(runs).toEqual([{ op: 'release', request }]);
  });
});

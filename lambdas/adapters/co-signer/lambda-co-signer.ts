import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type {
  CoSignerClient,
  CoSignerInvocation,
  CoSignerRegistrationAnswer,
  CoSignerReleaseAnswer,
  CoSignerRetireAnswer,
  HpkeSealed,
} from '../../../enclave-host/contract';
import { DependencyUnavailableError } from '../../domain/errors';
import type { CoSignerRegistry } from '../../ports/co-signer-registry';

/**
 * The co-signer function as the wallets and governance functions reach it: a Lambda Invoke
 * (RequestResponse) of the function the deployment names. Without one (a deployment without an enclave
 * host, so without mpc wallets) every call throws COSIGNER.UNAVAILABLE (503), as `cloudAgentKeys` does
 * for an unconfigured enclave. The client is built at the first call, only where a function exists.
 */
export function lambdaCoSignerRegistry(functionName: string | undefined, client: () => LambdaClient): CoSignerRegistry {
  if (functionName === undefined) {
    const unconfigured = async (): Promise<never> => {
      throw new DependencyUnavailableError('COSIGNER.UNAVAILABLE', 'this function is configured with no co-signer');
    };
    return { register: unconfigured, retire: unconfigured };
  }
  const invoke = invoker(functionName, client);
  return {
    register: async (registration) => registrationAnswer(await invoke({ op: 'register', ...registration })),
    retire: async (walletId, epoch, reason) => retireAnswer(await invoke({ op: 'retire', walletId, epoch, reason })),
  };
}

/**
 * The co-signer as the signing host reaches it (through the VPC's Lambda interface endpoint). A
 * function error, a transport failure or an answer that is not one throws (the host answers the job
 * COSIGNER.UNAVAILABLE); a refusal is returned as the co-signer gave it.
 */
export function lambdaCoSignerClient(functionName: string, client: () => LambdaClient): CoSignerClient {
  const invoke = invoker(functionName, client);
  return { release: async (request) => releaseAnswer(await invoke({ op: 'release', request })) };
}

/** One RequestResponse invocation: the parsed JSON answer, or COSIGNER.UNAVAILABLE naming what failed (never the payload). */
function invoker(functionName: string, client: () => LambdaClient): (event: CoSignerInvocation) => Promise<unknown> {
  let lambda: LambdaClient | undefined;
  return async (event) => {
    lambda ??= client();
    const unavailable = (message: string, cause?: unknown, details: Record<string, unknown> = {}) =>
      new DependencyUnavailableError('COSIGNER.UNAVAILABLE', `the co-signer (${event.op}): ${message}`, {
        ...(cause === undefined ? {} : { cause }),
        details: { op: event.op, ...details },
      });
    let output;
    try {
      output = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      throw unavailable(`the invocation failed: ${name}`, error, { error: name });
    }
    if (output.FunctionError !== undefined) {
      // Lambda's error payload is {errorType, errorMessage, trace}: only the type is passed on.
      const errorType = errorTypeOf(output.Payload);
      throw unavailable(`the function failed (${output.FunctionError}: ${errorType})`, undefined, { errorType });
    }
    try {
      return JSON.parse(new TextDecoder().decode(output.Payload ?? new Uint8Array())) as unknown;
    } catch (error) {
      throw unavailable('the answer is not JSON', error);
    }
  };
}

function errorTypeOf(payload: Uint8Array | undefined): string {
  try {
    const { errorType } = JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array())) as { errorType?: unknown };
    return typeof errorType === 'string' ? errorType.slice(0, 100) : 'unknown';
  } catch {
    return 'unknown';
  }
}

type Fields = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function malformed(op: CoSignerInvocation['op'], what: string): never {
  throw new DependencyUnavailableError('COSIGNER.UNAVAILABLE', `the co-signer (${op}) answered ${what}`, {
    details: { op },
  });
}

/** A refusal: `{ ok: false, code: "COSIGNER.…", message }`; the caller decides what each code means. */
function refusal(op: CoSignerInvocation['op'], answer: Fields): { ok: false; code: string; message: string } {
  const { code, message } = answer;
  if (typeof code !== 'string' || !/^COSIGNER\.[A-Z_]{1,64}$/.test(code) || typeof message !== 'string')
    malformed(op, 'a refusal without a COSIGNER code and a message');
  return { ok: false, code, message };
}

function releaseAnswer(answer: unknown): CoSignerReleaseAnswer {
  if (!isObject(answer) || typeof answer.ok !== 'boolean')
    return malformed('release', 'something that is not an answer');
  // The host checks the code against the contract's list; an unknown one is treated as unavailable there.
  if (!answer.ok) return refusal('release', answer) as CoSignerReleaseAnswer;
  const { share } = answer;
  if (!isHpkeSealed(share)) return malformed('release', 'a release without an HPKE-sealed share');
  return { ok: true, share };
}

function isHpkeSealed(value: unknown): value is HpkeSealed {
  if (!isObject(value) || value.format !== 'strongroom.hpke.v1') return false;
  const { context } = value;
  return (
    isText(value.enc) &&
    isText(value.ciphertext) &&
    isObject(context) &&
    ['deployment', 'walletId', 'address', 'epoch', 'share'].every((field) => isText(context[field]))
  );
}

function registrationAnswer(answer: unknown): CoSignerRegistrationAnswer {
  if (!isObject(answer) || typeof answer.ok !== 'boolean')
    return malformed('register', 'something that is not an answer');
  if (!answer.ok) return refusal('register', answer);
  const { outcome, walletId, epoch } = answer;
  if ((outcome !== 'registered' && outcome !== 'already-registered') || !isText(walletId) || !isText(epoch))
    return malformed('register', 'a registration without its outcome, wallet and epoch');
  return { ok: true, outcome, walletId, epoch };
}

function retireAnswer(answer: unknown): CoSignerRetireAnswer {
  if (!isObject(answer) || answer.ok !== true) return malformed('retire', 'something that is not an answer');
  const { outcome } = answer;
  if (outcome !== 'retired' && outcome !== 'already-retired' && outcome !== 'unknown')
    return malformed('retire', 'a retirement without its outcome');
  return { ok: true, outcome };
}

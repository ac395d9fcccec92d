import { BaseError, HttpRequestError, RpcRequestError, SocketClosedError, TimeoutError } from 'viem';
import { DependencyUnavailableError } from '../../domain/errors';

// JSON-RPC codes that say "not now" rather than "no": internal error, limit exceeded, resource unavailable.
const TRANSIENT_RPC_CODES = new Set([-32603, -32005, -32002]);

/** Whether an error from viem means the node could not be asked or could not answer, not that it said no. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof BaseError)) return error instanceof TypeError; // fetch failures surface as TypeError
  const transport = error.walk(
    (e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof SocketClosedError,
  );
  if (transport !== null) {
    // An HTTP error with a JSON-RPC body is an answer; no status or a 5xx/429 is not.
    const status = transport instanceof HttpRequestError ? transport.status : undefined;
    return status === undefined || status >= 500 || status === 429;
  }
  const rpc = error.walk((e) => e instanceof RpcRequestError);
  return rpc instanceof RpcRequestError && TRANSIENT_RPC_CODES.has(rpc.code);
}

/** The node's own short message, for details of a refusal (never used to decide anything). */
export function nodeMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage.slice(0, 300);
  return error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300);
}

/** Runs an RPC read; an unreachable node becomes DependencyUnavailableError, anything else is rethrown. */
export async function readChain<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isUnreachable(error)) {
      throw new DependencyUnavailableError('CHAIN.UNAVAILABLE', `the chain node did not answer (${what})`, {
        cause: error,
        details: { operation: what },
      });
    }
    throw error;
  }
}

import { startLocalApiServer } from '../../local/http/local-api-server';
import { loadApiRoutes } from '../../local/http/api-routes';
import { localDevRoutes } from '../../local/http/local-dev-routes';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/local-stack';

/** A response body as tests read it: JSON objects indexed freely (tests assert their shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests walk response bodies of many shapes
export type ApiBody = any;

/** The local stack behind its HTTP server, as `npm start` runs it, for end-to-end tests over HTTP. */
export interface StackUnderTest {
  readonly stack: LocalStack;
  readonly url: string;
  /** A bearer token for `sub` with `roles`. */
  token(sub: string, roles: readonly ('admin' | 'operator' | 'approver' | 'auditor')[]): Promise<string>;
  /** A request to the API; the JSON body parsed (or the raw text when it is not JSON). */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: ApiBody; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startStackUnderTest(options: LocalStackOptions = {}): Promise<StackUnderTest> {
  const stack = await startLocalStack({ sweepIntervalMs: 250, ...options });
  const server = await startLocalApiServer({
    port: 0,
    routes: await loadApiRoutes(),
    extraRoutes: localDevRoutes(stack),
  });
  return {
    stack,
    url: server.url,
    token: (sub, roles) => stack.mint(sub, roles),
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = {
        ...(callOptions.token === undefined ? {} : { authorization: `Bearer ${callOptions.token}` }),
        ...callOptions.headers,
      };
      let body: string | undefined = callOptions.rawBody;
      if (callOptions.body !== undefined) {
        body = JSON.stringify(callOptions.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async stop() {
      await server.close();
      await stack.stop();
    },
  };
}

/**
 * {@link startStackUnderTest} in a fresh module registry, so module state starts as in a new process,
 * as after a real restart of `npm start`: the API handlers read their token verification key when their
 * module loads (the local runtime loads them once the stack has set the environment) and keep it for the
 * life of the module, so a second stack in the same registry would still verify the first stack's tokens
 * and refuse its own. The registry stays isolated until the stack has started (its modules load then).
 */
export async function startStackInFreshModules(options: LocalStackOptions = {}): Promise<StackUnderTest> {
  let started: StackUnderTest | undefined;
  await jest.isolateModulesAsync(async () => {
    const { startStackUnderTest: start } = jest.requireActual<{
      readonly startStackUnderTest: typeof startStackUnderTest;
    }>('./local-stack-server');
    started = await start(options);
  });
  if (started === undefined) throw new Error('the isolated module registry did not start the local stack');
  return started;
}

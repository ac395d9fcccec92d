import { createWalletClient, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startLocalApiServer } from '../../local/http/local-api-server';
import { localDevRoutes } from '../../local/http/local-dev-routes';
import { poll } from './poll';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/local-stack';

/** A response body as tests read it: JSON objects indexed freely (tests assert their shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests walk response bodies of many shapes
export type ApiBody = any;

/** The local stack behind its HTTP server, as `npm start` runs it, for end-to-end tests over HTTP. */
export interface StackUnderTest {
  readonly stack: LocalStack;
  readonly url: string;
  /** A bearer token for `sub` with `roles`. */
  token(
    sub: string,
    roles: readonly ('admin' | 'operator' | 'approver' | 'auditor')[],
    wallets?: readonly string[],
  ): Promise<string>;
  /** A request to the API; the JSON body parsed (or the raw text when it is not JSON). */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: ApiBody; headers: Headers }>;
  /** A request that must succeed (a status below 300): its body, or an error naming the route, status and body. */
  ok(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<ApiBody>;
  /**
   * Sends `amount` wei to `wallet` from anvil's development account `fromAccount` and waits until the
   * deposit watcher has credited it (GET /v1/wallets/{id} shows it available).
   */
  deposit(
    wallet: { readonly id: string; readonly address: string },
    amount: bigint,
    adminToken: string,
    fromAccount: number,
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function startStackUnderTest(options: LocalStackOptions = {}): Promise<StackUnderTest> {
  const stack = await startLocalStack({ sweepIntervalMs: 250, ...options });
  const server = await startLocalApiServer({
    port: 0,
    routes: stack.routes,
    extraRoutes: localDevRoutes(stack),
  });
  stack.serveAt(server.url);
  const sut: StackUnderTest = {
    stack,
    url: server.url,
    token: (sub, roles, wallets) => stack.mint(sub, roles, undefined, wallets),
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
    async ok(method, path, token, body, headers) {
      const response = await sut.call(method, path, {
        token,
        ...(body === undefined ? {} : { body }),
        ...(headers === undefined ? {} : { headers }),
      });
      if (response.status >= 300)
        throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    async deposit(wallet, amount, adminToken, fromAccount) {
      const funder = createWalletClient({
        account: privateKeyToAccount(stack.anvil.accounts[fromAccount]?.privateKey as Hex),
        transport: http(stack.anvil.rpcUrl),
      });
      await funder.sendTransaction({ to: wallet.address as Address, value: amount, chain: null });
      await poll(async () => {
        const view = await sut.call('GET', `/v1/wallets/${wallet.id}`, { token: adminToken });
        const balances = (view.body?.balances ?? []) as { asset: string; available: string }[];
        return BigInt(balances.find((b) => b.asset === 'native')?.available ?? '0') >= amount ? true : undefined;
      }, 'the deposit to be credited');
    },
    async stop() {
      await server.close();
      await stack.stop();
    },
  };
  return sut;
}

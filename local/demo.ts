// `npm run demo`: one withdrawal through every control, over the HTTP API. Starts the stack itself
// unless one answers at STRONGROOM_URL (default http://127.0.0.1:8080). Exits 0 only if every step happened.
import { localDevRoutes } from './http/local-dev-routes';
import { startLocalApiServer } from './http/local-api-server';
import { startLocalStack } from './local-stack';
import { api, runDemo } from './demo/run-demo';
import './workflow/promise-with-resolvers';

async function main(): Promise<void> {
  const wanted = process.env.STRONGROOM_URL ?? 'http://127.0.0.1:8080';
  let base = wanted;
  let stop = async (): Promise<void> => undefined;
  if (!(await healthy(wanted))) {
    console.log(`No strongroom at ${wanted}: starting one for the demo …`);
    // A governance time-lock of 5 s (local only; deployments wait at least an hour, 24 h by default).
    const stack = await startLocalStack({ onMessage: () => undefined, governanceTimeLockSeconds: 5 });
    const server = await startLocalApiServer({
      port: 0,
      routes: stack.routes,
      extraRoutes: localDevRoutes(stack),
    });
    stack.serveAt(server.url);
    base = server.url;
    stop = async () => {
      await server.close();
      await stack.stop();
    };
  }
  try {
    const info = await api<{ rpcUrl: string }>(base, 'GET', '/local/info');
    await runDemo(base, info.rpcUrl);
  } finally {
    await stop();
  }
}

async function healthy(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/v1/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\nDemo FAILED: ${(error as Error).message}`);
    process.exit(1);
  },
);

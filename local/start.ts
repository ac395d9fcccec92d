// `npm start`: the whole custody stack on this machine (see README). Ctrl-C stops every child process.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { localDevRoutes } from './http/local-dev-routes';
import { startLocalApiServer } from './http/local-api-server';
import { startLocalStack } from './local-stack';
import './workflow/promise-with-resolvers';

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: process.env.STRONGROOM_PORT ?? '8080' },
      'governance-time-lock': {
        type: 'string',
        default: process.env.STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS ?? '86400',
      },
      quiet: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be a port number, got ${values.port}`);
  const timeLock = Number(values['governance-time-lock']);
  if (!Number.isInteger(timeLock) || timeLock < 0 || timeLock > 2_592_000)
    throw new Error(
      `--governance-time-lock must be whole seconds from 0 to 2592000, got ${values['governance-time-lock']}`,
    );
  const dataDir = values['data-dir'];
  const say = (line: string): void => {
    if (!values.quiet) console.log(line);
  };
  say('starting strongroom: DynamoDB Local, anvil, key vault, workflow runner …');
  const stack = await startLocalStack({
    ...(dataDir === undefined ? {} : { dataDir }),
    governanceTimeLockSeconds: timeLock,
    log: (line) => say(line),
    // The console is a log: the member's link (a secret) stays in the outbox, GET /local/outbox.
    onMessage: (message) =>
      say(
        `[outbox] to ${message.to} (${message.channel}): ${message.text.replace(message.link, '(their link: GET /local/outbox)')}`,
      ),
  });
  const server = await startLocalApiServer({
    port,
    routes: stack.routes,
    extraRoutes: localDevRoutes(stack),
  });
  // Links (approvals, passkey enrollments) name localhost: a browser takes a hostname, never an IP
  // address, as a passkey's relying party. The server itself listens on 127.0.0.1.
  stack.serveAt(server.url.replace('//127.0.0.1', '//localhost'));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const admin = await stack.mint('local-admin', ['admin'], 12 * 3600);
  console.log(`API:          ${server.url}/v1 (health: ${server.url}/v1/health)`);
  console.log(
    `Anvil RPC:    ${stack.anvil.rpcUrl} (chain ${stack.anvil.chainId}; funded development accounts from the standard "test … junk" mnemonic)`,
  );
  console.log(`Admin token:  ${admin}`);
  console.log(
    `Other tokens: curl -s -X POST ${server.url}/local/tokens -H 'content-type: application/json' -d '{"sub":"alice","roles":["approver"]}'  (roles: admin, operator, approver, auditor)`,
  );
  console.log(
    `Data:         ${stack.dataDir === undefined ? 'in memory (use --data-dir <path> to keep it)' : stack.dataDir}`,
  );
  console.log(
    `Registry token ${stack.token.symbol}: ${stack.token.address}; approver messages: ${server.url}/local/outbox`,
  );
  const governance = await stack.deps.governance.group();
  console.log(
    `Governance:   ${
      governance === undefined
        ? 'NOT BOOTSTRAPPED: every change applies at once until POST /v1/governance/bootstrap sets the group'
        : `${governance.quorum} of ${governance.members.length} members`
    }; time-lock ${
      timeLock === 0 ? '0 s (LOCAL ONLY: an approved change applies at once; a deployment refuses 0)' : `${timeLock} s`
    }`,
  );
  console.log(
    `Enclave:      the enclave program (synthetic NSM, LOCAL ONLY) starts with the first "keyScheme": "enclave" wallet; its signing host polls ${stack.enclave.queueUrl}`,
  );
  console.log(`Ready in ${seconds} s. Ctrl-C to stop.`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping …`);
    await server.close();
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`strongroom failed to start: ${(error as Error).message}`);
  process.exit(1);
});

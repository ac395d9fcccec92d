// The whole local stack end to end, behind its HTTP server as `npm start` runs it (DynamoDB Local in
// memory, anvil automining, the local vault, the ASL runner with the real handlers): 200 native
// transfers submitted over HTTP by 8 concurrent clients, each client submitting, polling until
// COMPLETED, then submitting the next. Reports throughput and latencies (this machine's figures) and,
// per completed transfer, what the cloud would be billed for: Lambda invocations, DynamoDB requests,
// key vault signatures and transfer events (counts that hold on AWS: same handlers, same ASL, same
// adapters). Every DynamoDB request and signature is attributed to what caused it (the submit, a
// workflow task, the bench's status polls, the background sweeps) through AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPublicClient, createWalletClient, http, parseEther, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { KeyVault } from '../lambdas/ports/key-vault';
import type { ApiRoute, ApiRoutes } from '../local/http/api-routes';
import { WORKFLOW_FUNCTION_DEFINITIONS, type TaskPlaceholder } from '../local/local-functions';
import { startLocalApiServer } from '../local/http/local-api-server';
import { localDevRoutes } from '../local/http/local-dev-routes';
import { startLocalStack, type LocalStackOptions } from '../local/local-stack';
import { percentile, sumOf, Tally } from './lib/tally';

const TRANSFERS = 200;
const CLIENTS = 8;
// Before the run, transfers one at a time: per-transfer counts without contention retries.
const SERIAL_TRANSFERS = 10;
const POLL_MS = 200;
const TRANSFER_TIMEOUT_MS = 120_000;
const CONFIRMATIONS = 1;
// The ASL's WaitForConfirmations takes `SecondsPath`, which Step Functions (and the local runner) require
// to be a whole number: 1 is the shortest poll that works (0.2 fails the execution at its first Wait).
const CONFIRMATION_POLL_SECONDS = 1;
const SWEEP_INTERVAL_MS = 250;
const FUNDING = parseEther('10');
const AMOUNT = parseEther('0.001');
const RECIPIENT: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const RESULTS = join(__dirname, 'results', 'local-stack.json');

const WRITE_COMMANDS = ['PutItem', 'TransactWriteItems', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'] as const;
const READ_COMMANDS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'] as const;
// The document client names its commands after itself (PutCommand); the service calls them PutItem.
const SERVICE_NAMES: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};
const serviceName = (commandName: string): string => {
  const bare = commandName.replace(/Command$/, '');
  return SERVICE_NAMES[bare] ?? bare;
};

const SUBMIT = 'POST /v1/transactions';
const STATUS = 'GET /v1/transactions/{id}';
const BACKGROUND = 'background';
const TASKS = Object.keys(WORKFLOW_FUNCTION_DEFINITIONS).map((key) => key.replace(/FunctionArn$/, ''));

type WrapHandlers = NonNullable<LocalStackOptions['wrapHandlers']>;

interface TransferRun {
  readonly id: string;
  readonly submitMs: number;
  readonly startedAt: number;
  readonly status: string;
  readonly endedAt?: number;
  /** Not completed: why its execution stopped, as the workflow engine tells it. */
  readonly execution?: string;
}

interface EventView {
  readonly type: string;
  readonly at: string;
}

export async function run(): Promise<void> {
  // What caused the code running now: `api:<METHOD> <resource>`, `task:<Name>`, or nothing (the sweeps, setup).
  const cause = new AsyncLocalStorage<string>();
  const causeNow = (): string => cause.getStore() ?? BACKGROUND;
  const dynamo = new Tally(); // `${cause}\t${command}`
  const signs = new Tally(); // `${cause}\t${purpose}`
  const tasks = new Tally(); // task name
  const api = new Tally(); // `${METHOD} ${resource}`

  const countingVault = (vault: KeyVault): KeyVault => ({
    createKey: (request) => vault.createKey(request),
    addressOf: (keyId) => vault.addressOf(keyId),
    signDigest: (keyId, digest, purpose) => {
      signs.add(`${causeNow()}\t${purpose}`);
      return vault.signDigest(keyId, digest, purpose);
    },
  });
  const wrapHandlers: WrapHandlers = {};
  for (const key of Object.keys(WORKFLOW_FUNCTION_DEFINITIONS) as TaskPlaceholder[]) {
    const task = key.replace(/FunctionArn$/, '');
    wrapHandlers[key] = (inner) => (event: unknown) => {
      tasks.add(task);
      return cause.run(`task:${task}`, () => inner(event));
    };
  }
  const countedRoutes = (routes: ApiRoutes): ApiRoutes =>
    Object.fromEntries(
      Object.entries(routes).map(([resource, route]): [string, ApiRoute] => [
        resource,
        {
          ...route,
          handler: (event, context) => {
            const name = `${event.httpMethod} ${resource}`;
            api.add(name);
            return cause.run(`api:${name}`, () => route.handler(event, context));
          },
        },
      ]),
    );

  const stack = await startLocalStack({
    confirmations: CONFIRMATIONS,
    confirmationPollSeconds: CONFIRMATION_POLL_SECONDS,
    sweepIntervalMs: SWEEP_INTERVAL_MS,
    provide: ({ vault }) => ({
      keyVault: countingVault(vault),
      onDynamoDbCommand: (command) => dynamo.add(`${causeNow()}\t${serviceName(command)}`),
    }),
    wrapHandlers,
  });
  const server = await startLocalApiServer({
    port: 0,
    routes: countedRoutes(stack.routes),
    extraRoutes: localDevRoutes(stack),
  });
  stack.serveAt(server.url);
  try {
    const call = async (
      method: string,
      path: string,
      token: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
    };
    const expect = async (
      status: number,
      reply: Promise<{ status: number; body: Record<string, unknown> }>,
      what: string,
    ): Promise<Record<string, unknown>> => {
      const got = await reply;
      if (got.status !== status) throw new Error(`${what}: ${got.status} ${JSON.stringify(got.body)}`);
      return got.body;
    };

    // Setup: wallets, each funded on chain and credited by the deposit watcher, with a policy allowing small ETH transfers.
    const admin = await stack.mint('bench-admin', ['admin'], 3_600);
    const operator = await stack.mint('bench-operator', ['operator'], 3_600);
    const chain = {
      id: stack.anvil.chainId,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [stack.anvil.rpcUrl] } },
    } as const;
    const funder = createWalletClient({
      account: privateKeyToAccount(stack.anvil.accounts[1]!.privateKey),
      chain,
      transport: http(stack.anvil.rpcUrl),
    });
    const setUpWallet = async (name: string, funding: bigint): Promise<string> => {
      const wallet = await expect(
        201,
        call('POST', '/v1/wallets', admin, { name, chainId: stack.anvil.chainId, keyScheme: 'kms' }),
        `create ${name}`,
      );
      const id = wallet.id as string;
      const fundingHash = await funder.sendTransaction({ to: wallet.address as Address, value: funding });
      await createPublicClient({ chain, transport: http(stack.anvil.rpcUrl) }).waitForTransactionReceipt({
        hash: fundingHash,
      });
      await waitFor(async () => {
        const view = await expect(200, call('GET', `/v1/wallets/${id}`, admin), `read ${name}`);
        const native = (view.balances as { asset: string; available: string }[]).find((b) => b.asset === 'native');
        return BigInt(native?.available ?? '0') >= funding ? true : undefined;
      }, `the deposit to ${name} to be credited`);
      await expect(
        200,
        call('PUT', `/v1/wallets/${id}/policy`, admin, {
          rules: [
            {
              id: 'small-eth',
              match: { assets: ['native'], amount: { max: parseEther('0.01').toString() } },
              action: { type: 'ALLOW' },
            },
          ],
          limits: {},
        }),
        `set the policy of ${name}`,
      );
      return id;
    };
    const walletId = await setUpWallet('bench wallet', FUNDING);

    // A phase: `transfers` transfers by `clients` clients, counters from its first submit on (setup excluded).
    const phase = async (
      label: string,
      clients: number,
      transfers: number,
      walletOf: (client: number) => string = () => walletId,
    ): Promise<Outcome> => {
      const before = {
        dynamo: dynamo.snapshot(),
        signs: signs.snapshot(),
        tasks: tasks.snapshot(),
        api: api.snapshot(),
      };
      const runs: TransferRun[] = [];
      let next = 0;
      const client = async (clientIndex: number): Promise<void> => {
        while (next < transfers) {
          const index = next++;
          const startedAt = performance.now();
          const accepted = await expect(
            202,
            call(
              'POST',
              '/v1/transactions',
              operator,
              { walletId: walletOf(clientIndex), to: RECIPIENT, asset: 'native', amount: AMOUNT.toString() },
              { 'idempotency-key': `bench-${label}-${index}` },
            ),
            `submit transfer ${index}`,
          );
          const submitMs = performance.now() - startedAt;
          const id = accepted.id as string;
          const deadline = startedAt + TRANSFER_TIMEOUT_MS;
          for (;;) {
            await sleep(POLL_MS);
            const view = await expect(200, call('GET', `/v1/transactions/${id}`, operator), `read transfer ${id}`);
            const status = view.status as string;
            if (status === 'COMPLETED') {
              runs.push({ id, submitMs, startedAt, status, endedAt: performance.now() });
              break;
            }
            if (['REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED'].includes(status) || performance.now() > deadline) {
              const execution = stack.engine.describe(id);
              runs.push({
                id,
                submitMs,
                startedAt,
                status: performance.now() > deadline ? `TIMED OUT (${status})` : status,
                ...(execution === undefined
                  ? {}
                  : { execution: `${execution.status} ${execution.error ?? ''} ${execution.cause ?? ''}`.trim() }),
              });
              break;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
      const counts = {
        dynamo: dynamo.since(before.dynamo),
        signs: signs.since(before.signs),
        tasks: tasks.since(before.tasks),
        api: api.since(before.api),
      };
      // After the phase (not counted): every transfer's events.
      const eventsOf = new Map<string, readonly EventView[]>();
      for (const r of runs)
        eventsOf.set(
          r.id,
          (await expect(200, call('GET', `/v1/transactions/${r.id}`, operator), `read transfer ${r.id}`))
            .events as EventView[],
        );
      return { clients, runs, counts, eventsOf };
    };

    // First a few transfers one at a time: the counts without contention (and a warm-up), then the run.
    const serial = figures(await phase('serial', 1, SERIAL_TRANSFERS));
    const main = figures(await phase('main', CLIENTS, TRANSFERS));
    report(main, serial);
    await writeResults(RESULTS, main, serial);
    // The same run with each client on a wallet of its own: no journal shared between concurrent transfers,
    // so what is left is DynamoDB Local's own capacity (one wallet's transfers serialize on its accounts).
    const own: string[] = [];
    for (let i = 0; i < CLIENTS; i++) own.push(await setUpWallet(`bench wallet ${i + 1}`, FUNDING / BigInt(CLIENTS)));
    reportSpread(figures(await phase('spread', CLIENTS, TRANSFERS, (client) => own[client] ?? walletId)));
  } finally {
    await server.close();
    await stack.stop();
  }
}

/** The one-wallet-per-client run, in brief. */
function reportSpread(spread: ReturnType<typeof figures>): void {
  const onPath = (field: 'writes' | 'reads'): number =>
    spread.per(
      spread.rows
        .filter((r) => r.cause === 'submit' || TASKS.includes(r.cause))
        .reduce((total, r) => total + (Number.isNaN(r[field]) ? 0 : r[field]), 0),
    );
  console.log(
    `\n  ${spread.clients} CLIENTS, EACH ON A WALLET OF ITS OWN (${spread.n} of ${spread.runs.length} COMPLETED): no journal shared between concurrent transfers`,
  );
  console.log(`    completed transfers per second                    ${spread.throughput.toFixed(2).padStart(7)}`);
  console.log(
    `    submit p50 / p95                                  ${spread.submit.p50.toFixed(0)} / ${spread.submit.p95.toFixed(0)} ms`,
  );
  console.log(
    `    submit → COMPLETED p50 / p95 (client)            ${spread.clientEndToEnd.p50.toFixed(0)} / ${spread.clientEndToEnd.p95.toFixed(0)} ms`,
  );
  console.log(
    `    DynamoDB writes / reads per transfer (path)       ${onPath('writes').toFixed(2)} / ${onPath('reads').toFixed(2)}`,
  );
}

interface Counts {
  readonly dynamo: Record<string, number>;
  readonly signs: Record<string, number>;
  readonly tasks: Record<string, number>;
  readonly api: Record<string, number>;
}

interface Outcome {
  readonly clients: number;
  readonly runs: readonly TransferRun[];
  readonly counts: Counts;
  readonly eventsOf: ReadonlyMap<string, readonly EventView[]>;
}

/** `${cause}\t${name}` counts → the causes, grouped as the report shows them. */
function group(cause: string): string {
  if (cause === `api:${SUBMIT}`) return 'submit';
  if (cause === `api:${STATUS}`) return 'status polls';
  if (cause.startsWith('task:')) return cause.slice('task:'.length);
  if (cause === BACKGROUND) return BACKGROUND;
  return `other (${cause})`;
}

const byCause = (counts: Readonly<Record<string, number>>, keep: (cause: string, name: string) => boolean): number =>
  sumOf(counts, (key) => {
    const [cause = '', name = ''] = key.split('\t');
    return keep(cause, name);
  });
const isWrite = (command: string): boolean => (WRITE_COMMANDS as readonly string[]).includes(command);
const isRead = (command: string): boolean => (READ_COMMANDS as readonly string[]).includes(command);

function figures(outcome: Outcome) {
  const { runs, counts, eventsOf } = outcome;
  const completed = runs.filter((r) => r.status === 'COMPLETED');
  const n = completed.length;
  const per = (value: number): number => (n === 0 ? Number.NaN : value / n);
  const firstSubmit = Math.min(...runs.map((r) => r.startedAt));
  const lastCompleted = Math.max(...completed.map((r) => r.endedAt!));
  const wallSeconds = (lastCompleted - firstSubmit) / 1_000;
  const submitMs = runs.map((r) => r.submitMs);
  const clientEndToEnd = completed.map((r) => r.endedAt! - r.startedAt);
  const serverEndToEnd = completed.map((r) => {
    const events = eventsOf.get(r.id) ?? [];
    // COMPLETED is the status after the last event (CONFIRMED, appended by Settle).
    const submitted = events.find((e) => e.type === 'SUBMITTED');
    const done = events.at(-1);
    return submitted === undefined || done === undefined ? Number.NaN : Date.parse(done.at) - Date.parse(submitted.at);
  });
  const eventCounts = completed.map((r) => eventsOf.get(r.id)?.length ?? 0);
  const sequences = new Tally();
  for (const r of completed) sequences.add((eventsOf.get(r.id) ?? []).map((e) => e.type).join(' → '));
  const commonSequence = Object.entries(sequences.since(new Map())).sort((a, b) => b[1] - a[1])[0];

  const causes = ['submit', ...TASKS, 'status polls', BACKGROUND];
  const otherCauses = [
    ...new Set(Object.keys({ ...counts.dynamo, ...counts.signs }).map((key) => group(key.split('\t')[0] ?? ''))),
  ].filter((c) => !causes.includes(c));
  const rows = [...causes, ...otherCauses].map((c) => ({
    cause: c,
    invocations:
      c === 'submit'
        ? (counts.api[SUBMIT] ?? 0)
        : c === 'status polls'
          ? (counts.api[STATUS] ?? 0)
          : TASKS.includes(c)
            ? (counts.tasks[c] ?? 0)
            : Number.NaN,
    writes: byCause(counts.dynamo, (cause, command) => group(cause) === c && isWrite(command)),
    reads: byCause(counts.dynamo, (cause, command) => group(cause) === c && isRead(command)),
    custodySigns: byCause(counts.signs, (cause, purpose) => group(cause) === c && purpose === 'custody'),
    approvalSigns: byCause(counts.signs, (cause, purpose) => group(cause) === c && purpose === 'approval'),
    auditSigns: byCause(counts.signs, (cause, purpose) => group(cause) === c && purpose === 'audit'),
  }));
  const transferPath = (c: string): boolean => c === 'submit' || TASKS.includes(c);
  const sum = (
    keep: (c: string) => boolean,
    field: 'writes' | 'reads' | 'custodySigns' | 'approvalSigns' | 'auditSigns' | 'invocations',
  ): number =>
    rows.filter((r) => keep(r.cause)).reduce((total, r) => total + (Number.isNaN(r[field]) ? 0 : r[field]), 0);
  const commandsOf = (keep: (c: string) => boolean): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [key, count] of Object.entries(counts.dynamo)) {
      const [cause = '', command = ''] = key.split('\t');
      if (keep(group(cause))) out[command] = (out[command] ?? 0) + count;
    }
    return out;
  };
  const t = counts.tasks;
  const task = (name: string): number => t[name] ?? 0;
  // Step Functions Standard bills state transitions: on this ASL's happy path, each task state plus the
  // Choice after Locate, Screen, EvaluatePolicy, Authorize and each TrackConfirmations, a Wait before
  // every TrackConfirmations but the first, and the final Succeed.
  const executions = task('Locate');
  const happyPath = task('RequestApproval') === 0 && task('Compensate') === 0 && completed.length === runs.length;
  const sfnStates =
    sumOf(t) +
    task('Locate') +
    task('Screen') +
    task('EvaluatePolicy') +
    task('Authorize') +
    task('TrackConfirmations') +
    (task('TrackConfirmations') - executions) +
    executions;

  return {
    clients: outcome.clients,
    counts,
    n,
    per,
    runs,
    wallSeconds,
    throughput: n / wallSeconds,
    submit: { p50: percentile(submitMs, 0.5), p95: percentile(submitMs, 0.95) },
    clientEndToEnd: { p50: percentile(clientEndToEnd, 0.5), p95: percentile(clientEndToEnd, 0.95) },
    serverEndToEnd: { p50: percentile(serverEndToEnd, 0.5), p95: percentile(serverEndToEnd, 0.95) },
    events: {
      total: eventCounts.reduce((a, b) => a + b, 0),
      min: Math.min(...eventCounts),
      max: Math.max(...eventCounts),
      commonSequence: commonSequence?.[0] ?? '',
      commonSequenceTransfers: commonSequence?.[1] ?? 0,
    },
    rows,
    transferPath: {
      workflowInvocations: sumOf(t),
      apiInvocations: counts.api[SUBMIT] ?? 0,
      writes: sum(transferPath, 'writes'),
      reads: sum(transferPath, 'reads'),
      custodySigns: sum(transferPath, 'custodySigns'),
      approvalSigns: sum(transferPath, 'approvalSigns'),
      auditSigns: sum(transferPath, 'auditSigns'),
      commands: commandsOf(transferPath),
    },
    statusPolls: { apiInvocations: counts.api[STATUS] ?? 0, commands: commandsOf((c) => c === 'status polls') },
    background: {
      commands: commandsOf((c) => c === BACKGROUND),
      signs:
        sum((c) => c === BACKGROUND, 'auditSigns') +
        sum((c) => c === BACKGROUND, 'approvalSigns') +
        sum((c) => c === BACKGROUND, 'custodySigns'),
    },
    allCommands: commandsOf(() => true),
    unexpectedWrites: Object.fromEntries(
      Object.entries(counts.dynamo)
        .filter(([key]) => ['UpdateItem', 'DeleteItem', 'BatchWriteItem'].includes(key.split('\t')[1] ?? ''))
        .map(([key, count]) => [`${key.split('\t')[1] ?? ''} (${group(key.split('\t')[0] ?? '')})`, count]),
    ),
    sfnStates: happyPath ? sfnStates : Number.NaN,
  };
}

type Figures = ReturnType<typeof figures>;

function report(main: Figures, serial: Figures): void {
  const d = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '–');
  const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '–');
  const both = (label: string, value: (f: Figures) => string, note = ''): void =>
    console.log(
      `    ${label.padEnd(46)} ${value(main).padStart(10)} ${value(serial).padStart(10)}${note === '' ? '' : `  ${note}`}`,
    );
  const perTransfer = (label: string, count: (f: Figures) => number, note = ''): void =>
    both(label, (f) => d(f.per(count(f))), note);
  const outcome = (f: Figures): string => {
    const failed = f.runs.filter((r) => r.status !== 'COMPLETED');
    return `${f.n} of ${f.runs.length} COMPLETED${failed.length === 0 ? '' : `; not completed: ${failed.map((r) => `${r.id} ${r.status}${r.execution === undefined ? '' : ` [execution ${r.execution}]`}`).join('; ')}`}`;
  };
  const cmd =
    (name: string, pick: (f: Figures) => Readonly<Record<string, number>>) =>
    (f: Figures): number =>
      pick(f)[name] ?? 0;

  console.log(
    `\nlocal stack end to end: native transfers over HTTP, each client submits, polls GET every ${POLL_MS} ms until COMPLETED, then submits the next`,
  );
  console.log(
    `  anvil automine, ${CONFIRMATIONS} confirmation, confirmation Wait ${CONFIRMATION_POLL_SECONDS} s in the ASL (the local runner ends it at anvil's next block), sweeps every ${SWEEP_INTERVAL_MS} ms, DynamoDB Local in memory; ${cpus().length} shared cores (${cpus()[0]?.model ?? 'unknown cpu'})`,
  );
  console.log(`  run:    ${CLIENTS} clients, ${outcome(main)}`);
  console.log(`  serial: 1 client, before the run (a warm-up, and the counts without contention), ${outcome(serial)}`);

  console.log(
    `\n  LOCAL-MACHINE FIGURES (this machine, not AWS: one process on shared cores, DynamoDB Local, automining anvil)`,
  );
  console.log(`    ${''.padEnd(46)} ${`${CLIENTS} clients`.padStart(10)} ${'1 client'.padStart(10)}`);
  both('completed transfers per second', (f) => d(f.throughput), '(first submit → last COMPLETED seen)');
  both('wall clock', (f) => `${f.wallSeconds.toFixed(1)} s`);
  both('submit, POST round trip, p50', (f) => ms(f.submit.p50));
  both('submit, POST round trip, p95', (f) => ms(f.submit.p95));
  both(
    'submit → COMPLETED seen by the client, p50',
    (f) => ms(f.clientEndToEnd.p50),
    `(includes up to ${POLL_MS} ms of polling)`,
  );
  both('submit → COMPLETED seen by the client, p95', (f) => ms(f.clientEndToEnd.p95));
  both('SUBMITTED → CONFIRMED event times, p50', (f) => ms(f.serverEndToEnd.p50), '(server clock, no polling)');
  both('SUBMITTED → CONFIRMED event times, p95', (f) => ms(f.serverEndToEnd.p95));

  console.log(
    `\n  COUNTS PER COMPLETED TRANSFER (hold on AWS: the same handlers, ASL, DynamoDB requests and key vault calls)`,
  );
  console.log(`    ${''.padEnd(46)} ${`${CLIENTS} clients`.padStart(10)} ${'1 client'.padStart(10)}`);
  perTransfer(
    'state transitions (transfer events appended)',
    (f) => f.events.total,
    `(min ${main.events.min}, max ${main.events.max})`,
  );
  perTransfer('workflow Lambda invocations', (f) => f.transferPath.workflowInvocations);
  for (const name of TASKS) {
    if ((main.counts.tasks[name] ?? 0) + (serial.counts.tasks[name] ?? 0) > 0)
      perTransfer(`  ${name}`, (f) => f.counts.tasks[name] ?? 0);
  }
  perTransfer('Step Functions states entered (derived)', (f) => f.sfnStates, '(task counts on the ASL happy path)');
  perTransfer('API Lambda invocations: submit', (f) => f.transferPath.apiInvocations);
  perTransfer(
    'API Lambda invocations: status polls',
    (f) => f.statusPolls.apiInvocations,
    `(this bench's client, every ${POLL_MS} ms)`,
  );
  perTransfer('DynamoDB write requests (submit + workflow)', (f) => f.transferPath.writes);
  for (const name of WRITE_COMMANDS)
    perTransfer(
      `  ${name}`,
      cmd(name, (f) => f.transferPath.commands),
      name === 'PutItem' || name === 'TransactWriteItems' ? '' : '(expected 0)',
    );
  perTransfer('DynamoDB read requests (submit + workflow)', (f) => f.transferPath.reads);
  for (const name of READ_COMMANDS) {
    if ((main.transferPath.commands[name] ?? 0) + (serial.transferPath.commands[name] ?? 0) > 0)
      perTransfer(
        `  ${name}`,
        cmd(name, (f) => f.transferPath.commands),
      );
  }
  perTransfer('key vault signatures: custody', (f) => f.transferPath.custodySigns);
  perTransfer('key vault signatures: approval (proofs)', (f) => f.transferPath.approvalSigns);
  perTransfer('key vault signatures: audit (in the transfer)', (f) => f.transferPath.auditSigns);
  console.log(
    `    besides the transfer path (depend on this bench's poll interval and the sweep schedule, not on the transfer):`,
  );
  perTransfer('  status polls: DynamoDB reads', (f) => sumOf(f.statusPolls.commands, isRead));
  perTransfer('  status polls: DynamoDB writes', (f) => sumOf(f.statusPolls.commands, isWrite));
  perTransfer(
    '  background sweeps: DynamoDB writes',
    (f) => sumOf(f.background.commands, isWrite),
    `(deposit watcher, expiry, audit checkpoint every ${SWEEP_INTERVAL_MS} ms)`,
  );
  perTransfer('  background sweeps: DynamoDB reads', (f) => sumOf(f.background.commands, isRead));
  perTransfer('  background sweeps: audit checkpoint signatures', (f) => f.background.signs);
  const unexpected = Object.entries(main.unexpectedWrites);
  if (unexpected.length > 0)
    console.log(
      `    note: writes other than PutItem/TransactWriteItems in the run (cause in brackets): ${unexpected.map(([key, count]) => `${key} ${count}`).join(', ')}`,
    );

  console.log(
    `\n  BY CAUSE, per completed transfer (${CLIENTS} clients; the 1-client figures for writes and reads beside them)`,
  );
  const header = [
    'cause',
    'invocations',
    'DDB writes',
    '(1 client)',
    'DDB reads',
    '(1 client)',
    'custody',
    'approval',
    'audit',
  ];
  const widths = [20, 11, 10, 10, 9, 10, 7, 8, 6];
  const line = (cells: readonly string[]): string =>
    `    ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`;
  console.log(line(header));
  for (const r of main.rows) {
    const s = serial.rows.find((x) => x.cause === r.cause);
    if (r.invocations === 0 && r.writes + r.reads + r.custodySigns + r.approvalSigns + r.auditSigns === 0) continue;
    const p = main.per;
    console.log(
      line([
        r.cause,
        d(p(r.invocations)),
        d(p(r.writes)),
        s === undefined ? '–' : d(serial.per(s.writes)),
        d(p(r.reads)),
        s === undefined ? '–' : d(serial.per(s.reads)),
        d(p(r.custodySigns)),
        d(p(r.approvalSigns)),
        d(p(r.auditSigns)),
      ]),
    );
  }
  const never = main.rows.filter((r) => r.invocations === 0 && r.writes + r.reads === 0).map((r) => r.cause);
  if (never.length > 0) console.log(`    (never ran: ${never.join(', ')})`);
  console.log(
    `    writes and reads above the 1-client figures come with concurrency: conditional writes that lost a race, re-read and retried (inferred: the 1-client path is exact);`,
  );
  console.log(
    `    TrackConfirmations above 1 is a check that found the transaction not yet mined and waited for the next block (at most ${CONFIRMATION_POLL_SECONDS} s).`,
  );
  console.log(
    `\n  transfer events: ${main.events.commonSequence}  (${main.events.commonSequenceTransfers} of ${main.n})`,
  );
  console.log(
    `  DynamoDB requests during the run, all causes: ${Object.entries(main.allCommands)
      .map(([c, v]) => `${c} ${v}`)
      .join(', ')}`,
  );
  console.log(`  results written to ${RESULTS}`);
}

function phaseResults(f: Figures) {
  const perTransfer = (record: Readonly<Record<string, number>>): Record<string, number | null> =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, round(f.per(v))]));
  return {
    clients: f.clients,
    transfers: f.runs.length,
    completed: f.n,
    notCompleted: f.runs
      .filter((r) => r.status !== 'COMPLETED')
      .map((r) => ({ id: r.id, status: r.status, execution: r.execution ?? null })),
    localMachine: {
      note: 'figures of this machine (one process, shared cores, DynamoDB Local, automining anvil), not of AWS',
      wallSeconds: round(f.wallSeconds),
      completedPerSecond: round(f.throughput),
      submitMs: { p50: round(f.submit.p50), p95: round(f.submit.p95) },
      submitToCompletedClientMs: {
        p50: round(f.clientEndToEnd.p50),
        p95: round(f.clientEndToEnd.p95),
        note: `includes up to ${POLL_MS} ms of polling`,
      },
      submittedToConfirmedEventMs: { p50: round(f.serverEndToEnd.p50), p95: round(f.serverEndToEnd.p95) },
    },
    perCompletedTransfer: {
      note: 'counts that hold on AWS (same handlers, ASL and adapter calls); status polls depend on the client, background on the sweep schedule',
      stateTransitions: round(f.per(f.events.total)),
      commonEventSequence: f.events.commonSequence,
      workflowInvocations: round(f.per(f.transferPath.workflowInvocations)),
      workflowInvocationsByTask: perTransfer(f.counts.tasks),
      stepFunctionsStatesEnteredDerived: round(f.per(f.sfnStates)),
      apiInvocations: {
        submit: round(f.per(f.transferPath.apiInvocations)),
        statusPolls: round(f.per(f.statusPolls.apiInvocations)),
      },
      dynamoDb: {
        transferPath: {
          writes: round(f.per(f.transferPath.writes)),
          reads: round(f.per(f.transferPath.reads)),
          byCommand: perTransfer(f.transferPath.commands),
        },
        statusPolls: perTransfer(f.statusPolls.commands),
        background: perTransfer(f.background.commands),
      },
      writesOtherThanPutOrTransact: f.unexpectedWrites,
      signatures: {
        custody: round(f.per(f.transferPath.custodySigns)),
        approval: round(f.per(f.transferPath.approvalSigns)),
        audit: round(f.per(f.transferPath.auditSigns)),
        backgroundAuditCheckpoints: round(f.per(f.background.signs)),
      },
      byCause: f.rows.map((r) => ({
        cause: r.cause,
        invocations: round(f.per(r.invocations)),
        writes: round(f.per(r.writes)),
        reads: round(f.per(r.reads)),
        custodySigns: round(f.per(r.custodySigns)),
        approvalSigns: round(f.per(r.approvalSigns)),
        auditSigns: round(f.per(r.auditSigns)),
      })),
    },
    totals: f.counts,
  };
}

async function writeResults(path: string, main: Figures, serial: Figures): Promise<void> {
  const results = {
    bench: 'local stack end to end',
    at: new Date().toISOString(),
    machine: { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
    setup: {
      pollMs: POLL_MS,
      confirmations: CONFIRMATIONS,
      confirmationPollSeconds: CONFIRMATION_POLL_SECONDS,
      sweepIntervalMs: SWEEP_INTERVAL_MS,
      amountWei: AMOUNT.toString(),
      chain: 'anvil automine',
      dynamodb: 'DynamoDB Local in memory',
    },
    run: phaseResults(main),
    serial: phaseResults(serial),
  };
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

const round = (value: number): number | null => (Number.isFinite(value) ? Math.round(value * 1_000) / 1_000 : null);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`gave up waiting for ${what}`);
}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createWalletClient, getAddress, http, parseEther, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { LocalKeyVault } from '../lambdas/adapters/local/local-key-vault';
import { OutboxNotifier, type OutboxMessage } from '../lambdas/adapters/local/outbox-notifier';
import { localTableNames } from '../lambdas/adapters/dynamodb/table-schema';
import { Composer, type Ports, type ProvidedPorts } from '../lambdas/composition/compose';
import type { Role } from '../lambdas/domain/principal';
import { NO_METRICS } from '../lambdas/observability/metrics';
import { apiRoutes, type ApiRoutes } from './http/api-routes';
import { API_FUNCTION_DEFINITIONS, createHandlers, SCHEDULED_FUNCTION_DEFINITIONS } from './local-functions';
import { RecordingAlarmSink } from '../lambdas/adapters/alarms/recording-alarm-sink';
import { startAnvil, type Anvil } from './anvil';
import { createDevTokenIssuer, type DevTokenIssuer } from './dev-tokens';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { composeTransferWorkflow, resumeInFlightTransfers, type WrapHandlers } from './workflow/transfer-workflow';
import type { LocalWorkflowEngine, SqsMessageSender } from './workflow/local-workflow-engine';
import { watchNewBlocks, type NewBlocks } from './workflow/watch-new-blocks';
import { localSfnClient } from './workflow/local-sfn-client';
import { LOCAL_CO_SIGNER_CAPS, startLocalEnclave, type LocalEnclave } from './enclave/local-enclave';
import type { CoSignerCaps } from '../lambdas/co-signer/co-signer-config';
import testToken from '../contracts/TestToken.json';

export interface LocalStackOptions {
  /** Keep DynamoDB Local, anvil, the key vault and the runtime secrets here; everything in memory when absent. */
  readonly dataDir?: string;
  /** Blocks a transfer waits for (default 1: anvil mines one block per transaction). */
  readonly confirmations?: number;
  /**
   * Whole seconds between confirmation checks when no block comes (default 1; the ASL's Wait takes
   * whole seconds only). A block mined by anvil ends the wait at once.
   */
  readonly confirmationPollSeconds?: number;
  /**
   * How long an approved governance change waits, open to veto, before it applies (default 86 400, as
   * deployed). 0 applies it as its quorum is reached: allowed here only, and `npm start` says so.
   */
  readonly governanceTimeLockSeconds?: number;
  /** How often the deposit watcher, the approval expiry sweep and the governance sweep run (default 1000 ms). */
  readonly sweepIntervalMs?: number;
  /** How often the balance reconciliation runs (default 10 000 ms; it reads every wallet's balances). */
  readonly reconcileIntervalMs?: number;
  readonly onMessage?: (message: OutboxMessage) => void;
  readonly log?: (line: string) => void;
  /** Tests and benches: what the handlers get instead of the defaults (a counting vault, a lossy chain, a DynamoDB request counter). */
  readonly provide?: (defaults: { readonly vault: LocalKeyVault }) => Omit<ProvidedPorts, 'workflow' | 'notifier'>;
  /** Tests and benches: replace task handlers of the workflow by ones made from them (see composeTransferWorkflow). */
  readonly wrapHandlers?: WrapHandlers;
  /** Tests: replace how the workflow sends signing jobs by one made from it (to deliver a job twice, say). */
  readonly wrapSendMessage?: (inner: SqsMessageSender) => SqsMessageSender;
  /**
   * Tests: the local co-signer's daily caps (issue 16), apart from any policy. Default: 1000 ETH and
   * 1000 LUSD per wallet per 24 h, more than a demo moves; a test gives a small cap to see it refuse.
   */
  readonly coSignerCaps?: CoSignerCaps;
  /** Tests: multiplies the signing task's HeartbeatSeconds, so an enclave that never answers is given up on sooner. */
  readonly heartbeatTimeScale?: number;
}

/** The whole custody stack on one machine, with handles for the HTTP server, the demo, tests and benches. */
export interface LocalStack {
  readonly anvil: Anvil;
  readonly dynamo: DynamoDbLocal;
  readonly engine: LocalWorkflowEngine;
  readonly outbox: OutboxNotifier;
  /** The enclave program, the signing host and the in-process co-signer (enclave and mpc wallets' keys and signatures). */
  readonly enclave: LocalEnclave;
  /** Alarms raised (unexplained outflows, balance mismatches), also printed through `log`. */
  readonly alarms: RecordingAlarmSink;
  readonly tokens: DevTokenIssuer;
  /** Every port, over the same clients as the functions: to seed and read data beside them. */
  readonly deps: Ports;
  /** API v1 served by the API functions, built through their factories as their cold starts would. */
  readonly routes: ApiRoutes;
  /** The ERC-20 deployed at first start and listed in the chain's asset registry. */
  readonly token: { readonly address: Address; readonly symbol: string; readonly decimals: number };
  readonly dataDir?: string;
  /** Transfers whose workflow resumed at start. */
  readonly resumed: readonly string[];
  /** A dev bearer token; `wallets` limits it to those wallets (the `wallets` claim). */
  mint(sub: string, roles: readonly Role[], expiresInSeconds?: number, wallets?: readonly string[]): Promise<string>;
  /** Tells the stack where its API answers (the local server's URL, once it listens): approvers' links start there. */
  serveAt(baseUrl: string): void;
  stop(): Promise<void>;
}

interface RuntimeSecrets {
  readonly passphrase: string;
  readonly sealerKey: string;
  /** The MAC key of page tokens (hex); absent in secrets files written before it existed. */
  readonly pageTokenKey?: string;
  readonly approvalKeyId?: string;
  readonly auditKeyId?: string;
  readonly token?: Address;
}

const CHAIN_ID = 31337;
const GWEI = 1_000_000_000n;
// The development account that deploys the registry token (anvil's last default account).
const TOKEN_DEPLOYER_INDEX = 9;

/**
 * Boots DynamoDB Local, anvil, the local key vault and the ASL runner with the real handlers, the
 * deposit watcher and the approval expiry sweep. With `dataDir`, a restart finds its data, keys and
 * chain again and resumes every unfinished transfer from its events.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const [dynamo, anvil] = await Promise.all([
    startDynamoDbLocal(dataDir === undefined ? {} : { dbPath: join(dataDir, 'dynamodb') }),
    startAnvil({ chainId: CHAIN_ID, ...(dataDir === undefined ? {} : { dataDir: join(dataDir, 'anvil') }) }),
  ]);
  let newBlocks: NewBlocks | undefined;
  let enclave: LocalEnclave | undefined;
  try {
    const names = localTableNames('strongroom');
    await createTables(localDynamoDbClient(dynamo.endpoint), names);
    const secrets = await loadSecrets(dataDir);
    const vault = await LocalKeyVault.open({
      passphrase: secrets.passphrase,
      ...(dataDir === undefined ? {} : { directory: join(dataDir, 'keys') }),
    });
    const approvalKey =
      secrets.approvalKeyId ?? (await vault.createKey({ ownerId: 'deployment', purpose: 'approval' })).keyId;
    const auditKey = secrets.auditKeyId ?? (await vault.createKey({ ownerId: 'deployment', purpose: 'audit' })).keyId;
    const token = secrets.token ?? (await deployRegistryToken(anvil));
    const pageTokenKey = secrets.pageTokenKey ?? randomBytes(32).toString('hex');
    await saveSecrets(dataDir, { ...secrets, pageTokenKey, approvalKeyId: approvalKey, auditKeyId: auditKey, token });

    // A key per start: the API functions are built after it, and a token of an earlier run no longer verifies.
    const tokens = await createDevTokenIssuer({ issuer: 'strongroom-local', audience: 'strongroom-api' });
    Object.assign(process.env, tokens.env, {
      STRONGROOM_DEPLOYMENT_ID: 'strongroom-local',
      STRONGROOM_TABLES: JSON.stringify(names),
      STRONGROOM_DYNAMODB_ENDPOINT: dynamo.endpoint,
      STRONGROOM_CHAINS: JSON.stringify([localChainConfig(anvil.rpcUrl, options.confirmations ?? 1, token)]),
      STRONGROOM_KEY_BACKEND: 'local',
      STRONGROOM_LOCAL_VAULT_PASSPHRASE: secrets.passphrase,
      STRONGROOM_LOCAL_SEALER_KEY: secrets.sealerKey,
      STRONGROOM_PAGE_TOKEN_KEY: pageTokenKey,
      STRONGROOM_APPROVAL_KEY_ID: approvalKey,
      STRONGROOM_APPROVAL_KEY_ADDRESS: await vault.addressOf(approvalKey),
      STRONGROOM_AUDIT_KEY_ID: auditKey,
      STRONGROOM_CONFIRMATION_POLL_SECONDS: String(options.confirmationPollSeconds ?? 1),
      STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS: String(options.governanceTimeLockSeconds ?? 86_400),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    if (dataDir !== undefined) process.env.STRONGROOM_LOCAL_VAULT_DIR = join(dataDir, 'keys');

    // Locally the confirmation loop runs when anvil mines a block, not a whole second later.
    newBlocks = await watchNewBlocks(anvil.rpcUrl, {
      onError: (error) => log(`block subscription ended (${error.message}): confirmation checks wait their seconds`),
    });
    // The enclave host (issue 15): its program as a child process, the signing host on the SQS stand-in,
    // its job ledger the signingJobs table here (the workflow voids jobs in it).
    const enclaveDir =
      dataDir === undefined ? mkdtempSync(join(tmpdir(), 'strongroom-enclave-')) : join(dataDir, 'enclave');
    const localEnclave = await startLocalEnclave({
      dir: enclaveDir,
      deploymentId: 'strongroom-local',
      approvalKeyAddress: await vault.addressOf(approvalKey),
      signingJobs: { endpoint: dynamo.endpoint, table: names.signingJobs },
      // The co-signer of mpc wallets (issue 16), in process on its own table, as its function is in the cloud.
      coSignerTable: { endpoint: dynamo.endpoint, table: names.coSigner },
      coSignerCaps: options.coSignerCaps ?? {
        default: { ...LOCAL_CO_SIGNER_CAPS.default, [token]: parseEther('1000') },
      },
      log,
    });
    enclave = localEnclave;
    const outbox = new OutboxNotifier(undefined, options.onMessage);
    const alarms = new RecordingAlarmSink((alarm) =>
      log(`ALARM ${alarm.kind} wallet ${alarm.walletId} exception ${alarm.exceptionId}: ${alarm.message}`),
    );
    let publicBaseUrl: string | undefined;
    const { engine, composer } = await composeTransferWorkflow(
      (workflow) =>
        new Composer(process.env, {
          alarms,
          metrics: NO_METRICS, // its operators read the log and the outbox; EMF lines would only clutter them
          keyVault: vault,
          agentKeys: localEnclave.agentKeys,
          coSigner: localEnclave.coSigner,
          ...(options.provide?.({ vault }) ?? {}),
          workflow,
          notifier: outbox,
          publicBaseUrl: () => {
            if (publicBaseUrl === undefined) throw new Error('no link can be made before the API server listens');
            return publicBaseUrl;
          },
        }),
      {
        newBlocks,
        sendMessage: options.wrapSendMessage?.(localEnclave.sendMessage) ?? localEnclave.sendMessage,
        substitutions: { SigningQueueUrl: localEnclave.queueUrl },
        ...(options.wrapHandlers === undefined ? {} : { wrapHandlers: options.wrapHandlers }),
        ...(options.heartbeatTimeScale === undefined ? {} : { heartbeatTimeScale: options.heartbeatTimeScale }),
      },
    );
    localEnclave.startHost(localSfnClient(engine));
    const [deps, api, jobs] = await Promise.all([
      composer.composeAll(),
      createHandlers(composer, API_FUNCTION_DEFINITIONS),
      createHandlers(composer, SCHEDULED_FUNCTION_DEFINITIONS),
    ]);
    const routes = apiRoutes({
      wallets: api.wallets,
      approvalGroups: api['approval-groups'],
      transactions: api.transactions,
      approvals: api.approvals,
      audit: api.audit,
      health: api.health,
      reconciliation: api.reconciliation,
      governance: api.governance,
    });
    const resumed = await resumeInFlightTransfers(deps.events, engine);
    if (resumed.length > 0) log(`resumed ${resumed.length} unfinished transfer(s)`);

    const sweeps = startSweeps(jobs, options.sweepIntervalMs ?? 1_000, options.reconcileIntervalMs ?? 10_000, log);
    let stopping: Promise<void> | undefined;
    return {
      anvil,
      dynamo,
      engine,
      enclave: localEnclave,
      outbox,
      alarms,
      tokens,
      deps,
      routes,
      token: { address: token, symbol: 'LUSD', decimals: 18 },
      ...(dataDir === undefined ? {} : { dataDir }),
      resumed,
      serveAt: (baseUrl) => {
        publicBaseUrl = baseUrl;
      },
      mint: (sub, roles, expiresInSeconds, wallets) =>
        tokens.mint({
          sub,
          roles,
          ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
          ...(wallets === undefined ? {} : { wallets }),
        }),
      stop: () =>
        (stopping ??= (async () => {
          await sweeps.stop();
          await engine.shutdown();
          await enclave?.stop();
          // A temporary enclave directory (no dataDir) holds nothing worth keeping: its keys were in memory.
          if (dataDir === undefined) rmSync(enclaveDir, { recursive: true, force: true });
          await newBlocks?.stop();
          await Promise.all([anvil.stop(), dynamo.stop()]);
        })()),
    };
  } catch (error) {
    await newBlocks?.stop();
    await enclave?.stop();
    await Promise.all([anvil.stop(), dynamo.stop()]);
    throw error;
  }
}

/**
 * The chain watcher (deposits, unexplained outflows), the approval expiry sweep and the audit
 * checkpoint, one pass at a time, on an interval; the balance reconciliation on its own, longer
 * interval, in the same queue, so it never runs while the watcher moves its cursor.
 */
function startSweeps(
  jobs: { readonly [K in keyof typeof SCHEDULED_FUNCTION_DEFINITIONS]: () => Promise<unknown> },
  intervalMs: number,
  reconcileIntervalMs: number,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const reconcileTimer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await jobs.reconcileBalances();
      } catch (error) {
        log(`reconciliation failed: ${(error as Error).name}: ${(error as Error).message}`);
      }
    });
  }, reconcileIntervalMs);
  reconcileTimer.unref();
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await jobs.watchDeposits();
        await jobs.expireApprovals();
        await jobs.applyGovernanceChanges();
        await jobs.writeAuditCheckpoint();
      } catch (error) {
        log(`sweep failed: ${(error as Error).name}: ${(error as Error).message}`);
      }
    });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(reconcileTimer);
      await running;
    },
  };
}

function localChainConfig(rpcUrl: string, confirmations: number, token: Address): Record<string, unknown> {
  return {
    chainId: CHAIN_ID,
    name: 'anvil',
    rpcUrl,
    confirmations,
    maxFeePerGasCap: (100n * GWEI).toString(),
    maxPriorityFeePerGasCap: (2n * GWEI).toString(),
    feeCeiling: (200n * GWEI).toString(),
    gasLimitMarginPercent: 20,
    gasLimitCeilings: { native: '21000', erc20: '100000', contractCall: '300000' },
    stuckAfterSeconds: 30,
    tokens: [{ address: token, symbol: 'LUSD', decimals: 18 }],
    depositStartBlock: '0',
    depositScanBlocks: 200,
  };
}

/** Deploys the registry ERC-20 ("Local USD") from a development account, 1 000 000 000 tokens to it. */
async function deployRegistryToken(anvil: Anvil): Promise<Address> {
  const deployer = anvil.accounts[TOKEN_DEPLOYER_INDEX];
  if (deployer === undefined) throw new Error('anvil has too few development accounts');
  const wallet = createWalletClient({
    account: privateKeyToAccount(deployer.privateKey),
    transport: http(anvil.rpcUrl),
  });
  const hash = await wallet.deployContract({
    abi: testToken.abi,
    bytecode: testToken.bytecode as Hex,
    args: ['Local USD', 'LUSD', 18, 10n ** 27n],
    chain: null,
  });
  for (let i = 0; i < 100; i++) {
    const receipt = (await (
      await fetch(anvil.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionReceipt', params: [hash] }),
      })
    ).json()) as {
      result: { contractAddress: string; status: string } | null;
    };
    if (receipt.result !== null) {
      if (receipt.result.status !== '0x1') throw new Error('the registry token deployment reverted');
      return getAddress(receipt.result.contractAddress);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the registry token deployment was never mined');
}

/**
 * The runtime's own secrets: the vault passphrase, the sealing key and the page token key. With a data directory they
 * are generated once and kept in `runtime-secrets.json` (mode 0600) so a restart can open its vault;
 * this is a development convenience: a deployment keeps them in KMS.
 */
async function loadSecrets(dataDir: string | undefined): Promise<RuntimeSecrets> {
  const path = dataDir === undefined ? undefined : join(dataDir, 'runtime-secrets.json');
  if (path !== undefined && existsSync(path)) return JSON.parse(await readFile(path, 'utf8')) as RuntimeSecrets;
  return { passphrase: randomBytes(24).toString('base64url'), sealerKey: randomBytes(32).toString('hex') };
}

async function saveSecrets(dataDir: string | undefined, secrets: RuntimeSecrets): Promise<void> {
  if (dataDir === undefined) return;
  const path = join(dataDir, 'runtime-secrets.json');
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

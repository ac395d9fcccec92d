import { DynamoJobLedger } from '../../enclave-host/host/dynamo-job-ledger';
import { Logger } from '@aws-lambda-powertools/logger';
import { cloudAgentKeys } from '../adapters/enclave/cloud-agent-keys';
import { lambdaCoSignerRegistry } from '../adapters/co-signer/lambda-co-signer';
import type { AgentKeys } from '../ports/agent-keys';
import type { CoSignerRegistry } from '../ports/co-signer-registry';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LogAlarmSink } from '../adapters/alarms/log-alarm-sink';
import { StaticChainRegistry } from '../adapters/chain/static-chain-registry';
import { ViemChainGateway } from '../adapters/chain/viem-chain-gateway';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoApprovalGroupStore } from '../adapters/dynamodb/dynamo-approval-group-store';
import { DynamoApprovalStore } from '../adapters/dynamodb/dynamo-approval-store';
import { DynamoAuditLog } from '../adapters/dynamodb/dynamo-audit-log';
import { DynamoCursorStore } from '../adapters/dynamodb/dynamo-cursor-store';
import { DynamoGovernanceStore } from '../adapters/dynamodb/dynamo-governance-store';
import { DynamoPasskeyStore } from '../adapters/dynamodb/dynamo-passkey-store';
import { DynamoLedgerStore } from '../adapters/dynamodb/dynamo-ledger-store';
import { DynamoNonceStore } from '../adapters/dynamodb/dynamo-nonce-store';
import { DynamoReconciliationStore } from '../adapters/dynamodb/dynamo-reconciliation-store';
import { DynamoTransferEventStore } from '../adapters/dynamodb/dynamo-transfer-event-store';
import { DynamoTransferSubmissionStore } from '../adapters/dynamodb/dynamo-transfer-submission-store';
import { DynamoWalletStore } from '../adapters/dynamodb/dynamo-wallet-store';
import { PageTokens } from '../adapters/dynamodb/page-token';
import { DEFAULT_RETRY } from '../adapters/dynamodb/retry';
import { kmsClient } from '../adapters/kms/kms-client';
import { KmsKeyVault } from '../adapters/kms/kms-key-vault';
import { KmsSecretSealer } from '../adapters/kms/kms-secret-sealer';
import { AesGcmSecretSealer } from '../adapters/local/aes-gcm-secret-sealer';
import { LocalKeyVault } from '../adapters/local/local-key-vault';
import { DenyListScreeningProvider } from '../adapters/screening/deny-list-screening-provider';
import { SfnWorkflowEngine } from '../adapters/sfn/sfn-workflow-engine';
import { SnsApprovalNotifier } from '../adapters/sns/sns-approval-notifier';
import { readPageTokenSecret } from '../adapters/secrets/page-token-secret';
import { sameAddress } from '../domain/address';
import { SigningError } from '../domain/errors';
import type { AlarmSink } from '../ports/alarm-sink';
import type { CheckpointSigner } from '../ports/audit-log';
import type { ChainRegistry } from '../ports/chain-registry';
import type { CursorStore } from '../ports/cursor-store';
import type { GovernanceStore } from '../ports/governance-store';
import type { KeyVault } from '../ports/key-vault';
import type { Notifier } from '../ports/notifier';
import type { ReconciliationStore } from '../ports/reconciliation-store';
import type { SecretSealer } from '../ports/secret-sealer';
import type { WorkflowEngine } from '../ports/workflow-engine';
import { proofSigner } from '../signing/proof-signer';
import { cloudMetrics, type Metrics } from '../observability/metrics';
import { traced } from '../observability/tracing';
import type { TransferDeps } from '../use-cases/transfers/transfer-deps';
import { PORT_NAMES, resourcesOf, type FunctionManifest, type PortName } from './function-manifest';
import { ConfigReader } from './runtime-config';

/** Every port a handler can be given: the transfer use cases' and the scheduled jobs'. */
export interface Ports extends TransferDeps {
  readonly cursors: CursorStore;
  /** The reconciliation exception queue (unexplained outflows, balance mismatches). */
  readonly reconciliation: ReconciliationStore;
  readonly alarms: AlarmSink;
  /** Counts and timings (CloudWatch EMF in Lambda). */
  readonly metrics: Metrics;
  /** Change requests and the governance group. */
  readonly governance: GovernanceStore;
  /** How long an approved change waits, open to veto, before it takes effect. */
  readonly governanceTimeLockSeconds: number;
}

/** The ports a manifest names, and no others. */
export type PortsOf<M extends FunctionManifest> = Pick<Ports, M['ports'][number]>;

/** Instances the embedding process supplies instead of building them (the local runtime, tests). */
export interface ProvidedPorts {
  readonly workflow?: WorkflowEngine;
  readonly notifier?: Notifier;
  readonly keyVault?: KeyVault;
  /**
   * The enclave (the local runtime's enclave process). When absent: the agent-key provisioning state
   * machine if the deployment configures it, otherwise unreachable (503 ENCLAVE.UNAVAILABLE).
   */
  readonly agentKeys?: AgentKeys;
  /** The co-signer (the local runtime's, in process). When absent: the co-signer function, by Lambda Invoke. */
  readonly coSigner?: CoSignerRegistry;
  readonly chains?: ChainRegistry;
  readonly clock?: () => Date;
  /** Where alarms go; a structured error log line (for a metric filter) when absent. */
  readonly alarms?: AlarmSink;
  /** The API's public base URL, asked for when a link is made (the local server knows its port only once listening). */
  readonly publicBaseUrl?: () => string;
  /** Where counts and timings go; CloudWatch (EMF, through Powertools) when absent. */
  readonly metrics?: Metrics;
  /** Told the name of every DynamoDB command sent (benchmarks count write requests with it). */
  readonly onDynamoDbCommand?: (commandName: string) => void;
}

/**
 * Builds the ports of functions from their manifests: the composition root of every handler. A
 * Lambda function has one composer and composes once, at cold start; the local runtime has one for
 * all its functions, so they share their clients, key vault and configuration as one process would.
 * Only what a manifest names is built and only the configuration those ports need is read, so a
 * function deployed with only its own variables starts, and a missing one fails its start, naming it.
 */
export class Composer {
  private readonly config: ConfigReader;
  private doc?: DynamoDBDocumentClient;
  private keyVault?: Promise<KeyVault>;
  private sealer?: SecretSealer;
  private pageTokens?: Promise<PageTokens>;
  private chains?: ChainRegistry;
  private approvalKeyChecked?: Promise<void>;

  constructor(
    env: NodeJS.ProcessEnv = process.env,
    private readonly provided: ProvidedPorts = {},
  ) {
    this.config = new ConfigReader(env);
  }

  /**
   * Reads and checks, synchronously, every variable the ports of `manifest` need: what a cold start
   * does first, so that a function whose deployment lacks one fails its init, naming it.
   */
  readConfiguration(manifest: FunctionManifest): void {
    const resources = resourcesOf(manifest);
    const ports = new Set<PortName>(manifest.ports);
    const config = this.config;
    config.deploymentId();
    if (resources.tables.size > 0) config.tables([...resources.tables.keys()]);
    if (ports.has('chains') && this.provided.chains === undefined) config.chains();
    const { keys } = resources;
    if (keys.custody !== undefined || keys.approval !== undefined || keys.audit !== undefined || keys.sealer) {
      const backend = config.keyBackend();
      if (keys.sealer && backend.kind === 'kms') config.sealerKeyId();
    }
    if (keys.approval !== undefined) {
      config.approvalKeyId();
      config.approvalKeyAddress();
    }
    if (keys.audit !== undefined) config.auditKeyId();
    if (resources.pageTokenSecret && config.localPageTokenKey() === undefined) config.pageTokenSecretArn();
    if (ports.has('screening')) config.denyList();
    if (ports.has('travelRuleThresholds')) config.travelRuleThresholds();
    if (ports.has('proofValiditySeconds')) config.proofValiditySeconds();
    if (ports.has('confirmationPollSeconds')) config.confirmationPollSeconds();
    if (ports.has('governanceTimeLockSeconds')) config.governanceTimeLockSeconds();
    if (ports.has('workflow') && this.provided.workflow === undefined) config.stateMachineArn();
    if (ports.has('notifier') && this.provided.notifier === undefined) config.approversTopicArn();
    if (ports.has('publicBaseUrl') && this.provided.publicBaseUrl === undefined) config.publicBaseUrl();
    if (ports.has('agentKeys') && this.provided.agentKeys === undefined) config.agentKeyProvisioning();
    if (ports.has('coSigner') && this.provided.coSigner === undefined) config.coSignerFunction();
  }

  /** The ports of `manifest`, built once its configuration is read and its approval key checked. */
  async compose<M extends FunctionManifest>(manifest: M): Promise<PortsOf<M>> {
    this.readConfiguration(manifest);
    const resources = resourcesOf(manifest);
    const ports = new Set<PortName>(manifest.ports);
    const config = this.config;
    const keys = resources.keys;
    const needsVault = keys.custody !== undefined || keys.approval !== undefined || keys.audit !== undefined;
    const vault = needsVault ? await this.vault() : undefined;
    if (keys.approval !== undefined && vault !== undefined) await this.checkApprovalKey(vault);
    const pageTokens = resources.pageTokenSecret ? await this.tokens() : undefined;
    const deploymentId = config.deploymentId();

    const built: Partial<Record<PortName, unknown>> = {};
    const lazy = new Map<PortName, () => unknown>();
    const get = <T>(port: PortName): T => {
      if (!(port in built)) built[port] = lazy.get(port)?.();
      return built[port] as T;
    };
    const doc = (): DynamoDBDocumentClient => this.documentClient();
    const tables = () => config.tables([...resources.tables.keys()]);
    const checkpointSigner = (): CheckpointSigner => {
      if (keys.audit === undefined || vault === undefined) return refusingCheckpointSigner(manifest.name);
      return proofSigner({
        keyVault: vault,
        keyId: config.auditKeyId(),
        purpose: 'audit',
        deploymentId,
      }).checkpointSigner();
    };
    lazy.set('ledger', () => new DynamoLedgerStore(doc(), tables().ledger, DEFAULT_RETRY, pageTokens));
    lazy.set('audit', () => new DynamoAuditLog(doc(), tables().audit, checkpointSigner()));
    lazy.set(
      'events',
      () =>
        new DynamoTransferEventStore(doc(), { events: tables().events, transfers: tables().transfers }, pageTokens, {
          ledger: get('ledger'),
          audit: get('audit'),
        }),
    );
    lazy.set('submissions', () => new DynamoTransferSubmissionStore(get('events'), get('ledger')));
    lazy.set('wallets', () => new DynamoWalletStore(doc(), tables().events, pageTokens));
    lazy.set('groups', () => new DynamoApprovalGroupStore(doc(), tables().events));
    lazy.set('approvals', () => new DynamoApprovalStore(doc(), tables().approvals, this.secretSealer()));
    lazy.set('nonces', () => new DynamoNonceStore(doc(), tables().nonces));
    lazy.set('cursors', () => new DynamoCursorStore(doc(), tables().events));
    lazy.set('reconciliation', () => new DynamoReconciliationStore(doc(), tables().events, pageTokens));
    lazy.set(
      'alarms',
      () => this.provided.alarms ?? new LogAlarmSink(new Logger({ serviceName: 'strongroom-alarms' })),
    );
    lazy.set('chains', () => this.chainRegistry());
    lazy.set('keyVault', () => vault);
    lazy.set(
      'agentKeys',
      () => this.provided.agentKeys ?? cloudAgentKeys(config.agentKeyProvisioning(), () => traced(new SFNClient({}))),
    );
    lazy.set(
      'coSigner',
      () =>
        this.provided.coSigner ?? lambdaCoSignerRegistry(config.coSignerFunction(), () => traced(new LambdaClient({}))),
    );
    lazy.set('enclaveJobs', () => new DynamoJobLedger({ client: doc(), table: tables().signingJobs }));
    lazy.set('approvalSigner', () =>
      proofSigner({ keyVault: vault as KeyVault, keyId: config.approvalKeyId(), purpose: 'approval', deploymentId }),
    );
    lazy.set('approvalKeyAddress', () => config.approvalKeyAddress());
    lazy.set('deploymentId', () => deploymentId);
    lazy.set('screening', () => new DenyListScreeningProvider(config.denyList()));
    lazy.set('travelRuleThresholds', () => config.travelRuleThresholds());
    lazy.set(
      'notifier',
      () => this.provided.notifier ?? new SnsApprovalNotifier(config.approversTopicArn(), traced(new SNSClient({}))),
    );
    lazy.set(
      'workflow',
      () =>
        this.provided.workflow ??
        new SfnWorkflowEngine(traced(new SFNClient({})), { stateMachineArn: config.stateMachineArn() }),
    );
    lazy.set('publicBaseUrl', () => {
      if (this.provided.publicBaseUrl !== undefined) return this.provided.publicBaseUrl;
      const url = config.publicBaseUrl();
      return () => url;
    });
    lazy.set('metrics', () => this.provided.metrics ?? cloudMetrics(deploymentId, manifest.name));
    lazy.set('clock', () => this.provided.clock ?? (() => new Date()));
    lazy.set('proofValiditySeconds', () => config.proofValiditySeconds());
    lazy.set('confirmationPollSeconds', () => config.confirmationPollSeconds());
    lazy.set('governance', () => new DynamoGovernanceStore(doc(), tables().events, pageTokens));
    lazy.set('governanceTimeLockSeconds', () => config.governanceTimeLockSeconds());
    lazy.set('passkeys', () => new DynamoPasskeyStore(doc(), tables().events));

    // Built now, at cold start: a missing or malformed variable fails here, not at the first request.
    for (const port of ports) get(port);
    return Object.fromEntries([...ports].map((port) => [port, built[port]])) as PortsOf<M>;
  }

  /**
   * Every port at once: what the local runtime and tests use to seed and read data beside the
   * functions. Never a Lambda function's composition (each of those names its own ports).
   */
  composeAll(): Promise<Ports> {
    return this.compose(EVERY_PORT);
  }

  private documentClient(): DynamoDBDocumentClient {
    if (this.doc !== undefined) return this.doc;
    const endpoint = this.config.dynamoDbEndpoint();
    const dynamo = new DynamoDBClient(
      endpoint === undefined
        ? {}
        : { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    );
    const observe = this.provided.onDynamoDbCommand;
    if (observe !== undefined)
      dynamo.middlewareStack.add(
        (next, context) => (args) => {
          observe(context.commandName ?? 'unknown');
          return next(args);
        },
        { step: 'initialize', name: 'strongroomCommandObserver' },
      );
    this.doc = documentClient(traced(dynamo));
    return this.doc;
  }

  private vault(): Promise<KeyVault> {
    this.keyVault ??= (async (): Promise<KeyVault> => {
      if (this.provided.keyVault !== undefined) return this.provided.keyVault;
      const keys = this.config.keyBackend();
      if (keys.kind === 'kms') return new KmsKeyVault(traced(kmsClient()));
      return LocalKeyVault.open({
        passphrase: keys.passphrase,
        ...(keys.vaultDirectory === undefined ? {} : { directory: keys.vaultDirectory }),
        ...(keys.weakKdfForTests ? { testOnlyWeakKdf: true, scryptN: 1024 } : {}),
      });
    })();
    return this.keyVault;
  }

  private secretSealer(): SecretSealer {
    if (this.sealer !== undefined) return this.sealer;
    const keys = this.config.keyBackend();
    this.sealer =
      keys.kind === 'kms'
        ? new KmsSecretSealer(traced(kmsClient()), this.config.sealerKeyId())
        : new AesGcmSecretSealer(keys.sealerKey);
    return this.sealer;
  }

  private tokens(): Promise<PageTokens> {
    // One key for the deployment: a page token from one instance is honoured by every other.
    this.pageTokens ??= (async () => {
      const local = this.config.localPageTokenKey();
      return new PageTokens(
        local ?? (await readPageTokenSecret(this.config.pageTokenSecretArn(), traced(new SecretsManagerClient({})))),
      );
    })();
    return this.pageTokens;
  }

  private chainRegistry(): ChainRegistry {
    this.chains ??=
      this.provided.chains ?? new StaticChainRegistry(this.config.chains().map((chain) => new ViemChainGateway(chain)));
    return this.chains;
  }

  private checkApprovalKey(vault: KeyVault): Promise<void> {
    this.approvalKeyChecked ??= assertApprovalKeyAddress(vault, {
      approvalKeyId: this.config.approvalKeyId(),
      approvalKeyAddress: this.config.approvalKeyAddress(),
    });
    return this.approvalKeyChecked;
  }
}

/** The manifest of {@link Composer.composeAll}: every port, every key use. */
const EVERY_PORT: FunctionManifest = {
  name: 'local-runtime',
  entry: '',
  kind: 'scheduled',
  ports: PORT_NAMES,
  keys: { custody: 'create', approval: 'sign', audit: 'sign' },
  stateMachine: ['start', 'callback'],
  timeoutSeconds: 1,
  memoryMb: 128,
};

/**
 * The audit log of a function not granted the audit key: it appends records (they need no key) and
 * refuses to sign or verify a checkpoint, naming the function, instead of failing on a KMS denial.
 */
function refusingCheckpointSigner(functionName: string): CheckpointSigner {
  const refuse = (): never => {
    throw new SigningError('KEY.NOT_GRANTED', `function ${functionName} is not granted the audit key`);
  };
  return { sign: refuse, verify: refuse, typedData: refuse, address: refuse } as unknown as CheckpointSigner;
}

/**
 * The approval key's address is configured (signers verify proofs against it) and the key is named by
 * id (Authorize signs with it): a deployment where they disagree would sign proofs nobody accepts, or
 * accept proofs of a key it does not sign with. Checked once at cold start against the key itself
 * (KMS GetPublicKey, or the local vault), so such a deployment refuses to start, naming both.
 */
export async function assertApprovalKeyAddress(
  keyVault: Pick<KeyVault, 'addressOf'>,
  config: { readonly approvalKeyId: string; readonly approvalKeyAddress: string },
): Promise<void> {
  const actual = await keyVault.addressOf(config.approvalKeyId);
  if (!sameAddress(actual, config.approvalKeyAddress))
    throw new Error(
      `configuration: STRONGROOM_APPROVAL_KEY_ADDRESS is ${config.approvalKeyAddress}, but the approval key ${config.approvalKeyId} is ${actual}`,
    );
}

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { StaticChainRegistry } from '../adapters/chain/static-chain-registry';
import { ViemChainGateway } from '../adapters/chain/viem-chain-gateway';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoApprovalGroupStore } from '../adapters/dynamodb/dynamo-approval-group-store';
import { DynamoApprovalStore } from '../adapters/dynamodb/dynamo-approval-store';
import { DynamoAuditLog } from '../adapters/dynamodb/dynamo-audit-log';
import { DynamoCursorStore } from '../adapters/dynamodb/dynamo-cursor-store';
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
import { LogAlarmSink } from '../adapters/alarms/log-alarm-sink';
import type { AlarmSink } from '../ports/alarm-sink';
import type { ReconciliationStore } from '../ports/reconciliation-store';
import type { ChainRegistry } from '../ports/chain-registry';
import type { CursorStore } from '../ports/cursor-store';
import { UnconfiguredNotifier } from '../adapters/unconfigured-notifier';
import { sameAddress } from '../domain/address';
import type { KeyVault } from '../ports/key-vault';
import type { Notifier } from '../ports/notifier';
import type { SecretSealer } from '../ports/secret-sealer';
import type { WorkflowEngine } from '../ports/workflow-engine';
import { proofSigner } from '../signing/proof-signer';
import type { TransferDeps } from '../use-cases/transfers/transfer-deps';
import { loadRuntimeConfig, type RuntimeConfig } from './runtime-config';

/** What every handler may use: the transfer use cases' ports, plus cursors and the configuration. */
export interface Dependencies extends TransferDeps {
  readonly cursors: CursorStore;
  readonly config: RuntimeConfig;
  /** The reconciliation exception queue (unexplained outflows, balance mismatches). */
  readonly reconciliation: ReconciliationStore;
  readonly alarms: AlarmSink;
}

/** Instances the embedding process supplies instead of building them (the local runtime, tests). */
export interface ProvidedDependencies {
  readonly workflow?: WorkflowEngine;
  readonly notifier?: Notifier;
  readonly keyVault?: KeyVault;
  readonly chains?: ChainRegistry;
  readonly clock?: () => Date;
  /** Where alarms go; a structured error log line (for a metric filter) when absent. */
  readonly alarms?: AlarmSink;
  /** Told the name of every DynamoDB command sent (benchmarks count write requests with it). */
  readonly onDynamoDbCommand?: (commandName: string) => void;
}

let provided: ProvidedDependencies = {};
let built: Promise<Dependencies> | undefined;

/**
 * The local runtime runs the handlers in its own process: it hands them its workflow engine and
 * outbox here, before the first invocation. Lambda never calls this.
 */
export function provideDependencies(dependencies: ProvidedDependencies): void {
  if (built !== undefined) throw new Error('dependencies are built already: provide them before the first invocation');
  provided = dependencies;
}

/** Forgets the built dependencies (tests that change the environment between files). */
export function resetDependencies(): void {
  built = undefined;
  provided = {};
}

/**
 * The composition root of every handler: configuration read once and adapters built once per cold
 * start (per process locally), then shared by every invocation.
 */
export function dependencies(): Promise<Dependencies> {
  built ??= Promise.resolve()
    .then(() => buildDependencies(loadRuntimeConfig(), provided))
    .catch((error: unknown) => {
      built = undefined;
      throw error;
    });
  return built;
}

async function buildDependencies(config: RuntimeConfig, given: ProvidedDependencies): Promise<Dependencies> {
  const dynamo = new DynamoDBClient(
    config.dynamoDbEndpoint === undefined
      ? {}
      : {
          endpoint: config.dynamoDbEndpoint,
          region: 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
  );
  if (given.onDynamoDbCommand !== undefined) {
    const observe = given.onDynamoDbCommand;
    dynamo.middlewareStack.add(
      (next, context) => (args) => {
        observe(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'strongroomCommandObserver' },
    );
  }
  const doc = documentClient(dynamo);
  const { tables } = config;
  let keyVault: KeyVault;
  let sealer: SecretSealer;
  if (config.keys.kind === 'local') {
    keyVault =
      given.keyVault ??
      (await LocalKeyVault.open({
        passphrase: config.keys.passphrase,
        ...(config.keys.vaultDirectory === undefined ? {} : { directory: config.keys.vaultDirectory }),
        ...(config.keys.weakKdfForTests ? { testOnlyWeakKdf: true, scryptN: 1024 } : {}),
      }));
    sealer = new AesGcmSecretSealer(config.keys.sealerKey);
  } else {
    const kms = kmsClient(); // the one retry policy of every KMS call (SDK standard, 3 attempts)
    keyVault = given.keyVault ?? new KmsKeyVault(kms);
    sealer = new KmsSecretSealer(kms, config.keys.sealerKeyId);
  }
  await assertApprovalKeyAddress(keyVault, config);
  const approvalSigner = proofSigner({
    keyVault,
    keyId: config.approvalKeyId,
    purpose: 'approval',
    deploymentId: config.deploymentId,
  });
  const auditSigner = proofSigner({
    keyVault,
    keyId: config.auditKeyId,
    purpose: 'audit',
    deploymentId: config.deploymentId,
  });
  // One key for the deployment: a page token from one instance is honoured by every other.
  const pageTokens = new PageTokens(config.pageTokenKey);
  const ledger = new DynamoLedgerStore(doc, tables.ledger, DEFAULT_RETRY, pageTokens);
  const audit = new DynamoAuditLog(doc, tables.audit, auditSigner.checkpointSigner());
  // A workflow step commits its events, posting and audit record together through the event store.
  const events = new DynamoTransferEventStore(doc, { events: tables.events, transfers: tables.transfers }, pageTokens, {
    ledger,
    audit,
  });
  const workflow = given.workflow ?? cloudWorkflow(config);
  // The SNS notifier arrives with approval links (issue 13); until then only the local runtime provides
  // one, and elsewhere a request for approval fails safe (NOTIFY.UNAVAILABLE) while everything else works.
  const notifier = given.notifier ?? new UnconfiguredNotifier();
  return {
    config,
    events,
    submissions: new DynamoTransferSubmissionStore(events, ledger),
    ledger,
    wallets: new DynamoWalletStore(doc, tables.events, pageTokens),
    groups: new DynamoApprovalGroupStore(doc, tables.events),
    approvals: new DynamoApprovalStore(doc, tables.approvals, sealer),
    audit,
    nonces: new DynamoNonceStore(doc, tables.nonces),
    cursors: new DynamoCursorStore(doc, tables.events),
    reconciliation: new DynamoReconciliationStore(doc, tables.events, pageTokens),
    alarms: given.alarms ?? new LogAlarmSink(new Logger({ serviceName: 'strongroom-alarms' })),
    chains: given.chains ?? new StaticChainRegistry(config.chains.map((chain) => new ViemChainGateway(chain))),
    keyVault,
    approvalSigner,
    approvalKeyAddress: config.approvalKeyAddress,
    deploymentId: config.deploymentId,
    screening: new DenyListScreeningProvider(config.denyList),
    travelRuleThresholds: config.travelRuleThresholds,
    notifier,
    workflow,
    clock: given.clock ?? (() => new Date()),
    proofValiditySeconds: config.proofValiditySeconds,
    confirmationPollSeconds: config.confirmationPollSeconds,
  };
}

function cloudWorkflow(config: RuntimeConfig): WorkflowEngine {
  if (config.stateMachineArn === undefined) throw new Error('configuration: STRONGROOM_STATE_MACHINE_ARN is not set');
  return new SfnWorkflowEngine(new SFNClient({}), { stateMachineArn: config.stateMachineArn });
}

/**
 * The approval key's address is configured (signers verify proofs against it) and the key is named by
 * id (Authorize signs with it): a deployment where they disagree would sign proofs nobody accepts, or
 * accept proofs of a key it does not sign with. Checked once at cold start against the key itself
 * (KMS GetPublicKey, or the local vault), so such a deployment refuses to start, naming both.
 */
export async function assertApprovalKeyAddress(
  keyVault: Pick<KeyVault, 'addressOf'>,
  config: Pick<RuntimeConfig, 'approvalKeyId' | 'approvalKeyAddress'>,
): Promise<void> {
  const actual = await keyVault.addressOf(config.approvalKeyId);
  if (!sameAddress(actual, config.approvalKeyAddress))
    throw new Error(
      `configuration: STRONGROOM_APPROVAL_KEY_ADDRESS is ${config.approvalKeyAddress}, but the approval key ${config.approvalKeyId} is ${actual}`,
    );
}

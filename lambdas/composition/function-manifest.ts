import type { TableName } from '../adapters/dynamodb/table-schema';
import { TABLE_SCHEMAS } from '../adapters/dynamodb/table-schema';

/**
 * The ports a use case can be given (TransferDeps and the scheduled jobs' stores). A function's
 * manifest names the ones its handler uses; the compiler checks that list against the `Pick` each use
 * case declares, and everything a function is granted or configured with follows from it.
 */
export const PORT_NAMES = [
  'events',
  'submissions',
  'ledger',
  'wallets',
  'groups',
  'approvals',
  'audit',
  'nonces',
  'cursors',
  'reconciliation',
  'alarms',
  'chains',
  'keyVault',
  'agentKeys',
  'coSigner',
  'enclaveJobs',
  'approvalSigner',
  'approvalKeyAddress',
  'deploymentId',
  'screening',
  'travelRuleThresholds',
  'notifier',
  'workflow',
  'clock',
  'proofValiditySeconds',
  'confirmationPollSeconds',
  'metrics',
  'publicBaseUrl',
  'governance',
  'governanceTimeLockSeconds',
  'passkeys',
] as const;

export type PortName = (typeof PORT_NAMES)[number];

/** How a function is invoked: by API Gateway, by the state machine, by a schedule, or by a table's stream. */
export type FunctionKind = 'api' | 'workflow' | 'scheduled' | 'stream';

/** What a function may do with a KMS key of the deployment (`verify`: read its public key only). */
export type KeyUse = 'sign' | 'verify';

/** One Lambda function: everything its deployment (CDK) and its composition (cold start, local runtime) need. */
export interface FunctionManifest<P extends PortName = PortName> {
  /** Kebab-case, unique: the handler file's name, the local Context's function name, the CDK id. */
  readonly name: string;
  /** The handler module, from the repository root; it exports `handler`. */
  readonly entry: string;
  readonly kind: FunctionKind;
  /** The ports its handler builds, and nothing else. */
  readonly ports: readonly P[];
  /**
   * `read`: the function only reads its tables (Get, Query), whatever its ports could write.
   * Default `append`: conditional puts as well.
   */
  readonly tableAccess?: 'read' | 'append';
  /**
   * Keys beyond those its ports imply: `custody` `create` lets it create owner keys (tagged), `sign`
   * lets it sign with them; `approval` and `audit` are the deployment's two proof keys.
   */
  readonly keys?: {
    readonly custody?: 'create' | 'sign';
    readonly approval?: KeyUse;
    readonly audit?: KeyUse;
  };
  /** Step Functions: `start` executions (submit), `callback` a waiting task (approve, reject, expire, cancel). */
  readonly stateMachine?: readonly ('start' | 'callback')[];
  /** API functions: whether a bearer JWT is verified before the route runs. */
  readonly auth?: 'jwt' | 'none';
  /** Workflow functions: the ASL placeholder whose ARN is this function (`PrepareFunctionArn`). */
  readonly aslPlaceholder?: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** The environment variables the composition reads (values in ../../README.md, "Deploying"). */
export const ENV = {
  deploymentId: 'STRONGROOM_DEPLOYMENT_ID',
  tables: 'STRONGROOM_TABLES',
  chains: 'STRONGROOM_CHAINS',
  keyBackend: 'STRONGROOM_KEY_BACKEND',
  sealerKeyId: 'STRONGROOM_SEALER_KEY_ID',
  pageTokenSecretArn: 'STRONGROOM_PAGE_TOKEN_SECRET_ARN',
  approvalKeyId: 'STRONGROOM_APPROVAL_KEY_ID',
  approvalKeyAddress: 'STRONGROOM_APPROVAL_KEY_ADDRESS',
  auditKeyId: 'STRONGROOM_AUDIT_KEY_ID',
  denyList: 'STRONGROOM_DENY_LIST',
  travelRuleThresholds: 'STRONGROOM_TRAVEL_RULE_THRESHOLDS',
  proofValiditySeconds: 'STRONGROOM_PROOF_VALIDITY_SECONDS',
  confirmationPollSeconds: 'STRONGROOM_CONFIRMATION_POLL_SECONDS',
  governanceTimeLockSeconds: 'STRONGROOM_GOVERNANCE_TIMELOCK_SECONDS',
  stateMachineArn: 'STRONGROOM_STATE_MACHINE_ARN',
  approversTopicArn: 'STRONGROOM_APPROVERS_TOPIC_ARN',
  publicBaseUrl: 'STRONGROOM_PUBLIC_BASE_URL',
  jwtIssuer: 'STRONGROOM_JWT_ISSUER',
  jwtAudience: 'STRONGROOM_JWT_AUDIENCE',
  jwtJwksUrl: 'STRONGROOM_JWT_JWKS_URL',
  agentKeyStateMachineArn: 'STRONGROOM_AGENT_KEY_STATE_MACHINE_ARN',
  enclavePcrs: 'STRONGROOM_ENCLAVE_PCRS',
  enclaveAttestationRoot: 'STRONGROOM_ENCLAVE_ATTESTATION_ROOT',
  coSignerFunction: 'STRONGROOM_CO_SIGNER_FUNCTION',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * The variables of the agent-key provisioning path, set only in a deployment with an enclave host (and
 * only on functions whose manifest names `agentKeys`): lib/workflow/agent-key-workflow.ts binds them
 * with the grants. Without them the `agentKeys` port answers 503 ENCLAVE.UNAVAILABLE.
 */
export const AGENT_KEY_PROVISIONING_ENV = [
  ENV.agentKeyStateMachineArn,
  ENV.enclavePcrs,
  ENV.enclaveAttestationRoot,
] as const;

export type AgentKeyProvisioningEnvName = (typeof AGENT_KEY_PROVISIONING_ENV)[number];

/**
 * The co-signer's function (issue 16), set only in a deployment with an enclave host and only on
 * functions whose manifest names `coSigner`: lib/co-signer/ binds it with lambda:InvokeFunction on that
 * function. Without it the `coSigner` port answers 503 COSIGNER.UNAVAILABLE.
 */
export const CO_SIGNER_ENV = [ENV.coSignerFunction] as const;

export type CoSignerEnvName = (typeof CO_SIGNER_ENV)[number];

/** What a function is granted and configured with, derived from its manifest alone. */
export interface FunctionResources {
  /** Each table it uses and how. */
  readonly tables: ReadonlyMap<TableName, 'read' | 'append'>;
  readonly keys: {
    readonly custody?: 'create' | 'sign';
    readonly approval?: KeyUse;
    readonly audit?: KeyUse;
    /** Encrypt and Decrypt with the secret-sealing key (task tokens at rest). */
    readonly sealer: boolean;
  };
  /** Reads the page-token MAC key (a Secrets Manager secret). */
  readonly pageTokenSecret: boolean;
  readonly stateMachine: readonly ('start' | 'callback')[];
  /** Publishes to the approvers' topic. */
  readonly approversTopic: boolean;
  /**
   * Creates enclave wallets' keys through the agent-key provisioning state machine, in a deployment
   * that has one: its variables (AGENT_KEY_PROVISIONING_ENV, not in `environment`, since a deployment
   * without an enclave host has none) and StartExecution / DescribeExecution on it.
   */
  readonly agentKeyProvisioning: boolean;
  /**
   * Registers and retires mpc wallets' shares with the co-signer function, in a deployment that has one:
   * its name (CO_SIGNER_ENV, not in `environment`, like the provisioning path's) and lambda:InvokeFunction on it.
   */
  readonly coSigner: boolean;
  /** The variables it reads at cold start (and so the ones its deployment must set). */
  readonly environment: readonly EnvName[];
}

/** What each port needs: the tables it reads or appends to, and the configuration it reads. */
const PORT_NEEDS: { readonly [P in PortName]: { readonly tables?: readonly TableName[]; readonly pageTokens?: true } } =
  {
    // A step's events commit with their ledger posting, audit record and listing in one transaction.
    events: { tables: ['events', 'transfers', 'ledger', 'audit'], pageTokens: true },
    submissions: { tables: ['events', 'transfers', 'ledger', 'audit'], pageTokens: true },
    ledger: { tables: ['ledger'], pageTokens: true },
    wallets: { tables: ['events'], pageTokens: true },
    groups: { tables: ['events'] },
    approvals: { tables: ['approvals'] },
    audit: { tables: ['audit'] },
    nonces: { tables: ['nonces'] },
    cursors: { tables: ['events'] },
    reconciliation: { tables: ['events'], pageTokens: true },
    alarms: {},
    chains: {},
    keyVault: {},
    agentKeys: {},
    // The co-signer is a function of its own, with its own table and key: nothing of the caller's.
    coSigner: {},
    // The enclave job ledger: the workflow voids a job there (conditional puts, like the hosts' claims).
    enclaveJobs: { tables: ['signingJobs'] },
    approvalSigner: {},
    approvalKeyAddress: {},
    deploymentId: {},
    screening: {},
    travelRuleThresholds: {},
    notifier: {},
    workflow: {},
    clock: {},
    proofValiditySeconds: {},
    confirmationPollSeconds: {},
    metrics: {},
    publicBaseUrl: {},
    // Change requests and the governance group: streams in the events table, listed a page at a time.
    governance: { tables: ['events'], pageTokens: true },
    governanceTimeLockSeconds: {},
    // Enrollment invitations and enrolled credentials: items in the events table.
    passkeys: { tables: ['events'] },
  };

/** A manifest that names a port without the grant the port cannot work without. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/**
 * The tables, keys, secrets, state machine actions, topic and environment variables of a function,
 * from its manifest: the CDK stack grants and sets exactly these, and the composition reads exactly
 * these. Throws when the manifest is inconsistent (a port without the key use it needs).
 */
export function resourcesOf(manifest: FunctionManifest): FunctionResources {
  const ports = new Set<PortName>(manifest.ports);
  const has = (p: PortName): boolean => ports.has(p);
  const access = manifest.tableAccess ?? 'append';
  const tables = new Map<TableName, 'read' | 'append'>();
  let pageTokenSecret = false;
  for (const port of ports) {
    for (const table of PORT_NEEDS[port].tables ?? []) tables.set(table, access);
    if (PORT_NEEDS[port].pageTokens) pageTokenSecret = true;
  }
  const keys = manifest.keys ?? {};
  const problem = (message: string): never => {
    throw new ManifestError(`function ${manifest.name}: ${message}`);
  };
  if (has('keyVault') && keys.custody === undefined) problem('the keyVault port needs keys.custody');
  if (!has('keyVault') && keys.custody !== undefined) problem('keys.custody without the keyVault port');
  if (has('approvalSigner') && keys.approval !== 'sign') problem('the approvalSigner port needs keys.approval "sign"');
  if (has('approvalKeyAddress') && keys.approval === undefined)
    problem('the approvalKeyAddress port needs keys.approval (its address is checked against the key at cold start)');
  if (keys.audit !== undefined && !has('audit')) problem('keys.audit without the audit port');
  if (has('workflow') !== (manifest.stateMachine !== undefined && manifest.stateMachine.length > 0))
    problem('the workflow port and stateMachine go together');
  if ((manifest.kind === 'api') !== (manifest.auth !== undefined))
    problem('auth is for API functions, and required there');
  if ((manifest.kind === 'workflow') !== (manifest.aslPlaceholder !== undefined))
    problem('aslPlaceholder is for workflow functions, and required there');
  for (const table of tables.keys()) if (TABLE_SCHEMAS[table] === undefined) problem(`unknown table ${table}`);

  const sealer = has('approvals');
  const environment = new Set<EnvName>([ENV.deploymentId]);
  if (tables.size > 0) environment.add(ENV.tables);
  if (pageTokenSecret) environment.add(ENV.pageTokenSecretArn);
  if (has('chains')) environment.add(ENV.chains);
  if (sealer) environment.add(ENV.sealerKeyId);
  if (keys.custody !== undefined || keys.approval !== undefined || keys.audit !== undefined || sealer)
    environment.add(ENV.keyBackend);
  if (keys.approval !== undefined) {
    environment.add(ENV.approvalKeyId);
    environment.add(ENV.approvalKeyAddress);
  }
  if (keys.audit !== undefined) environment.add(ENV.auditKeyId);
  if (has('screening')) environment.add(ENV.denyList);
  if (has('travelRuleThresholds')) environment.add(ENV.travelRuleThresholds);
  if (has('proofValiditySeconds')) environment.add(ENV.proofValiditySeconds);
  if (has('confirmationPollSeconds')) environment.add(ENV.confirmationPollSeconds);
  if (has('governanceTimeLockSeconds')) environment.add(ENV.governanceTimeLockSeconds);
  if (has('workflow')) environment.add(ENV.stateMachineArn);
  if (has('notifier')) environment.add(ENV.approversTopicArn);
  if (has('publicBaseUrl')) environment.add(ENV.publicBaseUrl);
  if (manifest.auth === 'jwt') {
    environment.add(ENV.jwtIssuer);
    environment.add(ENV.jwtAudience);
    environment.add(ENV.jwtJwksUrl);
  }
  return {
    tables,
    keys: { ...keys, sealer },
    pageTokenSecret,
    stateMachine: manifest.stateMachine ?? [],
    approversTopic: has('notifier'),
    agentKeyProvisioning: has('agentKeys'),
    coSigner: has('coSigner'),
    environment: [...environment],
  };
}

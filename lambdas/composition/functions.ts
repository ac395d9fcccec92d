import type { FunctionManifest, PortName } from './function-manifest';

/** Keeps each manifest's port list as a literal tuple, so `PortsOf` knows exactly which ports it names. */
const manifest = <const P extends PortName>(m: FunctionManifest<P>): FunctionManifest<P> => m;

// API Gateway gives an integration 29 s; a request that needs longer has gone wrong.
const API = { kind: 'api', timeoutSeconds: 29, memoryMb: 1024 } as const;
// Shorter than the ASL's TimeoutSeconds of 60, so the state machine sees the function's own timeout first.
const STEP = { kind: 'workflow', timeoutSeconds: 50, memoryMb: 1024 } as const;
const JOB = { kind: 'scheduled', timeoutSeconds: 120, memoryMb: 1024 } as const;

/**
 * Every Lambda function of strongroom, one per module in `lambdas/handlers`: the one declaration that
 * the CDK stack deploys (entry, environment, grants, timeout, memory), the handler composes at cold
 * start, and the local runtime wires. A test checks each handler module has its manifest and that
 * each function's grants in the template are exactly what its manifest implies.
 */
export const FUNCTIONS = {
  // API v1: routes in lambdas/handlers/api/api-routes.ts
  wallets: manifest({
    ...API,
    name: 'wallets',
    entry: 'lambdas/handlers/api/wallets.ts',
    auth: 'jwt',
    ports: [
      'wallets',
      'ledger',
      'groups',
      'chains',
      'keyVault',
      'agentKeys',
      'coSigner',
      'deploymentId',
      'audit',
      'clock',
      'governance',
      'governanceTimeLockSeconds',
      'notifier',
      'publicBaseUrl',
    ],
    keys: { custody: 'create' },
  }),
  approvalGroups: manifest({
    ...API,
    name: 'approval-groups',
    entry: 'lambdas/handlers/api/approval-groups.ts',
    auth: 'jwt',
    ports: [
      'groups',
      'audit',
      'clock',
      'governance',
      'governanceTimeLockSeconds',
      'passkeys',
      'notifier',
      'publicBaseUrl',
    ],
  }),
  // Bootstrap, change requests and their decisions; applies a change at once when the time-lock is 0.
  governance: manifest({
    ...API,
    name: 'governance',
    entry: 'lambdas/handlers/api/governance.ts',
    auth: 'jwt',
    ports: [
      'governance',
      'governanceTimeLockSeconds',
      'wallets',
      'groups',
      'audit',
      'clock',
      'passkeys',
      'deploymentId',
      'publicBaseUrl',
      'notifier',
      // A change applied at once (time-lock 0) may be a REVOKE_KEY: the mpc wallet's share is retired.
      'coSigner',
    ],
  }),
  transactions: manifest({
    ...API,
    name: 'transactions',
    entry: 'lambdas/handlers/api/transactions.ts',
    auth: 'jwt',
    ports: ['events', 'submissions', 'wallets', 'chains', 'approvals', 'workflow', 'audit', 'clock'],
    stateMachine: ['start', 'callback'],
  }),
  approvals: manifest({
    ...API,
    name: 'approvals',
    entry: 'lambdas/handlers/api/approvals.ts',
    auth: 'jwt',
    ports: [
      'events',
      'approvals',
      'groups',
      'wallets',
      'chains',
      'workflow',
      'audit',
      'clock',
      'metrics',
      'passkeys',
      'publicBaseUrl',
      'deploymentId',
      'governance',
      // A governance change decided by link and applied at once may be a REVOKE_KEY (its share is retired).
      'coSigner',
    ],
    stateMachine: ['callback'],
  }),
  audit: manifest({
    ...API,
    name: 'audit',
    entry: 'lambdas/handlers/api/audit.ts',
    auth: 'jwt',
    ports: ['audit'],
    tableAccess: 'read',
    keys: { audit: 'verify' },
  }),
  health: manifest({
    ...API,
    name: 'health',
    entry: 'lambdas/handlers/api/health.ts',
    auth: 'none',
    ports: ['wallets', 'chains'],
    tableAccess: 'read',
  }),
  reconciliation: manifest({
    ...API,
    name: 'reconciliation',
    entry: 'lambdas/handlers/api/reconciliation.ts',
    auth: 'jwt',
    ports: ['reconciliation', 'audit', 'clock'],
  }),

  // The transfer workflow's tasks: statemachines/transaction.asl.json
  locate: manifest({
    ...STEP,
    name: 'locate',
    entry: 'lambdas/handlers/workflow/locate.ts',
    aslPlaceholder: 'LocateFunctionArn',
    ports: ['events', 'ledger', 'clock', 'metrics'],
  }),
  screen: manifest({
    ...STEP,
    name: 'screen',
    entry: 'lambdas/handlers/workflow/screen.ts',
    aslPlaceholder: 'ScreenFunctionArn',
    ports: ['events', 'ledger', 'wallets', 'screening', 'travelRuleThresholds', 'audit', 'clock', 'metrics'],
  }),
  evaluatePolicy: manifest({
    ...STEP,
    name: 'evaluate-policy',
    entry: 'lambdas/handlers/workflow/evaluate-policy.ts',
    aslPlaceholder: 'EvaluatePolicyFunctionArn',
    ports: ['events', 'ledger', 'wallets', 'audit', 'clock', 'metrics'],
  }),
  requestApproval: manifest({
    ...STEP,
    name: 'request-approval',
    entry: 'lambdas/handlers/workflow/request-approval.ts',
    aslPlaceholder: 'RequestApprovalFunctionArn',
    ports: [
      'events',
      'groups',
      'approvals',
      'wallets',
      'chains',
      'notifier',
      'publicBaseUrl',
      'workflow',
      'audit',
      'clock',
      'metrics',
    ],
    stateMachine: ['callback'],
  }),
  prepare: manifest({
    ...STEP,
    name: 'prepare',
    entry: 'lambdas/handlers/workflow/prepare.ts',
    aslPlaceholder: 'PrepareFunctionArn',
    ports: ['events', 'wallets', 'chains', 'nonces', 'audit', 'clock', 'metrics'],
  }),
  authorize: manifest({
    ...STEP,
    name: 'authorize',
    entry: 'lambdas/handlers/workflow/authorize.ts',
    aslPlaceholder: 'AuthorizeFunctionArn',
    ports: [
      'events',
      'ledger',
      'wallets',
      'groups',
      'approvals',
      'chains',
      'approvalSigner',
      'deploymentId',
      'proofValiditySeconds',
      'audit',
      'clock',
      'metrics',
      'passkeys',
      'publicBaseUrl',
    ],
    keys: { approval: 'sign' },
  }),
  signKms: manifest({
    ...STEP,
    name: 'sign-kms',
    entry: 'lambdas/handlers/workflow/sign-kms.ts',
    aslPlaceholder: 'SignKmsFunctionArn',
    ports: ['events', 'wallets', 'keyVault', 'approvalKeyAddress', 'deploymentId', 'audit', 'clock', 'metrics'],
    keys: { custody: 'sign', approval: 'verify' },
  }),
  // Enclave wallets: the job for the signing queue, then what the enclave signed, checked and recorded.
  prepareEnclaveSign: manifest({
    ...STEP,
    name: 'prepare-enclave-sign',
    entry: 'lambdas/handlers/workflow/prepare-enclave-sign.ts',
    aslPlaceholder: 'PrepareEnclaveSignFunctionArn',
    ports: ['events', 'wallets', 'approvalKeyAddress', 'deploymentId', 'audit', 'clock', 'metrics'],
    keys: { approval: 'verify' },
  }),
  recordEnclaveSignature: manifest({
    ...STEP,
    name: 'record-enclave-signature',
    entry: 'lambdas/handlers/workflow/record-enclave-signature.ts',
    aslPlaceholder: 'RecordEnclaveSignatureFunctionArn',
    ports: ['events', 'wallets', 'approvalKeyAddress', 'deploymentId', 'audit', 'clock', 'metrics'],
    keys: { approval: 'verify' },
  }),
  voidEnclaveJob: manifest({
    ...STEP,
    name: 'void-enclave-job',
    entry: 'lambdas/handlers/workflow/void-enclave-job.ts',
    aslPlaceholder: 'VoidEnclaveJobFunctionArn',
    ports: ['events', 'wallets', 'enclaveJobs', 'approvalKeyAddress', 'deploymentId', 'audit', 'clock', 'metrics'],
    keys: { approval: 'verify' },
  }),
  broadcast: manifest({
    ...STEP,
    name: 'broadcast',
    entry: 'lambdas/handlers/workflow/broadcast.ts',
    aslPlaceholder: 'BroadcastFunctionArn',
    ports: ['events', 'ledger', 'chains', 'audit', 'clock', 'metrics'],
  }),
  trackConfirmations: manifest({
    ...STEP,
    name: 'track-confirmations',
    entry: 'lambdas/handlers/workflow/track-confirmations.ts',
    aslPlaceholder: 'TrackConfirmationsFunctionArn',
    ports: ['events', 'ledger', 'chains', 'nonces', 'audit', 'clock', 'metrics', 'confirmationPollSeconds'],
  }),
  settle: manifest({
    ...STEP,
    name: 'settle',
    entry: 'lambdas/handlers/workflow/settle.ts',
    aslPlaceholder: 'SettleFunctionArn',
    ports: ['events', 'ledger', 'chains', 'audit', 'clock', 'metrics'],
  }),
  compensate: manifest({
    ...STEP,
    name: 'compensate',
    entry: 'lambdas/handlers/workflow/compensate.ts',
    aslPlaceholder: 'CompensateFunctionArn',
    ports: ['events', 'ledger', 'audit', 'clock', 'metrics'],
  }),

  // Scheduled jobs (EventBridge Scheduler)
  watchDeposits: manifest({
    ...JOB,
    name: 'watch-deposits',
    entry: 'lambdas/handlers/scheduled/watch-deposits.ts',
    ports: [
      'chains',
      'cursors',
      'ledger',
      'nonces',
      'events',
      'wallets',
      'audit',
      'reconciliation',
      'alarms',
      'clock',
      'metrics',
    ],
  }),
  expireApprovals: manifest({
    ...JOB,
    name: 'expire-approvals',
    entry: 'lambdas/handlers/scheduled/expire-approvals.ts',
    ports: ['events', 'approvals', 'workflow', 'audit', 'clock', 'metrics'],
    stateMachine: ['callback'],
  }),
  applyGovernanceChanges: manifest({
    ...JOB,
    name: 'apply-governance-changes',
    entry: 'lambdas/handlers/scheduled/apply-governance-changes.ts',
    // coSigner: an applied KEY_REVOKED retires the mpc wallet's share with the co-signer.
    ports: [
      'governance',
      'wallets',
      'groups',
      'audit',
      'clock',
      'passkeys',
      'deploymentId',
      'publicBaseUrl',
      'coSigner',
    ],
  }),
  writeAuditCheckpoint: manifest({
    ...JOB,
    name: 'write-audit-checkpoint',
    entry: 'lambdas/handlers/scheduled/write-audit-checkpoint.ts',
    ports: ['audit', 'clock', 'metrics'],
    keys: { audit: 'sign' },
  }),
  reconcileBalances: manifest({
    ...JOB,
    name: 'reconcile-balances',
    entry: 'lambdas/handlers/scheduled/reconcile-balances.ts',
    ports: ['chains', 'cursors', 'ledger', 'wallets', 'reconciliation', 'alarms', 'clock', 'metrics'],
  }),

  // A table stream consumer: any MODIFY or REMOVE on an append-only table raises an alarm.
  appendOnlyGuard: manifest({
    kind: 'stream',
    name: 'append-only-guard',
    entry: 'lambdas/handlers/streams/append-only-guard.ts',
    ports: ['metrics'],
    timeoutSeconds: 30,
    memoryMb: 256,
  }),
} as const;

export type FunctionId = keyof typeof FUNCTIONS;

/** Every function's manifest. */
export const ALL_FUNCTIONS: readonly FunctionManifest[] = Object.values(FUNCTIONS);

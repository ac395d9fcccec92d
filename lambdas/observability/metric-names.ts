/**
 * The CloudWatch metrics strongroom publishes (embedded metric format, through Powertools Metrics),
 * named once here: the handlers emit them and the CDK stack's dashboard and alarms read them.
 */
export const METRICS_NAMESPACE = 'Strongroom';

export const METRIC = {
  /** A transfer reached a status (dimension `status`): COMPLETED, FAILED, REJECTED, … */
  transfers: 'Transfers',
  /** Seconds from an approval request to its resolution. */
  approvalWaitSeconds: 'ApprovalWaitSeconds',
  /** Milliseconds one transaction signature took (the key vault's Sign). */
  signLatencyMs: 'SignLatencyMs',
  /** A broadcast that the chain or its RPC refused or did not answer. */
  broadcastErrors: 'BroadcastErrors',
  /** Money left a custody address without a transfer of ours. */
  unexplainedOutflows: 'UnexplainedOutflows',
  /** A balance reconciliation found the books and the chain apart. */
  reconciliationExceptions: 'ReconciliationExceptions',
  /** A transfer needs a human to reconcile it (RECONCILIATION_REQUIRED). */
  reconciliationRequired: 'ReconciliationRequired',
  /** A MODIFY or REMOVE on an append-only table's stream. */
  appendOnlyViolations: 'AppendOnlyViolations',
  /** KMS throttled a call even after the SDK's retries. */
  kmsThrottles: 'KmsThrottles',
} as const;

/** The dimension of every metric: the deployment, so two deployments in one account stay apart. */
export const DEPLOYMENT_DIMENSION = 'deployment';

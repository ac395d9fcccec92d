import type { ChangeView } from '../../domain/governance/change-request';
import type { AuditLog } from '../../ports/audit-log';
import type { GovernanceStore } from '../../ports/governance-store';
import type { Notifier } from '../../ports/notifier';

/**
 * Everything the governance use cases may use; each names the part it needs with `Pick`, like the
 * transfer use cases (transfer-deps.ts).
 */
export interface GovernanceDeps {
  readonly governance: GovernanceStore;
  readonly audit: AuditLog;
  readonly clock: () => Date;
  /** The time-lock between quorum and application (a deployment parameter; default 24 h). */
  readonly governanceTimeLockSeconds: number;
  /** Tells the governance members of each proposed change, each with their own link to decide it. */
  readonly notifier: Pick<Notifier, 'notifyGovernance'>;
  /** The API's public URL (the stage URL, or your domain), the base of every member's link. */
  readonly publicBaseUrl: () => string;
}

/**
 * Applies a change that has passed governance and its time-lock, and says what it did (recorded as
 * the change's result). It must be idempotent by `change.id`: a sweep that died after applying and
 * before recording the outcome is taken over by another, which applies the change again. A throw is
 * recorded as the change's failure (its message only). SET_GOVERNANCE_GROUP never reaches it:
 * governance applies that kind itself.
 */
export type ChangeApplier = (change: ChangeView) => Promise<string>;

/** The audit trace of a change request: its proposal, each decision and its outcome. */
export const changeTraceId = (changeId: string): string => `change.${changeId}`;

/** The audit trace of the governance group: its bootstrap and every version a change set. */
export const GOVERNANCE_GROUP_TRACE_ID = 'governance.group';

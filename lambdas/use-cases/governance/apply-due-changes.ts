import { randomBytes } from 'node:crypto';
import {
  APPLY_CLAIM_LEASE_SECONDS,
  CHANGE_APPROVAL_WINDOW_SECONDS,
  MAX_TIME_LOCK_SECONDS,
} from '../../domain/governance/change-request';
import { applyChange, claimAttemptFor, type ApplyChangeDeps } from './apply-change';

/** The actor of the sweep's audit records. */
export const GOVERNANCE_SWEEP_ACTOR = 'governance-sweep';

/** How far back a change can have been proposed and still be due: its approvals window, longest time-lock, a lease. */
const HORIZON_SECONDS = CHANGE_APPROVAL_WINDOW_SECONDS + MAX_TIME_LOCK_SECONDS + APPLY_CLAIM_LEASE_SECONDS;

export interface SweepReport {
  readonly applied: readonly string[];
  readonly failed: readonly string[];
  /** Due, but another caller held the claim: it applies them. */
  readonly skipped: readonly string[];
}

/**
 * The scheduled sweep: applies every time-locked change whose effectiveAt has passed, and takes over
 * the claims of sweeps that died (older than the lease). Two sweeps at once apply each change once:
 * each claims before applying and only the winner of the claim applies (see applyChange). It looks
 * only at changes proposed within the horizon, since none older can still be due.
 */
export async function applyDueChanges(deps: ApplyChangeDeps): Promise<SweepReport> {
  const worker = { id: `sweep-${randomBytes(6).toString('hex')}`, actor: GOVERNANCE_SWEEP_ACTOR };
  const now = deps.clock();
  const candidates = await deps.governance.proposedSince(new Date(now.getTime() - HORIZON_SECONDS * 1000));
  const applied: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  for (const stored of candidates) {
    if (claimAttemptFor(stored, now) === undefined) continue;
    const view = await applyChange(deps, stored, worker);
    if (view?.status === 'APPLIED') applied.push(stored.request.id);
    else if (view?.status === 'FAILED') failed.push(stored.request.id);
    else skipped.push(stored.request.id);
  }
  return { applied, failed, skipped };
}

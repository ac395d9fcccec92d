import { isStrongroomError } from '../../domain/errors';
import {
  APPLY_CLAIM_LEASE_SECONDS,
  changeStatusOf,
  isChangeDue,
  parseGovernanceGroup,
  type ChangeOutcome,
  type ChangeView,
} from '../../domain/governance/change-request';
import type { StoredChange } from '../../ports/governance-store';
import { recordAudit } from '../transfers/record-audit';
import { changeTraceId, GOVERNANCE_GROUP_TRACE_ID, type ChangeApplier, type GovernanceDeps } from './governance-deps';

export type ApplyChangeDeps = Pick<GovernanceDeps, 'governance' | 'audit' | 'clock'> & {
  readonly apply: ChangeApplier;
  /**
   * Verifies again, before anything is applied, the passkey signature of every approval counted for a
   * change whose governance group requires passkeys, and throws when the quorum no longer stands (a
   * decision written around the API, a passkey revoked since). Without it such a change never applies.
   */
  readonly recheckApprovals?: (change: StoredChange) => Promise<void>;
};

/** Long enough for any error message worth reading; a change's record is not a log. */
const MAX_FAILURE_LENGTH = 1_000;

/**
 * The attempt with which a caller may claim the change now: 1 when it is due (time-locked past its
 * effectiveAt), the next one when the newest claim is older than the lease (its sweep is gone), and
 * undefined when it is not to be applied now.
 */
export function claimAttemptFor(stored: StoredChange, now: Date): number | undefined {
  const view = changeStatusOf(stored.request, stored.decisions, stored, now);
  if (isChangeDue(view, now)) return 1;
  if (view.status !== 'APPLYING' || view.applyingSince === undefined) return undefined;
  if (now.getTime() - view.applyingSince.getTime() < APPLY_CLAIM_LEASE_SECONDS * 1000) return undefined;
  return Math.max(...stored.claims.map((claim) => claim.attempt)) + 1;
}

/**
 * Applies one change that is due, at most once at a time: it claims the change first (a conditional
 * put that a veto, another sweep's claim or a recorded outcome makes fail) and applies only if it won.
 * SET_GOVERNANCE_GROUP is applied here (the governance store appends the group's next version); every
 * other kind through `apply`. Under a governance group replaced since the proposal nothing is applied:
 * the approvals came from members who may no longer govern, so the change FAILS and must be proposed
 * again. The outcome (APPLIED with the applier's summary, or FAILED with the error's message, never a
 * stack) is recorded once and audited. Returns the change as it stands, or undefined when another
 * caller holds the claim (or nothing was due).
 */
export async function applyChange(
  deps: ApplyChangeDeps,
  stored: StoredChange,
  worker: { readonly id: string; readonly actor: string },
): Promise<ChangeView | undefined> {
  const claimedAt = deps.clock();
  const attempt = claimAttemptFor(stored, claimedAt);
  if (attempt === undefined) return undefined;
  const changeId = stored.request.id;
  if (!(await deps.governance.claim(changeId, { attempt, by: worker.id, at: claimedAt }))) return undefined;
  const claimed = await deps.governance.get(changeId);
  if (claimed === undefined) throw new Error(`change ${changeId} vanished after it was claimed`);
  const view = changeStatusOf(claimed.request, claimed.decisions, claimed, claimedAt);

  let outcome: ChangeOutcome;
  try {
    if (claimed.request.governance.requirePasskeys === true) {
      if (deps.recheckApprovals === undefined)
        throw new Error('the approvals must be passkey-signed, and nothing here can verify them');
      await deps.recheckApprovals(claimed);
    }
    const result = await applyOne(deps, view, worker.actor);
    outcome = { status: 'APPLIED', at: deps.clock(), result };
  } catch (error) {
    outcome = { status: 'FAILED', at: deps.clock(), failure: failureOf(error) };
  }
  const recorded = await deps.governance.recordOutcome(changeId, outcome);
  if (recorded)
    await recordAudit(deps.audit, {
      traceId: changeTraceId(changeId),
      actor: worker.actor,
      action: outcome.status === 'APPLIED' ? 'GOVERNANCE_CHANGE_APPLIED' : 'GOVERNANCE_CHANGE_FAILED',
      inputs: { changeId, attempt, worker: worker.id },
      result: outcome.status === 'APPLIED' ? outcome.result : outcome.failure,
      at: outcome.at,
    });
  const final = await deps.governance.get(changeId);
  return final === undefined ? undefined : changeStatusOf(final.request, final.decisions, final, deps.clock());
}

async function applyOne(deps: ApplyChangeDeps, view: ChangeView, actor: string): Promise<string> {
  const current = await deps.governance.group();
  if (current === undefined) throw new Error('governance has no group: it was never bootstrapped');
  if (view.action.kind !== 'SET_GOVERNANCE_GROUP') {
    if (current.version !== view.governance.version) throw groupChanged(view.governance.version, current.version);
    return deps.apply(view);
  }
  // A retry after a crash finds its own version appended already: applying is idempotent by change id.
  if (current.changeId === view.id) return groupSummary(current.version, current.quorum, current.members.length);
  if (current.version !== view.governance.version) throw groupChanged(view.governance.version, current.version);
  const next = {
    ...parseGovernanceGroup(view.action.payload, current.version + 1, 'action.payload'),
    changeId: view.id,
  };
  const at = deps.clock();
  await deps.governance.appendGroupVersion(next, view.id, actor, at);
  await recordAudit(deps.audit, {
    traceId: GOVERNANCE_GROUP_TRACE_ID,
    actor,
    action: 'GOVERNANCE_GROUP_CHANGED',
    inputs: next,
    result: `${groupSummary(next.version, next.quorum, next.members.length)} by change ${view.id}`,
    at,
  });
  return groupSummary(next.version, next.quorum, next.members.length);
}

const groupSummary = (version: number, quorum: number, members: number): string =>
  `governance group version ${version}: ${quorum} of ${members} members`;

function groupChanged(proposedUnder: number, now: number): Error {
  return new Error(
    `the governance group changed (version ${proposedUnder} → ${now}) after the change was proposed: propose it again`,
  );
}

function failureOf(error: unknown): string {
  const message = isStrongroomError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  return message.length > MAX_FAILURE_LENGTH ? `${message.slice(0, MAX_FAILURE_LENGTH - 1)}…` : message;
}

import type { ChangeAction, ChangeView } from '../../domain/governance/change-request';
import type { Principal } from '../../domain/principal';
import { proposeChange, type ProposeChangeDeps } from '../governance/propose-change';

/** What a change to a control came to: applied at once, or proposed to governance. */
export type GovernedOutcome<T> =
  { readonly applied: T; readonly governance: 'TIGHTENING' | 'NOT_BOOTSTRAPPED' } | { readonly proposed: ChangeView };

/**
 * The one place a change to a control is routed (ARCHITECTURE.md §9): a change that weakens nothing
 * (`weakening` empty) applies at once; a weakening one becomes a change request (PENDING_GOVERNANCE)
 * for the governance group's quorum and time-lock. Before governance is bootstrapped there is nobody
 * to approve, so the change applies at once and says so (`governance: "NOT_BOOTSTRAPPED"`, in the
 * answer): the set-up of a new deployment. `npm start` says that governance is not bootstrapped
 * until it is, and `GET /v1/governance` answers `{bootstrapped: false}`.
 */
export async function proposeOrApply<T>(
  deps: ProposeChangeDeps,
  change: {
    readonly principal: Principal;
    readonly action: ChangeAction;
    readonly reason: unknown;
    readonly weakening: readonly string[];
    readonly addedMemberIds?: readonly string[];
  },
  applyNow: () => Promise<T>,
): Promise<GovernedOutcome<T>> {
  if (change.weakening.length === 0) return { applied: await applyNow(), governance: 'TIGHTENING' };
  if ((await deps.governance.group()) === undefined)
    return { applied: await applyNow(), governance: 'NOT_BOOTSTRAPPED' };
  return { proposed: await proposeChange(deps, change) };
}

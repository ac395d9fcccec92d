import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { applyDueChanges, type SweepReport } from '../../use-cases/governance/apply-due-changes';
import { governedChangeApplier } from '../../use-cases/governed-changes/apply-governed-change';
import { changeApprovalsRecheck } from '../../use-cases/governed-changes/change-passkeys';

/** The governance sweep: applies every change whose time-lock has passed (a schedule in the cloud, an interval locally). */
export const applyGovernanceChangesFunction = defineFunction(
  FUNCTIONS.applyGovernanceChanges,
  (deps) => async (): Promise<SweepReport> =>
    applyDueChanges({ ...deps, apply: governedChangeApplier(deps), recheckApprovals: changeApprovalsRecheck(deps) }),
);

export const { handler } = applyGovernanceChangesFunction;

import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { expireApprovals } from '../../use-cases/transfers/expire-approvals';

/** The approval expiry sweep (an EventBridge schedule in the cloud, an interval locally). */
export const expireApprovalsFunction = defineFunction(
  FUNCTIONS.expireApprovals,
  (deps) => async (): Promise<{ expired: readonly string[] }> => {
    return expireApprovals(deps);
  },
);

export const { handler } = expireApprovalsFunction;

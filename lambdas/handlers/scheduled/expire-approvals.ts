import { dependencies } from '../../composition/dependencies';
import { expireApprovals } from '../../use-cases/transfers/expire-approvals';

/** The approval expiry sweep (an EventBridge schedule in the cloud, an interval locally). */
export async function handler(): Promise<{ expired: readonly string[] }> {
  return expireApprovals(await dependencies());
}

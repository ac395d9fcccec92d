import type { ApprovalGroup } from '../../domain/approvals/approval-group';
import { StrongroomError } from '../../domain/errors';
import type { TransferDeps } from '../transfers/transfer-deps';

/** An approval group (`GET /v1/approval-groups/{id}`), or APPROVAL.GROUP_NOT_FOUND (404). */
export async function getApprovalGroup(
  deps: Pick<TransferDeps, 'groups'>,
  request: { readonly groupId: string },
): Promise<ApprovalGroup> {
  const group = await deps.groups.get(request.groupId);
  if (group === undefined)
    throw new StrongroomError('APPROVAL.GROUP_NOT_FOUND', `no approval group ${request.groupId}`, {
      details: { groupId: request.groupId },
    });
  return group;
}

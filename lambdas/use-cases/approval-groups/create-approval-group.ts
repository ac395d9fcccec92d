import { randomBytes } from 'node:crypto';
import { parseApprovalGroup, type ApprovalGroup } from '../../domain/approvals/approval-group';
import type { Principal } from '../../domain/principal';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';

export type CreateApprovalGroupDeps = Pick<TransferDeps, 'groups' | 'audit' | 'clock'>;

/**
 * Creates an approval group (`POST /v1/approval-groups`, `{name, members}`) under an id of ours,
 * `g-<16 hex>`: a client-chosen id would let a new group take the name a policy expects of another.
 */
export async function createApprovalGroup(
  deps: CreateApprovalGroupDeps,
  request: { readonly principal: Principal; readonly body: unknown },
): Promise<ApprovalGroup> {
  const group = parseApprovalGroup(request.body, `g-${randomBytes(8).toString('hex')}`);
  const at = deps.clock();
  await deps.groups.create(group, request.principal.id, at);
  await recordAudit(deps.audit, {
    traceId: registryTraceId('group', group.id),
    actor: request.principal.id,
    action: 'APPROVAL_GROUP_CREATED',
    inputs: group,
    result: `${group.id} with ${group.members.length} members`,
    at,
  });
  return { ...group, version: 1 };
}

import { isDeepStrictEqual } from 'node:util';
import {
  parseApprovalGroup,
  type ApprovalGroup,
  type ApprovalGroupMember,
} from '../../domain/approvals/approval-group';
import { StrongroomError } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import { expectObject, rejectUnknownFields } from '../../domain/validation';
import type { GovernanceDeps } from '../governance/governance-deps';
import { proposeOrApply, type GovernedOutcome } from '../governed-changes/propose-or-apply';
import { registryTraceId } from '../registry-trace-id';
import { recordAudit } from '../transfers/record-audit';
import type { TransferDeps } from '../transfers/transfer-deps';

export type SetGroupMembersDeps = Pick<TransferDeps, 'groups' | 'audit' | 'clock'> &
  Pick<GovernanceDeps, 'governance' | 'governanceTimeLockSeconds' | 'notifier' | 'publicBaseUrl'>;

/** What a SET_GROUP_MEMBERS change request carries: the new list, and the group version it replaces. */
export interface SetGroupMembersPayload {
  readonly members: readonly ApprovalGroupMember[];
  readonly baseVersion: number;
}

/**
 * Replaces an approval group's members (`PUT /v1/approval-groups/{id}/members`, `{members, reason?}`).
 * Removing members only tightens (fewer people can approve) and applies at once (200). Adding a member,
 * or changing one (a new name, or a new channel that would send their links elsewhere), weakens the
 * four-eyes control, so it becomes a change request (202) in which no added member counts. Either way
 * the list replaces the version it was compared with, or is refused (409, or FAILED when governed).
 */
export async function setGroupMembers(
  deps: SetGroupMembersDeps,
  request: { readonly principal: Principal; readonly groupId: string; readonly body: unknown },
): Promise<GovernedOutcome<ApprovalGroup>> {
  const body = expectObject(request.body, 'body');
  rejectUnknownFields(body, ['members', 'reason'], '');
  const group = await deps.groups.get(request.groupId);
  if (group === undefined)
    throw new StrongroomError('APPROVAL.GROUP_NOT_FOUND', `no approval group ${request.groupId}`, {
      details: { groupId: request.groupId },
    });
  const { members } = parseApprovalGroup({ name: group.name, members: body.members }, group.id);
  const before = new Map(group.members.map((m) => [m.id, m]));
  const added = members.filter((m) => !before.has(m.id)).map((m) => m.id);
  const changed = members.filter((m) => before.has(m.id) && !isDeepStrictEqual(before.get(m.id), m)).map((m) => m.id);
  const payload: SetGroupMembersPayload = { members, baseVersion: group.version ?? 1 };
  return proposeOrApply(
    deps,
    {
      principal: request.principal,
      action: { kind: 'SET_GROUP_MEMBERS', subject: group.id, payload },
      reason: body.reason,
      weakening: [
        ...added.map((id) => `adds ${id} to approval group ${group.id}`),
        ...changed.map((id) => `changes member ${id} of approval group ${group.id} (name or notification channel)`),
      ],
      addedMemberIds: [...added, ...changed],
    },
    () => writeGroupMembers(deps, { groupId: group.id, actor: request.principal.id, payload }),
  );
}

/** Appends the member list at the version it replaces (409 otherwise); once per change id. */
export async function writeGroupMembers(
  deps: Pick<TransferDeps, 'groups' | 'audit' | 'clock'>,
  request: {
    readonly groupId: string;
    readonly actor: string;
    readonly payload: SetGroupMembersPayload;
    readonly changeId?: string;
  },
): Promise<ApprovalGroup> {
  const { payload, changeId } = request;
  const at = deps.clock();
  const group = await deps.groups.setMembers(request.groupId, payload.members, {
    expectedVersion: payload.baseVersion,
    by: request.actor,
    at,
    ...(changeId === undefined ? {} : { changeId }),
  });
  await recordAudit(deps.audit, {
    traceId: registryTraceId('group', group.id),
    actor: request.actor,
    action: 'APPROVAL_GROUP_MEMBERS_SET',
    inputs: changeId === undefined ? { members: payload.members } : { members: payload.members, changeId },
    result: `${group.id} version ${group.version ?? '?'} with ${group.members.length} members`,
    at,
  });
  return group;
}

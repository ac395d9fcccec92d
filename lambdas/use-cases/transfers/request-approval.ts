import { randomBytes } from 'node:crypto';
import { approvalLinkUrl, linkSecretHash } from '../../domain/approvals/approval-link';
import { describeTransfer } from '../approvals/describe-transfer';
import { groupIdsOf } from '../../domain/approvals/required-groups-of';
import { validateRequirement } from '../../domain/approvals/validate-requirement';
import { StrongroomError } from '../../domain/errors';
import { approvalRequestIdOf } from './approval-request-id';
import { haltIfCancelled } from './halt-if-cancelled';
import { loadTransfer } from './load-transfer';
import { recordAudit } from './record-audit';
import { resumeWaitingTask } from './resume-waiting-task';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter } from './transfer-events-builder';

export type RequestApprovalDeps = Pick<
  TransferDeps,
  | 'events'
  | 'approvals'
  | 'groups'
  | 'wallets'
  | 'chains'
  | 'notifier'
  | 'publicBaseUrl'
  | 'workflow'
  | 'audit'
  | 'clock'
>;

const ACTOR = 'workflow:approval';

/**
 * RequestApproval (ARCHITECTURE.md §4.3): records the request with the workflow's task token sealed
 * server-side, and tells the approvers. The execution waits until the decision API (quorum, reject),
 * the expiry sweep or a cancellation resumes it. Run again after a restart, it stores the new token
 * and, if the request was resolved meanwhile, resumes the workflow at once.
 */
export async function requestApproval(
  deps: RequestApprovalDeps,
  input: { readonly transferId: string; readonly taskToken: string },
): Promise<Record<string, never>> {
  let state = await loadTransfer(deps.events, input.transferId);
  haltIfCancelled(state);
  const requirement = state.policy?.approval;
  if (state.status !== 'PENDING_AUTHORIZATION' || requirement === undefined) {
    if (state.approverIds !== undefined) {
      await deps.workflow.sendTaskSuccess(input.taskToken, { approvalRequestId: state.approvalRequestId ?? '' });
      return {};
    }
    throw new StrongroomError(
      'LIFECYCLE.ILLEGAL_TRANSITION',
      `transfer ${state.id} is ${state.status}, not waiting for approval`,
    );
  }
  const requestId = approvalRequestIdOf(state.id);
  const groups = await deps.groups.getMany(groupIdsOf(requirement));
  const existing = await deps.approvals.get(requestId);
  if (existing !== undefined) {
    await deps.approvals.renewCallbackToken(requestId, input.taskToken);
    const resolution = await deps.approvals.resolution(requestId);
    if (resolution !== undefined) await resumeWaitingTask(deps, state, resolution.outcome, resolution.by);
    return {};
  }
  validateRequirement(requirement, groups, state.initiatorId);
  const now = deps.clock();
  const request = {
    id: requestId,
    transferId: state.id,
    initiatorId: state.initiatorId,
    requirement,
    createdAt: now,
    expiresAt: new Date(now.getTime() + requirement.timeoutSeconds * 1000),
  };
  const members = requirement.groups
    .flatMap(({ group }) => groups.get(group)?.members ?? [])
    .filter((member, i, all) => member.id !== state.initiatorId && all.findIndex((m) => m.id === member.id) === i);
  // One secret per member, made here and sent once; only its hash is kept.
  const secrets = new Map(members.map((member) => [member.id, randomBytes(32).toString('base64url')]));
  const links = members.map((member) => ({
    memberId: member.id,
    secretHash: linkSecretHash(secrets.get(member.id) as string),
  }));
  await deps.approvals.create(request, input.taskToken, links);
  state = await deps.events.append(
    state,
    eventsAfter(state, ACTOR, now, [
      {
        type: 'APPROVAL_REQUESTED',
        data: { approvalRequestId: requestId, expiresAt: request.expiresAt.toISOString() },
      },
    ]),
  );
  const wallet = await deps.wallets.get(state.walletId);
  const described = describeTransfer(state, deps.chains, wallet?.name ?? state.walletId);
  const base = deps.publicBaseUrl();
  await deps.notifier.notifyApprovers({
    approvalRequestId: requestId,
    transferId: state.id,
    walletId: state.walletId,
    summary: described.summary,
    expiresAt: request.expiresAt,
    members: members.map((member) => ({
      ...member,
      link: approvalLinkUrl(base, requestId, secrets.get(member.id) as string),
    })),
  });
  await recordAudit(deps.audit, {
    traceId: state.traceId,
    actor: ACTOR,
    action: 'APPROVAL_REQUESTED',
    inputs: requirement,
    result: `${requestId} until ${request.expiresAt.toISOString()}`,
    at: now,
  });
  return {};
}

import type { ApprovalGroup } from './approval-group';
import type { ApprovalDecision, ApprovalRequest, ApprovalRequirement } from './approval-request';
import { requiredGroupsOf } from './required-groups-of';

export type ApprovalOutcome = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED' | 'CANCELLED';

/** Why a recorded decision did not count. */
export type IgnoredReason =
  | 'other-request' // it answers another request
  | 'resolved' // the request was decided before it
  | 'late' // at or after expiresAt
  | 'cancelled' // at or after the cancellation
  | 'initiator' // the initiator never counts towards their own transfer
  | 'not-a-member' // of any group the requirement names
  | 'duplicate'; // this approver's earlier decision is the one that counts

/** Where an approval request stands, derived only from its recorded decisions and the clock. */
export interface ApprovalTally {
  readonly outcome: ApprovalOutcome;
  /** Per required group, in the requirement's order: who approved, in time order. */
  readonly approvals: readonly { readonly group: string; readonly approverIds: readonly string[] }[];
  readonly rejectedBy?: string;
  /** When the outcome was settled (absent while PENDING). */
  readonly decidedAt?: Date;
  readonly ignored: readonly { readonly approverId: string; readonly reason: IgnoredReason }[];
}

export interface TallyApprovalsParams {
  readonly request: ApprovalRequest;
  readonly groups: ReadonlyMap<string, ApprovalGroup>;
  readonly decisions: readonly ApprovalDecision[];
  readonly now: Date;
  /** When a cancellation was recorded, if one was. */
  readonly cancelledAt?: Date;
}

type Resolution = { readonly outcome: ApprovalOutcome; readonly at: Date; readonly rejectedBy?: string };

/**
 * Replays the decisions in time order; the first decisive event wins and nothing after it counts:
 * a counting reject before quorum rejects (later approvals do not matter), reaching quorum approves
 * (a later reject does not undo it), a cancellation before either cancels, and reaching `expiresAt`
 * before any of them expires. An approver who sits in several required groups counts in each of them,
 * but once towards the overall quorum. Equal timestamps keep the given order.
 */
export function tallyApprovals(params: TallyApprovalsParams): ApprovalTally {
  const { request } = params;
  const approvals = new Map<string, string[]>(request.requirement.groups.map(({ group }) => [group, []]));
  const decided = new Set<string>();
  const ignored: { approverId: string; reason: IgnoredReason }[] = [];
  let resolution: Resolution | undefined;
  for (const decision of inTimeOrder(params.decisions)) {
    const reason = resolution === undefined ? whyIgnored(params, decision, decided) : 'resolved';
    if (reason !== undefined) {
      ignored.push({ approverId: decision.approverId, reason });
      continue;
    }
    decided.add(decision.approverId);
    if (decision.decision === 'reject') {
      resolution = { outcome: 'REJECTED', at: decision.at, rejectedBy: decision.approverId };
      continue;
    }
    for (const group of requiredGroupsOf(request.requirement, params.groups, decision.approverId))
      approvals.get(group)?.push(decision.approverId);
    if (quorumReached(request.requirement, approvals)) resolution = { outcome: 'APPROVED', at: decision.at };
  }
  const final = resolution ?? undecidedResolution(params);
  return {
    outcome: final?.outcome ?? 'PENDING',
    approvals: request.requirement.groups.map(({ group }) => ({ group, approverIds: approvals.get(group) ?? [] })),
    ...(final?.rejectedBy === undefined ? {} : { rejectedBy: final.rejectedBy }),
    ...(final === undefined ? {} : { decidedAt: final.at }),
    ignored,
  };
}

function whyIgnored(
  params: TallyApprovalsParams,
  decision: ApprovalDecision,
  decided: ReadonlySet<string>,
): IgnoredReason | undefined {
  const { request, cancelledAt } = params;
  if (decision.requestId !== request.id) return 'other-request';
  if (decision.at.getTime() >= request.expiresAt.getTime()) return 'late';
  if (cancelledAt !== undefined && decision.at.getTime() >= cancelledAt.getTime()) return 'cancelled';
  if (decision.approverId === request.initiatorId) return 'initiator';
  if (requiredGroupsOf(request.requirement, params.groups, decision.approverId).length === 0) return 'not-a-member';
  if (decided.has(decision.approverId)) return 'duplicate';
  return undefined;
}

/** Every group at its own quorum, and enough distinct approvers overall. */
function quorumReached(requirement: ApprovalRequirement, approvals: ReadonlyMap<string, readonly string[]>): boolean {
  const everyGroup = requirement.groups.every(({ group, quorum }) => (approvals.get(group)?.length ?? 0) >= quorum);
  const distinct = new Set([...approvals.values()].flat());
  return everyGroup && distinct.size >= requirement.quorum;
}

/** With no decisive decision: a cancellation before the expiry, or the expiry once it has come. */
function undecidedResolution({ request, cancelledAt, now }: TallyApprovalsParams): Resolution | undefined {
  if (cancelledAt !== undefined && cancelledAt.getTime() < request.expiresAt.getTime())
    return { outcome: 'CANCELLED', at: cancelledAt };
  if (now.getTime() >= request.expiresAt.getTime()) return { outcome: 'EXPIRED', at: request.expiresAt };
  return undefined;
}

function inTimeOrder(decisions: readonly ApprovalDecision[]): ApprovalDecision[] {
  return [...decisions].sort((a, b) => a.at.getTime() - b.at.getTime());
}

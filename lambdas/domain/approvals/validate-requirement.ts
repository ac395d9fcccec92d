import { ApprovalError } from '../errors';
import type { ApprovalGroup } from './approval-group';
import type { ApprovalRequirement } from './approval-request';

/**
 * Refuses a requirement that could never be met, before anyone is asked: `APPROVAL.INVALID_REQUIREMENT`
 * when it is malformed (quorums and timeout positive integers, at least one group, no group twice),
 * `APPROVAL.QUORUM_UNREACHABLE` when a group does not exist, or has fewer members besides the
 * initiator than its quorum, or all groups together have fewer such members than the overall quorum.
 */
export function validateRequirement(
  requirement: ApprovalRequirement,
  groups: ReadonlyMap<string, ApprovalGroup>,
  initiatorId: string,
): void {
  checkShape(requirement);
  const everyone = new Set<string>();
  for (const { group, quorum } of requirement.groups) {
    const found = groups.get(group);
    if (found === undefined) throw unreachable(`approval group "${group}" does not exist`, { group });
    const eligible = found.members.map((m) => m.id).filter((id) => id !== initiatorId);
    if (eligible.length < quorum) {
      throw unreachable(
        `group "${group}" has ${eligible.length} approvers besides the initiator, fewer than its quorum of ${quorum}`,
        { group, quorum, eligible: eligible.length },
      );
    }
    eligible.forEach((id) => everyone.add(id));
  }
  if (everyone.size < requirement.quorum) {
    throw unreachable(
      `the groups have ${everyone.size} approvers besides the initiator, fewer than the quorum of ${requirement.quorum}`,
      {
        quorum: requirement.quorum,
        eligible: everyone.size,
      },
    );
  }
}

function checkShape(requirement: ApprovalRequirement): void {
  if (!isPositiveInteger(requirement.quorum)) throw malformed('quorum', 'must be a positive integer');
  if (!isPositiveInteger(requirement.timeoutSeconds)) throw malformed('timeoutSeconds', 'must be a positive integer');
  if (requirement.groups.length === 0) throw malformed('groups', 'must name at least one group');
  const seen = new Set<string>();
  requirement.groups.forEach(({ group, quorum }, index) => {
    if (!isPositiveInteger(quorum)) throw malformed(`groups[${index}].quorum`, 'must be a positive integer');
    if (seen.has(group)) throw malformed(`groups[${index}].group`, `names "${group}" twice`);
    seen.add(group);
  });
}

const isPositiveInteger = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;

function malformed(field: string, message: string): ApprovalError {
  return new ApprovalError('APPROVAL.INVALID_REQUIREMENT', `${field} ${message}`, { details: { field } });
}

function unreachable(message: string, details: Record<string, unknown>): ApprovalError {
  return new ApprovalError('APPROVAL.QUORUM_UNREACHABLE', message, { details });
}

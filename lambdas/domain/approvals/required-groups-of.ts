import type { ApprovalGroup } from './approval-group';
import type { ApprovalRequirement } from './approval-request';

/** The ids of the groups `requirement` names, each once: the only groups a decision or a tally reads. */
export function groupIdsOf(requirement: ApprovalRequirement): string[] {
  return [...new Set(requirement.groups.map(({ group }) => group))];
}

/** The groups of `requirement` that list `approverId` as a member; a group not in `groups` lists nobody. */
export function requiredGroupsOf(
  requirement: ApprovalRequirement,
  groups: ReadonlyMap<string, ApprovalGroup>,
  approverId: string,
): string[] {
  return requirement.groups
    .filter(({ group }) => groups.get(group)?.members.some((m) => m.id === approverId) ?? false)
    .map(({ group }) => group);
}

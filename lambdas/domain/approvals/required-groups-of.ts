import type { ApprovalGroup } from './approval-group';
import type { ApprovalRequirement } from './approval-request';

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

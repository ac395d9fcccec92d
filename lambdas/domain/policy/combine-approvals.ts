import type { ApprovalRequirement, ApprovalSpec } from './policy';

/**
 * Combines the approvals several sources ask for into the strictest one: every named group must
 * reach its own largest quorum, and the shortest timeout applies. Undefined when none is asked for.
 */
export function combineApprovals(specs: readonly ApprovalSpec[]): ApprovalRequirement | undefined {
  if (specs.length === 0) return undefined;
  // A Map keeps the order in which groups were first named, so the result is deterministic.
  const groups = new Map<string, number>();
  for (const { approverGroup, quorum } of specs)
    groups.set(approverGroup, Math.max(quorum, groups.get(approverGroup) ?? 0));
  return {
    quorum: Math.max(...specs.map((spec) => spec.quorum)),
    groups: [...groups].map(([group, quorum]) => ({ group, quorum })),
    timeoutSeconds: Math.min(...specs.map((spec) => spec.timeoutSeconds)),
  };
}

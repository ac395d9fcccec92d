import type { ApprovalGroup, ApprovalGroupMember } from '../domain/approvals/approval-group';

/**
 * The registry of approval groups, each an append-only stream. A group is created once; creating an
 * id that exists is refused with `STORE.DUPLICATE` and changes nothing. Reads are strongly consistent.
 */
export interface ApprovalGroupStore {
  create(group: ApprovalGroup, by: string, at: Date): Promise<void>;
  get(id: string): Promise<ApprovalGroup | undefined>;
  /**
   * The groups of these ids that exist, by id: one read per distinct id, whatever the number of groups
   * in the registry (what a decision and Authorize need: the groups a requirement names).
   */
  getMany(ids: readonly string[]): Promise<ReadonlyMap<string, ApprovalGroup>>;
  /**
   * Replaces the member list, if the group is still at `expectedVersion` (else STORE.CONFLICT, 409):
   * a removal the route applies at once, or a governed change applied by its id. A change id already
   * applied to the group returns the group unchanged (a retried sweep applies nothing twice).
   */
  setMembers(
    groupId: string,
    members: readonly ApprovalGroupMember[],
    change: { readonly expectedVersion: number; readonly by: string; readonly at: Date; readonly changeId?: string },
  ): Promise<ApprovalGroup>;
  /** Every group, oldest first: for setting a policy, which may name any of them. */
  all(): Promise<readonly ApprovalGroup[]>;
}

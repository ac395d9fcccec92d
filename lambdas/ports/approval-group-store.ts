import type { ApprovalGroup } from '../domain/approvals/approval-group';

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
  /** Every group, oldest first: for setting a policy, which may name any of them. */
  all(): Promise<readonly ApprovalGroup[]>;
}

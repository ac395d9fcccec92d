import type { ApprovalGroup } from '../domain/approvals/approval-group';

/**
 * The registry of approval groups, each an append-only stream. A group is created once; creating an
 * id that exists is refused with `STORE.DUPLICATE` and changes nothing. Reads are strongly consistent.
 */
export interface ApprovalGroupStore {
  create(group: ApprovalGroup, by: string, at: Date): Promise<void>;
  get(id: string): Promise<ApprovalGroup | undefined>;
  /** Every group, oldest first: the policy context and the approval tally need them all, and they are few. */
  all(): Promise<readonly ApprovalGroup[]>;
}

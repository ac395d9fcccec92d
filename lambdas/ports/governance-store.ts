import type {
  ApplyClaim,
  ChangeDecision,
  ChangeOutcome,
  ChangeProgress,
  ChangeRequest,
  GovernanceGroup,
} from '../domain/governance/change-request';
import type { Page, PageRequest } from './page';
import type { ApprovalLink } from '../domain/approvals/approval-link';

/** A change request with every record written about it since; its status is derived from them. */
export interface StoredChange extends ChangeProgress {
  readonly request: ChangeRequest;
  readonly decisions: readonly ChangeDecision[];
}

/**
 * Governance (ARCHITECTURE.md §9), append-only: the governance group's versions, and per change
 * request its proposal, one decision per member, the claims to apply it and one outcome. Every write
 * is a conditional put, so each "once" below holds under concurrent callers; a lost race is reported
 * as the refusal named, and nothing is overwritten. Reads are strongly consistent.
 *
 * Applying a change is guarded twice: `claim` lets one sweep at a time apply it (the loser is told
 * and must not apply), and the outcome is recorded once. A claim whose sweep died is taken over by a
 * later claim, so whatever applies a change (the `apply` callback of the use cases) must be idempotent
 * by change id: a crash after applying but before the outcome is recorded makes it run again.
 */
export interface GovernanceStore {
  /**
   * Sets the first governance group (version 1). Once only: a second bootstrap, concurrent or not,
   * is the governance error ALREADY_BOOTSTRAPPED and writes nothing.
   */
  bootstrap(group: GovernanceGroup, by: string, at: Date): Promise<void>;
  /** The newest version of the governance group; undefined before bootstrap. */
  group(): Promise<GovernanceGroup | undefined>;
  /**
   * Appends the next version of the group (`group.version` = the current one + 1), as applying the
   * change `changeId` (SET_GOVERNANCE_GROUP). A version written already is STORE.CONFLICT.
   */
  appendGroupVersion(group: GovernanceGroup, changeId: string, by: string, at: Date): Promise<void>;
  /**
   * Records a new change request with its listing entry and its members' link hashes (each member's
   * secret is sent once, never stored); an id that exists is STORE.DUPLICATE.
   */
  propose(request: ChangeRequest, links?: readonly ApprovalLink[]): Promise<void>;
  /** The link hashes of a change's members; none for a change that does not exist. */
  links(changeId: string): Promise<readonly ApprovalLink[]>;
  get(id: string): Promise<StoredChange | undefined>;
  /**
   * Records a member's decision: once per member (another is DUPLICATE_DECISION), and only while no
   * sweep has claimed the change and no veto stopped it (otherwise ALREADY_FINAL). A veto closes the
   * change in the same write, so a veto and a claim to apply can never both succeed.
   */
  decide(changeId: string, decision: ChangeDecision): Promise<void>;
  /**
   * Claims the right to apply the change: `claim.attempt` 1 is the first claim, n + 1 takes over
   * claim n (only the caller knows it is stale). True when this caller won the claim; false when a
   * veto, another claim of that attempt, or an outcome came first: then it must not apply.
   */
  claim(changeId: string, claim: ApplyClaim): Promise<boolean>;
  /** Records the outcome once; false (and nothing written) when one is recorded already. */
  recordOutcome(changeId: string, outcome: ChangeOutcome): Promise<boolean>;
  /** Changes newest first; pages of at most 100. */
  list(page?: PageRequest): Promise<Page<StoredChange>>;
  /** Every change proposed at or after `since`, oldest first: what the sweep looks through. */
  proposedSince(since: Date): Promise<readonly StoredChange[]>;
}

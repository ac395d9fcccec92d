import { ConflictError, StrongroomError } from '../../../../lambdas/domain/errors';
import {
  governanceError,
  type ApplyClaim,
  type ChangeDecision,
  type ChangeOutcome,
  type ChangeRequest,
  type GovernanceGroup,
} from '../../../../lambdas/domain/governance/change-request';
import type { GovernanceStore, StoredChange } from '../../../../lambdas/ports/governance-store';
import type { Page, PageRequest } from '../../../../lambdas/ports/page';
import type { ApprovalLink } from '../../../../lambdas/domain/approvals/approval-link';

interface Entry {
  request: ChangeRequest;
  decisions: ChangeDecision[];
  closed?: 'veto' | 'claim';
  claims: ApplyClaim[];
  outcome?: ChangeOutcome;
  links: readonly ApprovalLink[];
}

/**
 * The governance store in memory, with the DynamoDB store's contract (each "once" a check before the
 * write, a veto and the first claim closing the change), so use-case rules run in milliseconds.
 * Pages are offsets, newest first.
 */
export class MemoryGovernanceStore implements GovernanceStore {
  readonly groups: GovernanceGroup[] = [];
  private readonly changes = new Map<string, Entry>();

  async bootstrap(group: GovernanceGroup): Promise<void> {
    if (this.groups.length > 0) throw governanceError('ALREADY_BOOTSTRAPPED', 'set already');
    this.groups.push(group);
  }

  async group(): Promise<GovernanceGroup | undefined> {
    return this.groups.at(-1);
  }

  async appendGroupVersion(group: GovernanceGroup, changeId: string): Promise<void> {
    if (this.groups.at(-1)?.version !== group.version - 1) throw new ConflictError('STORE.CONFLICT', 'moved on');
    this.groups.push({ ...group, changeId });
  }

  async propose(request: ChangeRequest, links: readonly ApprovalLink[] = []): Promise<void> {
    if (this.changes.has(request.id)) throw new StrongroomError('STORE.DUPLICATE', 'exists');
    this.changes.set(request.id, { request, decisions: [], claims: [], links });
  }

  async links(changeId: string): Promise<readonly ApprovalLink[]> {
    return this.changes.get(changeId)?.links ?? [];
  }

  async get(id: string): Promise<StoredChange | undefined> {
    const entry = this.changes.get(id);
    if (entry === undefined) return undefined;
    const { request, decisions, claims, outcome } = entry;
    return { request, decisions: [...decisions], claims: [...claims], ...(outcome === undefined ? {} : { outcome }) };
  }

  async decide(changeId: string, decision: ChangeDecision): Promise<void> {
    const entry = this.changes.get(changeId);
    if (entry === undefined) throw governanceError('CHANGE_NOT_FOUND', 'none');
    if (entry.decisions.some((d) => d.memberId === decision.memberId))
      throw governanceError('DUPLICATE_DECISION', 'decided');
    if (entry.closed !== undefined) throw governanceError('ALREADY_FINAL', 'closed');
    entry.decisions.push(decision);
    if (decision.decision === 'veto') entry.closed = 'veto';
  }

  async claim(changeId: string, claim: ApplyClaim): Promise<boolean> {
    const entry = this.changes.get(changeId);
    if (entry === undefined || entry.outcome !== undefined) return false;
    if (claim.attempt === 1 ? entry.closed !== undefined : entry.claims.length !== claim.attempt - 1) return false;
    entry.closed = 'claim';
    entry.claims.push(claim);
    return true;
  }

  async recordOutcome(changeId: string, outcome: ChangeOutcome): Promise<boolean> {
    const entry = this.changes.get(changeId);
    if (entry === undefined || entry.claims.length === 0) throw new Error('no claim');
    if (entry.outcome !== undefined) return false;
    entry.outcome = outcome;
    return true;
  }

  async list(page: PageRequest = {}): Promise<Page<StoredChange>> {
    const all = [...this.changes.values()].reverse();
    const start = page.nextToken === undefined ? 0 : Number(page.nextToken);
    const limit = page.limit ?? 50;
    const items = await Promise.all(all.slice(start, start + limit).map((e) => this.get(e.request.id)));
    const next = start + limit < all.length ? { nextToken: String(start + limit) } : {};
    return { items: items.filter((i) => i !== undefined), ...next };
  }

  async proposedSince(since: Date): Promise<readonly StoredChange[]> {
    const found = [...this.changes.values()].filter((e) => e.request.proposedAt >= since);
    return (await Promise.all(found.map((e) => this.get(e.request.id)))).filter((i) => i !== undefined);
  }
}

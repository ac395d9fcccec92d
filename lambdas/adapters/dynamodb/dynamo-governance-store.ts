import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, StrongroomError, ValidationError } from '../../domain/errors';
import {
  governanceError,
  type ApplyClaim,
  type ChangeDecision,
  type ChangeOutcome,
  type ChangeRequest,
  type GovernanceGroup,
} from '../../domain/governance/change-request';
import type { GovernanceStore, StoredChange } from '../../ports/governance-store';
import type { Page, PageRequest } from '../../ports/page';
import type { ApprovalLink } from '../../domain/approvals/approval-link';
import { PageTokens, pageLimit } from './page-token';
import { queryAll } from './query-all';
import { fromTaggedJson, padSequence, toTaggedJson } from './tagged-json';
import { transactWrite, type TransactItem } from './transact';

/** The governance group's stream: sk the zero-padded version, so version 1 exists once. */
const GROUP_STREAM = 'GOVERNANCE';
const changeKey = (id: string): string => `CHANGE#${id}`;
const PROPOSED = 'PROPOSED';
const decisionSk = (memberId: string): string => `DECISION#${memberId}`;
/** Written by a veto or by the first claim to apply, whichever comes first: the other then loses. */
const CLOSED = 'CLOSED';
const claimSk = (attempt: number): string => `CLAIM#${padSequence(attempt)}`;
const OUTCOME = 'OUTCOME';
/** The listing: one item per change, sk `<proposedAt ISO>#<id>`, so a query is in proposal order. */
const LISTING = 'CHANGES';
const CHANGE_LISTING = 'changes:all';

/**
 * Governance in the events table, append-only (conditional puts only, nothing updated or deleted):
 *
 * | pk               | sk                        | what                                                    |
 * |------------------|---------------------------|---------------------------------------------------------|
 * | `GOVERNANCE`     | padSequence(version)      | a version of the governance group; version 1 = bootstrap |
 * | `CHANGE#<id>`    | `PROPOSED`                | the change request                                      |
 * | `CHANGE#<id>`    | `DECISION#<memberId>`     | a member's one decision                                 |
 * | `CHANGE#<id>`    | `CLOSED`                  | the veto or the first claim, whichever came first       |
 * | `CHANGE#<id>`    | `CLAIM#<padded attempt>`  | a sweep's claim to apply it                             |
 * | `CHANGE#<id>`    | `OUTCOME`                 | APPLIED or FAILED, once                                 |
 * | `CHANGES`        | `<proposedAt ISO>#<id>`   | the listing, written with PROPOSED                      |
 *
 * Each item holds `type`, `at` and `data` (tagged JSON). An approval checks that `CLOSED` is absent in
 * its transaction; a veto and the first claim both put `CLOSED`, so exactly one of them wins and no
 * approval lands after either. DynamoDB Local may cancel a transaction without saying which condition
 * failed: the store then reads the change back to tell which refusal it was.
 */
export class DynamoGovernanceStore implements GovernanceStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** Default: a key of this process's own; the composition root passes the deployment's. */
    private readonly pageTokens: PageTokens = PageTokens.ephemeral(),
  ) {}

  async bootstrap(group: GovernanceGroup, by: string, at: Date): Promise<void> {
    if (group.version !== 1) throw new RangeError('the bootstrapped governance group is version 1');
    // One conditional put, not a transaction: DynamoDB serializes it, so two bootstraps never both
    // lose to each other (as two transactions can) and exactly one of them sets the group.
    const put = this.groupPut(group, 'GOVERNANCE_BOOTSTRAPPED', by, at).Put;
    if (put === undefined) throw new Error('unreachable: groupPut builds a Put');
    try {
      await this.doc.send(new PutCommand(put));
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      throw governanceError(
        'ALREADY_BOOTSTRAPPED',
        'the governance group is set already: change it by a governance change',
      );
    }
  }

  async group(): Promise<GovernanceGroup | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': GROUP_STREAM },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const newest = Items?.[0];
    if (newest === undefined) return undefined;
    return fromTaggedJson<GovernanceGroup>(newest.data as string);
  }

  async appendGroupVersion(group: GovernanceGroup, changeId: string, by: string, at: Date): Promise<void> {
    if (group.version < 2) throw new RangeError('a governance change appends version 2 or later');
    const outcome = await transactWrite(this.doc, [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: GROUP_STREAM, sk: padSequence(group.version - 1) },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      this.groupPut(group, 'GOVERNANCE_GROUP_CHANGED', by, at, changeId),
    ]);
    if (outcome.ok) return;
    throw new ConflictError(
      'STORE.CONFLICT',
      `governance group version ${group.version} cannot follow the current one: re-read it`,
      { details: { version: group.version, changeId } },
    );
  }

  async propose(request: ChangeRequest, links: readonly ApprovalLink[] = []): Promise<void> {
    const proposedAt = request.proposedAt.toISOString();
    // Only the hashes, beside the proposal (not in `data`, which reads return): a secret is never stored.
    const hashes = JSON.stringify(links.map(({ memberId, secretHash }) => ({ memberId, secretHash })));
    const outcome = await transactWrite(this.doc, [
      this.changePut(request.id, PROPOSED, 'CHANGE_PROPOSED', request.proposedAt, request, { links: hashes }),
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: LISTING,
            sk: `${proposedAt}#${request.id}`,
            id: request.id,
            kind: request.action.kind,
            subject: request.action.subject,
            proposedBy: request.proposedBy,
            proposedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    if (outcome.ok) return;
    if (outcome.kind === 'conflict')
      throw new ConflictError('STORE.CONFLICT', `change ${request.id} is being proposed concurrently: retry`);
    throw new StrongroomError('STORE.DUPLICATE', `change ${request.id} exists already`, {
      details: { changeId: request.id },
    });
  }

  async links(changeId: string): Promise<readonly ApprovalLink[]> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: changeKey(changeId), sk: PROPOSED }, ConsistentRead: true }),
    );
    if (Item === undefined || typeof Item.links !== 'string') return [];
    return JSON.parse(Item.links) as ApprovalLink[];
  }

  async get(id: string): Promise<StoredChange | undefined> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': changeKey(id) },
    });
    return toStoredChange(id, items);
  }

  async decide(changeId: string, decision: ChangeDecision): Promise<void> {
    const closed: TransactItem =
      decision.decision === 'veto'
        ? this.changePut(changeId, CLOSED, 'CHANGE_VETOED', decision.at, { by: 'veto', memberId: decision.memberId })
        : {
            ConditionCheck: {
              TableName: this.table,
              Key: { pk: changeKey(changeId), sk: CLOSED },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          };
    const outcome = await transactWrite(this.doc, [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: changeKey(changeId), sk: PROPOSED },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      this.changePut(changeId, decisionSk(decision.memberId), 'CHANGE_DECIDED', decision.at, decision),
      closed,
    ]);
    if (outcome.ok) return;
    const details = { changeId, memberId: decision.memberId };
    if (outcome.kind === 'conflict')
      throw new ConflictError('STORE.CONFLICT', `change ${changeId} is being decided concurrently: re-read it`, {
        details,
      });
    const stored = await this.get(changeId);
    if (stored === undefined) throw governanceError('CHANGE_NOT_FOUND', `no change ${changeId}`, details);
    if (stored.decisions.some((d) => d.memberId === decision.memberId))
      throw governanceError('DUPLICATE_DECISION', `${decision.memberId} has decided on ${changeId} already`, details);
    throw governanceError(
      'ALREADY_FINAL',
      `change ${changeId} is vetoed or being applied: nobody decides any more`,
      details,
    );
  }

  async claim(changeId: string, claim: ApplyClaim): Promise<boolean> {
    if (!Number.isInteger(claim.attempt) || claim.attempt < 1) throw new RangeError('a claim attempt is 1 or more');
    const noOutcome: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: changeKey(changeId), sk: OUTCOME },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const put = this.changePut(changeId, claimSk(claim.attempt), 'CHANGE_CLAIMED', claim.at, claim);
    const items: TransactItem[] =
      claim.attempt === 1
        ? [
            this.changePut(changeId, CLOSED, 'CHANGE_CLOSED', claim.at, { by: 'claim', claimedBy: claim.by }),
            put,
            noOutcome,
          ]
        : [
            {
              // Taking over needs the claim it takes over: a veto can then not have come first.
              ConditionCheck: {
                TableName: this.table,
                Key: { pk: changeKey(changeId), sk: claimSk(claim.attempt - 1) },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            put,
            noOutcome,
          ];
    // Losing to a condition or to a concurrent transaction: either way another caller is ahead.
    return (await transactWrite(this.doc, items)).ok;
  }

  async recordOutcome(changeId: string, outcome: ChangeOutcome): Promise<boolean> {
    const result = await transactWrite(this.doc, [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: changeKey(changeId), sk: claimSk(1) },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      this.changePut(changeId, OUTCOME, `CHANGE_${outcome.status}`, outcome.at, outcome),
    ]);
    if (result.ok) return true;
    const stored = await this.get(changeId);
    if (stored?.outcome !== undefined) return false;
    if (stored !== undefined && stored.claims.length === 0)
      throw new StrongroomError(
        'LIFECYCLE.INVALID_EVENT',
        `change ${changeId} has no claim: its outcome is not recorded`,
      );
    throw new ConflictError('STORE.CONFLICT', `the outcome of change ${changeId} is being recorded concurrently`);
  }

  async list(page: PageRequest = {}): Promise<Page<StoredChange>> {
    const startKey = this.pageTokens.decode(CHANGE_LISTING, page.nextToken, ['pk', 'sk']);
    if (startKey !== undefined && startKey.pk !== LISTING)
      throw new ValidationError('REQUEST.INVALID_FIELD', 'nextToken', 'is not a token this listing issued');
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': LISTING },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    const items = await this.changesOf(result.Items ?? []);
    return result.LastEvaluatedKey
      ? { items, nextToken: this.pageTokens.encode(CHANGE_LISTING, result.LastEvaluatedKey) }
      : { items };
  }

  async proposedSince(since: Date): Promise<readonly StoredChange[]> {
    const index = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': LISTING, ':since': since.toISOString() },
    });
    return this.changesOf(index);
  }

  private async changesOf(index: readonly Record<string, unknown>[]): Promise<StoredChange[]> {
    return Promise.all(
      index.map(async (item) => {
        const change = await this.get(item.id as string);
        // The listing item and PROPOSED are written in one transaction: one without the other is a broken invariant.
        if (change === undefined)
          throw new StrongroomError('LIFECYCLE.INVALID_EVENT', `change ${String(item.id)} is listed but has no stream`);
        return change;
      }),
    );
  }

  private groupPut(group: GovernanceGroup, type: string, by: string, at: Date, changeId?: string): TransactItem {
    const record: GovernanceGroup = { ...group, ...(changeId === undefined ? {} : { changeId }) };
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: GROUP_STREAM,
          sk: padSequence(group.version),
          type,
          at: at.toISOString(),
          actor: by,
          data: toTaggedJson(record),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private changePut(
    changeId: string,
    sk: string,
    type: string,
    at: Date,
    data: unknown,
    attributes: Record<string, string> = {},
  ): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: { ...attributes, pk: changeKey(changeId), sk, type, at: at.toISOString(), data: toTaggedJson(data) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }
}

function toStoredChange(id: string, items: readonly Record<string, unknown>[]): StoredChange | undefined {
  const proposed = items.find((item) => item.sk === PROPOSED);
  if (proposed === undefined) {
    if (items.length > 0)
      throw new StrongroomError('LIFECYCLE.INVALID_EVENT', `change ${id} has records but no proposal`);
    return undefined;
  }
  const data = <T>(item: Record<string, unknown>): T => fromTaggedJson<T>(item.data as string);
  const outcome = items.find((item) => item.sk === OUTCOME);
  return {
    request: data<ChangeRequest>(proposed),
    decisions: items
      .filter((item) => String(item.sk).startsWith('DECISION#'))
      .map((item) => data<ChangeDecision>(item)),
    claims: items.filter((item) => String(item.sk).startsWith('CLAIM#')).map((item) => data<ApplyClaim>(item)),
    ...(outcome === undefined ? {} : { outcome: data<ChangeOutcome>(outcome) }),
  };
}

const conditionFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApprovalGroup, ApprovalGroupMember } from '../../domain/approvals/approval-group';
import { ConflictError, StrongroomError } from '../../domain/errors';
import type { ApprovalGroupStore } from '../../ports/approval-group-store';
import { queryAll } from './query-all';
import { fromTaggedJson, padSequence, toTaggedJson } from './tagged-json';
import { transactWrite } from './transact';

const streamKey = (groupId: string): string => `GROUP#${groupId}`;
/** The listing: one append-only index item per group, sk `<createdAt ISO>#<id>`. */
const LISTING = 'GROUPS';
const GROUP_CREATED = 'GROUP_CREATED';
/** A new member list: a removal applied at once, or a governed change (then with its change id). */
const MEMBERS_SET = 'MEMBERS_SET';

interface GroupCreatedData {
  readonly name: string;
  readonly members: readonly ApprovalGroupMember[];
  readonly requirePasskeys?: boolean;
}

interface MembersSetData {
  readonly members: readonly ApprovalGroupMember[];
  readonly changeId?: string;
}

/**
 * Approval groups in the events table: the stream `GROUP#<id>`, whose first event GROUP_CREATED
 * holds the group, and an index item in the `GROUPS` partition written in the same transaction.
 * Both are conditional puts, so a group id is created once. Each later MEMBERS_SET event (sk the next
 * sequence, conditional) replaces the member list: a removal applied at once, or a governed change
 * (ARCHITECTURE.md §9) applied after its quorum and time-lock. A stream holding anything else is
 * refused rather than read as if it had not changed.
 */
export class DynamoApprovalGroupStore implements ApprovalGroupStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(group: ApprovalGroup, by: string, at: Date): Promise<void> {
    const createdAt = at.toISOString();
    const data: GroupCreatedData = {
      name: group.name,
      members: group.members,
      ...(group.requirePasskeys === undefined ? {} : { requirePasskeys: group.requirePasskeys }),
    };
    const outcome = await transactWrite(this.doc, [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: streamKey(group.id),
            sk: padSequence(1),
            type: GROUP_CREATED,
            at: createdAt,
            actor: by,
            data: toTaggedJson(data),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: LISTING,
            sk: `${createdAt}#${group.id}`,
            id: group.id,
            name: group.name,
            createdAt,
            createdBy: by,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    if (outcome.ok) return;
    if (outcome.kind === 'conflict')
      throw new ConflictError('STORE.CONFLICT', `approval group ${group.id} is being created concurrently: retry`, {
        details: { groupId: group.id },
      });
    throw new StrongroomError('STORE.DUPLICATE', `approval group ${group.id} exists already`, {
      details: { groupId: group.id },
    });
  }

  async get(id: string): Promise<ApprovalGroup | undefined> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': streamKey(id) },
    });
    const [first, ...rest] = items;
    if (first === undefined) return undefined;
    const unreadable = () =>
      new StrongroomError('LIFECYCLE.INVALID_EVENT', `approval group ${id} has events this store cannot read`, {
        details: { groupId: id, events: items.map((item) => item.type) },
      });
    if (first.type !== GROUP_CREATED || first.sk !== padSequence(1)) throw unreadable();
    const created = fromTaggedJson<GroupCreatedData>(first.data as string);
    let members = created.members;
    for (const [i, item] of rest.entries()) {
      if (item.type !== MEMBERS_SET || item.sk !== padSequence(i + 2)) throw unreadable();
      members = fromTaggedJson<MembersSetData>(item.data as string).members;
    }
    return {
      id,
      name: created.name,
      members,
      version: items.length,
      ...(created.requirePasskeys === undefined ? {} : { requirePasskeys: created.requirePasskeys }),
    };
  }

  async setMembers(
    groupId: string,
    members: readonly ApprovalGroupMember[],
    change: { readonly expectedVersion: number; readonly by: string; readonly at: Date; readonly changeId?: string },
  ): Promise<ApprovalGroup> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': streamKey(groupId) },
    });
    // Applied already (a retried sweep): the change's own event is there.
    if (
      change.changeId !== undefined &&
      items.some(
        (item) =>
          item.type === MEMBERS_SET && fromTaggedJson<MembersSetData>(item.data as string).changeId === change.changeId,
      )
    )
      return (await this.get(groupId)) as ApprovalGroup;
    if (items.length === 0)
      throw new StrongroomError('APPROVAL.GROUP_NOT_FOUND', `no approval group ${groupId}`, { details: { groupId } });
    if (items.length !== change.expectedVersion)
      throw new ConflictError(
        'STORE.CONFLICT',
        `approval group ${groupId} changed since version ${change.expectedVersion}`,
        {
          details: { groupId, expectedVersion: change.expectedVersion, version: items.length },
        },
      );
    const data: MembersSetData = { members, ...(change.changeId === undefined ? {} : { changeId: change.changeId }) };
    const outcome = await transactWrite(this.doc, [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: streamKey(groupId),
            sk: padSequence(change.expectedVersion + 1),
            type: MEMBERS_SET,
            at: change.at.toISOString(),
            actor: change.by,
            data: toTaggedJson(data),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    if (!outcome.ok)
      throw new ConflictError('STORE.CONFLICT', `approval group ${groupId} changed concurrently: re-read and retry`, {
        details: { groupId, expectedVersion: change.expectedVersion },
      });
    return (await this.get(groupId)) as ApprovalGroup;
  }

  async getMany(ids: readonly string[]): Promise<ReadonlyMap<string, ApprovalGroup>> {
    const groups = await Promise.all([...new Set(ids)].map((id) => this.get(id)));
    return new Map(groups.filter((g) => g !== undefined).map((g): [string, ApprovalGroup] => [g.id, g]));
  }

  async all(): Promise<readonly ApprovalGroup[]> {
    const index = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LISTING },
    });
    return Promise.all(
      index.map(async (item) => {
        const group = await this.get(item.id as string);
        // The index item and the stream are written in one transaction: one without the other is a broken invariant.
        if (group === undefined)
          throw new StrongroomError(
            'LIFECYCLE.INVALID_EVENT',
            `approval group ${String(item.id)} is listed but has no stream`,
          );
        return group;
      }),
    );
  }
}

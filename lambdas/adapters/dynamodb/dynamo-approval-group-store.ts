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

interface GroupCreatedData {
  readonly name: string;
  readonly members: readonly ApprovalGroupMember[];
}

/**
 * Approval groups in the events table: the stream `GROUP#<id>`, whose first event GROUP_CREATED
 * holds the group, and an index item in the `GROUPS` partition written in the same transaction.
 * Both are conditional puts, so a group id is created once. Changing a group is a governed change
 * (ARCHITECTURE.md §1.9) that will append further events; until then a stream holding anything
 * else is refused rather than read as if it had not changed.
 */
export class DynamoApprovalGroupStore implements ApprovalGroupStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(group: ApprovalGroup, by: string, at: Date): Promise<void> {
    const createdAt = at.toISOString();
    const data: GroupCreatedData = { name: group.name, members: group.members };
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
    if (first.type !== GROUP_CREATED || first.sk !== padSequence(1) || rest.length > 0) {
      throw new StrongroomError('LIFECYCLE.INVALID_EVENT', `approval group ${id} has events this store cannot read`, {
        details: { groupId: id, events: items.map((item) => item.type) },
      });
    }
    const data = fromTaggedJson<GroupCreatedData>(first.data as string);
    return { id, name: data.name, members: data.members };
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

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoApprovalGroupStore } from '../../../lambdas/adapters/dynamodb/dynamo-approval-group-store';
import { padSequence, toTaggedJson } from '../../../lambdas/adapters/dynamodb/tagged-json';

// Counts the reads: 150 groups in the registry must not cost 150 queries when a requirement names two.
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
);
const mock = mockClient(doc);

beforeEach(() => {
  mock.reset();
  mock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
    const pk = input.ExpressionAttributeValues[':pk']!;
    if (pk === 'GROUPS')
      return { Items: Array.from({ length: 150 }, (_, i) => ({ pk, sk: `2026#g-${i}`, id: `g-${i}` })) };
    const id = pk.slice('GROUP#'.length);
    if (id === 'g-missing') return { Items: [] };
    const data = toTaggedJson({ name: id, members: [{ id: `member-of-${id}`, name: 'M' }] });
    return { Items: [{ pk, sk: padSequence(1), type: 'GROUP_CREATED', data }] };
  });
});

const queriedPartitions = (): string[] =>
  mock.commandCalls(QueryCommand).map((c) => String(c.args[0].input.ExpressionAttributeValues?.[':pk']));

describe('DynamoApprovalGroupStore.getMany', () => {
  it('reads only the named groups, each once, and never the listing of every group', async () => {
    const store = new DynamoApprovalGroupStore(doc, 'events');
    const groups = await store.getMany(['g-7', 'g-42', 'g-7', 'g-missing']);
    expect([...groups.keys()].sort()).toEqual(['g-42', 'g-7']);
    expect(groups.get('g-7')?.members).toEqual([{ id: 'member-of-g-7', name: 'M' }]);
    expect(queriedPartitions().sort()).toEqual(['GROUP#g-42', 'GROUP#g-7', 'GROUP#g-missing']);
  });

  it('reads nothing for no ids', async () => {
    expect((await new DynamoApprovalGroupStore(doc, 'events').getMany([])).size).toBe(0);
    expect(mock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('all() still reads the listing and every group: 151 queries for 150 groups', async () => {
    expect(await new DynamoApprovalGroupStore(doc, 'events').all()).toHaveLength(150);
    expect(queriedPartitions()).toHaveLength(151);
  });
});

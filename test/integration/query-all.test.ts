import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { queryAll } from '../../lambdas/adapters/dynamodb/query-all';
import { localDynamoDbClient } from '../../local/dynamodb-local';

// A table of its own with a global secondary index: 25 items in one partition, read 4 a page.
const ITEMS = 25;
const PAGE = 4;
const table = `query-all-${randomUUID().slice(0, 8)}`;

interface SentQuery {
  readonly hasConsistentRead: boolean;
  readonly consistentRead: unknown;
  readonly exclusiveStartKey: unknown;
}

let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
const sent: SentQuery[] = [];

beforeAll(async () => {
  const endpoint = process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('STRONGROOM_TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest');
  client = localDynamoDbClient(endpoint);
  doc = documentClient(client);
  // Each Query as it is sent: the paginator reuses one input object, so the fields are copied here.
  doc.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'QueryCommand') {
        const input = args.input as Record<string, unknown>;
        sent.push({
          hasConsistentRead: 'ConsistentRead' in input && input.ConsistentRead !== undefined,
          consistentRead: input.ConsistentRead,
          exclusiveStartKey: input.ExclusiveStartKey,
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'queryAllTestRecorder' },
  );
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gpk', AttributeType: 'S' },
        { AttributeName: 'gsk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byG',
          KeySchema: [
            { AttributeName: 'gpk', KeyType: 'HASH' },
            { AttributeName: 'gsk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  const items = Array.from({ length: ITEMS }, (_, i) => ({
    pk: 'P',
    sk: String(i).padStart(3, '0'),
    gpk: 'G',
    // The index orders the items the other way round from the table.
    gsk: String(ITEMS - i).padStart(3, '0'),
    n: i,
  }));
  for (let i = 0; i < items.length; i += 25)
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
});

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
});

beforeEach(() => {
  sent.length = 0;
});

const pagesFor = (items: number): number => Math.floor(items / PAGE) + 1;

describe('queryAll', () => {
  it('returns every page of a table query, in order, strongly consistent on every request', async () => {
    const items = await queryAll(doc, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'P' },
      ProjectionExpression: 'n',
      Limit: PAGE,
    });

    expect(items).toEqual(Array.from({ length: ITEMS }, (_, n) => ({ n })));
    expect(sent).toHaveLength(pagesFor(ITEMS));
    expect(sent.every((q) => q.consistentRead === true)).toBe(true);
    // The first page starts nowhere; each next one where the previous ended.
    expect(sent[0]!.exclusiveStartKey).toBeUndefined();
    expect(sent.slice(1).every((q) => q.exclusiveStartKey !== undefined)).toBe(true);
  });

  it('reads a global secondary index to its end without sending ConsistentRead', async () => {
    const items = await queryAll(
      doc,
      {
        TableName: table,
        IndexName: 'byG',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': 'G' },
        ProjectionExpression: 'n',
        Limit: PAGE,
      },
      { consistentRead: false },
    );

    expect(items).toEqual(Array.from({ length: ITEMS }, (_, i) => ({ n: ITEMS - 1 - i })));
    expect(sent).toHaveLength(pagesFor(ITEMS));
    expect(sent.some((q) => q.hasConsistentRead)).toBe(false);
  });

  it('is strongly consistent by default, which a global secondary index refuses', async () => {
    await expect(
      queryAll(doc, {
        TableName: table,
        IndexName: 'byG',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': 'G' },
      }),
    ).rejects.toThrow(/consistent/i);
    expect(sent).toEqual([{ hasConsistentRead: true, consistentRead: true, exclusiveStartKey: undefined }]);
  });

  it('honours ScanIndexForward and a key condition across pages', async () => {
    const items = await queryAll(doc, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': 'P', ':from': '010' },
      ProjectionExpression: 'n',
      ScanIndexForward: false,
      Limit: PAGE,
    });

    expect(items).toEqual(Array.from({ length: ITEMS - 10 }, (_, i) => ({ n: ITEMS - 1 - i })));
    expect(sent.length).toBeGreaterThan(1);
  });
});

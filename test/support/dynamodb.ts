import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { localTableNames, type TableNames } from '../../lambdas/adapters/dynamodb/table-schema';
import { createTables, localDynamoDbClient } from '../../local/dynamodb-local';

export interface TestTables {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly names: TableNames;
}

/** A fresh set of tables on the shared DynamoDB Local, so each test file sees only its own data. */
export async function freshTables(): Promise<TestTables> {
  const endpoint = process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error(
      'STRONGROOM_TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest (global setup starts DynamoDB Local)',
    );
  const client = localDynamoDbClient(endpoint);
  const names = localTableNames(`t${randomUUID().slice(0, 8)}`);
  await createTables(client, names);
  return { client, doc: documentClient(client), names };
}

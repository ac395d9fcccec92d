// Counts the DynamoDB requests a ledger store sends, on a client of its own: the document client shares
// its middleware stack with the client it wraps, so counting on a shared client would count everyone's.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambdas/adapters/dynamodb/document-client';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamodb/dynamo-ledger-store';
import { localDynamoDbClient } from '../../local/dynamodb-local';

export interface RequestCounts {
  /** GetItem and Query requests. */
  reads: number;
  /** TransactWriteItems requests. */
  transactions: number;
  /** Every request, by command name. */
  readonly byCommand: Map<string, number>;
  reset(): void;
}

export interface CountedLedger {
  readonly ledger: DynamoLedgerStore;
  readonly doc: DynamoDBDocumentClient;
  readonly counts: RequestCounts;
  readonly client: DynamoDBClient;
}

/** Adds a counter of every request sent through `doc` (and every client sharing its stack). */
export function countRequests(doc: DynamoDBDocumentClient): RequestCounts {
  const counts: RequestCounts = {
    reads: 0,
    transactions: 0,
    byCommand: new Map(),
    reset() {
      counts.reads = 0;
      counts.transactions = 0;
      counts.byCommand.clear();
    },
  };
  doc.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? '';
      counts.byCommand.set(name, (counts.byCommand.get(name) ?? 0) + 1);
      if (name === 'GetItemCommand' || name === 'QueryCommand') counts.reads++;
      if (name === 'TransactWriteItemsCommand') counts.transactions++;
      return next(args);
    },
    { step: 'initialize', name: 'strongroomLedgerRequestCounter' },
  );
  return counts;
}

/** A ledger store on `table` through a DynamoDB client of its own, whose requests are counted. */
export function countedLedger(table: string): CountedLedger {
  const endpoint = process.env.STRONGROOM_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('STRONGROOM_TEST_DYNAMODB_ENDPOINT is not set: run integration tests through jest');
  const client = localDynamoDbClient(endpoint);
  const doc = documentClient(client);
  const counts = countRequests(doc);
  return { ledger: new DynamoLedgerStore(doc, table), doc, counts, client };
}

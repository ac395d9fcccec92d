import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** A query to read to its end: the paginator supplies ExclusiveStartKey, {@link QueryAllOptions} the consistency. */
export type QueryAllInput = Omit<QueryCommandInput, 'ExclusiveStartKey' | 'ConsistentRead'>;

export interface QueryAllOptions {
  /**
   * Strongly consistent reads (the default), which a table and its local secondary indexes allow. A
   * global secondary index refuses ConsistentRead: pass false, and no ConsistentRead is sent.
   */
  readonly consistentRead?: boolean;
}

/**
 * Every item a query matches, in the query's order, following LastEvaluatedKey page by page through
 * lib-dynamodb's paginator. `Limit` in `input`, if any, is the size of each page, not of the result.
 */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryAllInput,
  { consistentRead = true }: QueryAllOptions = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  // A fresh input: the paginator writes ExclusiveStartKey (and Limit) into the object it is given.
  const query: QueryCommandInput = consistentRead ? { ...input, ConsistentRead: true } : { ...input };
  for await (const page of paginateQuery({ client: doc }, query)) items.push(...(page.Items ?? []));
  return items;
}

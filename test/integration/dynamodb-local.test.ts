import { paginateListTables } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { DEFAULT_CACHE_DIR, hasJndiLookup } from '../../local/dynamodb-local';
import { TABLE_NAMES } from '../../lambdas/adapters/dynamodb/table-schema';
import { freshTables } from '../support/dynamodb';

describe('DynamoDB Local', () => {
  it('runs with JndiLookup removed from its log4j', () => {
    expect(
      hasJndiLookup(join(DEFAULT_CACHE_DIR, 'dynamodb-local-0.6.0', 'DynamoDBLocal_lib', 'log4j-core-2.8.jar')),
    ).toBe(false);
  });

  it('has every strongroom table once the tables are created', async () => {
    const { client, names } = await freshTables();
    // Every page: the shared DynamoDB Local holds many suites' tables, more than one page (100) of them.
    // Small pages, so that the walk over pages is exercised whatever the number of tables.
    const listed = new Set<string>();
    let pages = 0;
    for await (const page of paginateListTables({ client, pageSize: 5 }, {})) {
      pages += 1;
      for (const name of page.TableNames ?? []) listed.add(name);
    }
    expect(pages).toBeGreaterThan(1);
    for (const table of TABLE_NAMES) expect(listed.has(names[table])).toBe(true);
    client.destroy();
  });
});

import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '../../domain/errors';
import type { Cursor, CursorStore } from '../../ports/cursor-store';
import { padSequence } from './tagged-json';

const cursorKey = (name: string): string => `CURSOR#${name}`;

/** Cursors in the events table: `CURSOR#<name>` / zero-padded version, each move a conditional put. */
export class DynamoCursorStore implements CursorStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(name: string): Promise<Cursor | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': cursorKey(name) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const [item] = Items ?? [];
    return item
      ? { name, position: item.position as string, version: Number(item.sk), at: new Date(item.at as string) }
      : undefined;
  }

  async advance(name: string, expected: Cursor | undefined, position: string, at: Date): Promise<Cursor> {
    const version = (expected?.version ?? 0) + 1;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: cursorKey(name), sk: padSequence(version), position, at: at.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string }).name === 'ConditionalCheckFailedException'
      ) {
        throw new ConflictError('STORE.CONFLICT', `cursor ${name} moved past version ${version - 1}`, {
          details: { cursor: name, expectedVersion: version - 1 },
        });
      }
      throw error;
    }
    return { name, position, version, at };
  }
}

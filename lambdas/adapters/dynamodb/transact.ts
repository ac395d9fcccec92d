import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One item of a TransactWriteItems request, in document-client form. */
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** DynamoDB Local refuses more; so does our design, to keep every posting one small transaction. */
export const MAX_TRANSACT_ITEMS = 10;

/** Why a transaction did not commit. */
export type TransactOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: 'condition'; readonly failedIndexes: readonly number[] }
  | { readonly ok: false; readonly kind: 'conflict' };

/**
 * Writes the items as one transaction and reports a lost condition or a conflict as a value, since
 * callers must branch on which item failed (a duplicate posting marker is success, a moved balance
 * is a retry). Anything else is thrown.
 */
export async function transactWrite(
  doc: DynamoDBDocumentClient,
  items: readonly TransactItem[],
): Promise<TransactOutcome> {
  if (items.length === 0) return { ok: true };
  if (items.length > MAX_TRANSACT_ITEMS)
    throw new RangeError(`a transaction holds at most ${MAX_TRANSACT_ITEMS} items, got ${items.length}`);
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: [...items] }));
    return { ok: true };
  } catch (error) {
    if (
      !(error instanceof TransactionCanceledException) &&
      (error as { name?: string }).name !== 'TransactionCanceledException'
    )
      throw error;
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    const failedIndexes = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
    if (failedIndexes.length > 0) return { ok: false, kind: 'condition', failedIndexes };
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return { ok: false, kind: 'conflict' };
    // DynamoDB Local sometimes omits reasons; its message names the cause.
    if (/ConditionalCheckFailed/.test(String((error as Error).message)))
      return { ok: false, kind: 'condition', failedIndexes: [] };
    if (/TransactionConflict/.test(String((error as Error).message))) return { ok: false, kind: 'conflict' };
    throw error;
  }
}

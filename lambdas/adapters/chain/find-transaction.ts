import {
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';

/** Whether the node has `txHash` mined, pending, or not at all. */
export async function findTransaction(client: PublicClient, txHash: Hex): Promise<'MINED' | 'PENDING' | undefined> {
  if ((await findReceipt(client, txHash)) !== undefined) return 'MINED';
  try {
    await client.getTransaction({ hash: txHash });
    return 'PENDING';
  } catch (error) {
    if (error instanceof TransactionNotFoundError) return undefined;
    throw error;
  }
}

/** The receipt of `txHash` in the canonical chain, if it is mined. */
export async function findReceipt(client: PublicClient, txHash: Hex): Promise<TransactionReceipt | undefined> {
  try {
    return await client.getTransactionReceipt({ hash: txHash });
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return undefined;
    throw error;
  }
}

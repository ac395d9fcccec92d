import type { PublicClient } from 'viem';
import { sameAddress, type Address } from '../../domain/address';
import type { IncomingTransfer } from '../../ports/chain';
import { transferLogs } from './transfer-logs';

/**
 * Value that reached `addresses` in blocks `fromBlock..toBlock`: native value of successful top-level
 * transactions, and ERC-20 Transfer logs of any contract (the caller decides which tokens it knows).
 *
 * Native value moved by internal calls (a contract sending ether) is not seen: that needs tracing,
 * which ordinary nodes do not offer.
 */
export async function incomingTransfers(
  client: PublicClient,
  range: { readonly fromBlock: bigint; readonly toBlock: bigint },
  addresses: readonly Address[],
): Promise<IncomingTransfer[]> {
  if (addresses.length === 0 || range.toBlock < range.fromBlock) return [];
  const found: IncomingTransfer[] = [];
  for (let number = range.fromBlock; number <= range.toBlock; number++) {
    found.push(...(await nativeTransfersIn(client, number, addresses)));
  }
  for (const log of await transferLogs(client, range, { to: addresses })) found.push({ kind: 'erc20', ...log });
  return found;
}

async function nativeTransfersIn(
  client: PublicClient,
  blockNumber: bigint,
  addresses: readonly Address[],
): Promise<IncomingTransfer[]> {
  const block = await client.getBlock({ blockNumber, includeTransactions: true });
  const found: IncomingTransfer[] = [];
  for (const tx of block.transactions) {
    const to = tx.to;
    if (to === null || tx.value === 0n || !addresses.some((a) => sameAddress(a, to))) continue;
    // A reverted transaction moves no value though it carries some.
    const receipt = await client.getTransactionReceipt({ hash: tx.hash });
    if (receipt.status !== 'success') continue;
    found.push({
      kind: 'native',
      from: tx.from,
      to,
      amount: tx.value,
      txHash: tx.hash,
      blockNumber,
      blockHash: block.hash,
    });
  }
  return found;
}

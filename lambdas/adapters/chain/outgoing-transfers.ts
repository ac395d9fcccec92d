import { erc20Abi, getAddress, type PublicClient } from 'viem';
import { sameAddress, type Address } from '../../domain/address';
import { isNative, type Asset } from '../../domain/asset';
import type { OutgoingTransfer } from '../../ports/chain';
import { transferLogs } from './transfer-logs';

/**
 * Value that left `addresses` in blocks `fromBlock..toBlock`: every top-level transaction they sent
 * (its value when the call succeeded, and the fee it paid either way), and ERC-20 Transfer logs of any
 * contract from them, whoever sent the transaction (an allowance spender's `transferFrom` too). Each
 * log carries its transaction's sender and nonce, so the caller can tell whether the transaction is ours.
 *
 * Native value moved out by internal calls cannot leave an EOA without a transaction it signed, so
 * the transactions cover every native outflow of a custody address.
 */
export async function outgoingTransfers(
  client: PublicClient,
  range: { readonly fromBlock: bigint; readonly toBlock: bigint },
  addresses: readonly Address[],
): Promise<OutgoingTransfer[]> {
  if (addresses.length === 0 || range.toBlock < range.fromBlock) return [];
  const found: OutgoingTransfer[] = [];
  for (let number = range.fromBlock; number <= range.toBlock; number++) {
    found.push(...(await transactionsFrom(client, number, addresses)));
  }
  for (const log of await transferLogs(client, range, { from: addresses })) {
    const tx = await client.getTransaction({ hash: log.txHash });
    found.push({ kind: 'erc20', ...log, fee: 0n, txFrom: getAddress(tx.from), txNonce: tx.nonce });
  }
  return found;
}

async function transactionsFrom(
  client: PublicClient,
  blockNumber: bigint,
  addresses: readonly Address[],
): Promise<OutgoingTransfer[]> {
  const block = await client.getBlock({ blockNumber, includeTransactions: true });
  const found: OutgoingTransfer[] = [];
  for (const tx of block.transactions) {
    const from = addresses.find((a) => sameAddress(a, tx.from));
    if (from === undefined) continue;
    const receipt = await client.getTransactionReceipt({ hash: tx.hash });
    // Nodes answer addresses in lower case; the evidence carries them checksummed, like every address here.
    found.push({
      kind: 'native',
      from: getAddress(tx.from),
      ...(tx.to === null ? {} : { to: getAddress(tx.to) }),
      // A reverted call moves no value, but its fee is spent.
      amount: receipt.status === 'success' ? tx.value : 0n,
      fee: receipt.gasUsed * receipt.effectiveGasPrice,
      txHash: tx.hash,
      txFrom: getAddress(tx.from),
      txNonce: tx.nonce,
      blockNumber,
      blockHash: block.hash,
    });
  }
  return found;
}

/** The balance of `asset` held by `address` at one block. */
export async function balanceAt(
  client: PublicClient,
  address: Address,
  asset: Asset,
  blockNumber: bigint,
): Promise<bigint> {
  if (isNative(asset)) return client.getBalance({ address, blockNumber });
  return client.readContract({
    address: asset,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [address],
    blockNumber,
  });
}

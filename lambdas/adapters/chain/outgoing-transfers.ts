import { erc20Abi, getAddress, parseAbiItem, type PublicClient } from 'viem';
import { sameAddress, type Address } from '../../domain/address';
import { isNative, type Asset } from '../../domain/asset';
import type { OutgoingTransfer } from '../../ports/chain';

const TRANSFER_EVENT = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

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
  const logs = await client.getLogs({
    event: TRANSFER_EVENT,
    args: { from: [...addresses] },
    fromBlock: range.fromBlock,
    toBlock: range.toBlock,
    strict: true,
  });
  for (const log of logs) {
    if (
      log.removed ||
      log.blockHash === null ||
      log.transactionHash === null ||
      log.logIndex === null ||
      log.blockNumber === null
    )
      continue;
    const tx = await client.getTransaction({ hash: log.transactionHash });
    found.push({
      kind: 'erc20',
      token: log.address,
      from: log.args.from,
      to: log.args.to,
      amount: log.args.value,
      fee: 0n,
      txHash: log.transactionHash,
      txFrom: getAddress(tx.from),
      txNonce: tx.nonce,
      logIndex: log.logIndex,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
    });
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

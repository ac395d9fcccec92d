import { parseAbiItem, type Hex, type PublicClient } from 'viem';
import type { Address } from '../../domain/address';

const TRANSFER_EVENT = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

/** An ERC-20 Transfer log of a mined block on the canonical chain, every position field present. */
export interface TransferLog {
  readonly token: Address;
  readonly from: Address;
  readonly to: Address;
  readonly amount: bigint;
  readonly txHash: Hex;
  readonly logIndex: number;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
}

/**
 * ERC-20 Transfer logs of any contract in blocks `fromBlock..toBlock` whose sender (`from`) or
 * recipient (`to`) is one of the given addresses. Logs the node marks removed (reorged) or without a
 * position (pending) are left out: the scanners that read them book only mined, canonical value.
 */
export async function transferLogs(
  client: PublicClient,
  range: { readonly fromBlock: bigint; readonly toBlock: bigint },
  args: { readonly from: readonly Address[] } | { readonly to: readonly Address[] },
): Promise<TransferLog[]> {
  const logs = await client.getLogs({
    event: TRANSFER_EVENT,
    args: 'from' in args ? { from: [...args.from] } : { to: [...args.to] },
    fromBlock: range.fromBlock,
    toBlock: range.toBlock,
    strict: true,
  });
  const found: TransferLog[] = [];
  for (const log of logs) {
    const { removed, blockHash, transactionHash, logIndex, blockNumber } = log;
    if (removed || blockHash === null || transactionHash === null || logIndex === null || blockNumber === null)
      continue;
    const { from, to, value } = log.args;
    found.push({
      token: log.address,
      from,
      to,
      amount: value,
      txHash: transactionHash,
      logIndex,
      blockNumber,
      blockHash,
    });
  }
  return found;
}

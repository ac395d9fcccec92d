import { erc20Abi, type PublicClient } from 'viem';
import type { Address } from '../../domain/address';

/** What `spender` may still pull from `owner` on the ERC-20 `token`, as of the latest block. */
export function readAllowance(client: PublicClient, token: Address, owner: Address, spender: Address): Promise<bigint> {
  return client.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [owner, spender] });
}

import type { Address } from '../domain/address';
import { newTransactionFees } from '../domain/chain/new-transaction-fees';
import { nonceFillTransaction } from '../domain/chain/nonce-fill-transaction';
import type { PreparedTransaction } from '../domain/lifecycle/transfer-events';
import type { ChainGateway } from '../ports/chain';

/**
 * A zero-value self-transfer at a nonce that was reserved and will not be used (the transfer failed
 * before signing), so the transactions after it are not stuck behind a gap. Authorized and signed
 * like any transaction.
 */
export async function prepareNonceFill(
  chain: ChainGateway,
  at: { readonly from: Address; readonly nonce: number },
): Promise<PreparedTransaction> {
  const fees = newTransactionFees(chain.config, await chain.networkFees());
  return nonceFillTransaction({ chainId: chain.config.chainId, ...at }, fees);
}

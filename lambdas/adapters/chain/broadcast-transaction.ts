import { keccak256, parseTransaction, recoverTransactionAddress, type Hex, type PublicClient } from 'viem';
import { ChainError, DependencyUnavailableError } from '../../domain/errors';
import type { BroadcastResult, BroadcastState } from '../../ports/chain';
import { isUnreachable, nodeMessage, readChain } from './chain-rpc-error';
import { findTransaction } from './find-transaction';

/**
 * Sends a signed EIP-1559 transaction. Success is decided by the hash we computed ourselves being
 * known to the node or mined, whatever the node answered: a re-broadcast of a mined transaction
 * ("nonce too low") and of a pending one ("already known") both succeed, and a lost response to a
 * send that the node took is recognised. Only when the node knows nothing of our hash is a refusal
 * a refusal (CHAIN.BROADCAST_REFUSED with the node's message, for people, in details).
 */
export async function broadcastTransaction(
  client: PublicClient,
  chainId: number,
  serializedTransaction: Hex,
): Promise<BroadcastResult> {
  const { from, nonce } = await inspectSigned(serializedTransaction, chainId);
  const txHash = keccak256(serializedTransaction);
  let refusal: unknown;
  try {
    await client.sendRawTransaction({ serializedTransaction });
  } catch (error) {
    refusal = error;
  }
  const found = await readChain('broadcast lookup', () => findTransaction(client, txHash));
  const state: BroadcastState | undefined = found ?? (refusal === undefined ? 'ACCEPTED' : undefined);
  if (state !== undefined) return { txHash, from, nonce, state };
  if (isUnreachable(refusal)) {
    throw new DependencyUnavailableError('CHAIN.UNAVAILABLE', 'the chain node did not answer the broadcast', {
      cause: refusal,
    });
  }
  throw new ChainError('CHAIN.BROADCAST_REFUSED', 'the node refused the transaction and does not know its hash', {
    cause: refusal,
    details: { txHash, nonce, nodeMessage: nodeMessage(refusal) },
  });
}

/** Only signed EIP-1559 transactions for this chain go out, and we learn their sender ourselves. */
async function inspectSigned(
  serializedTransaction: Hex,
  chainId: number,
): Promise<{ from: BroadcastResult['from']; nonce: number }> {
  try {
    const tx = parseTransaction(serializedTransaction);
    if (tx.type !== 'eip1559') throw new Error(`type ${tx.type ?? 'unknown'}`);
    if (tx.chainId !== chainId) throw new Error(`chain ${tx.chainId ?? 'none'}`);
    if (tx.r === undefined || tx.s === undefined || tx.yParity === undefined) throw new Error('unsigned');
    const from = await recoverTransactionAddress({ serializedTransaction: serializedTransaction as `0x02${string}` });
    return { from, nonce: tx.nonce ?? 0 };
  } catch (cause) {
    throw new ChainError('CHAIN.INVALID_TRANSACTION', `not a signed EIP-1559 transaction for chain ${chainId}`, {
      cause,
    });
  }
}

import type { TransactionSerializableEIP1559 } from 'viem';
import type { AuthorizationProof } from './authorization-proof';

/**
 * The transaction a custody signer signs, built only from a verified proof: the signer never signs
 * anything its caller assembled. The access list is always empty.
 */
export function unsignedTransactionFromProof(proof: AuthorizationProof): TransactionSerializableEIP1559 {
  const tx = proof.transaction;
  return {
    type: 'eip1559',
    chainId: tx.chainId,
    nonce: tx.nonce,
    to: tx.to,
    value: tx.value,
    data: tx.data,
    gas: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    accessList: [],
  };
}

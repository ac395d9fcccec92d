import { hashTypedData, type Hex } from 'viem';
import { ProofError } from '../errors';

/**
 * The EIP-712 digest of a proof's typed data. A value the types cannot encode (a short address,
 * odd-length calldata, a negative uint) is the proof's fault, so it becomes `PROOF.MALFORMED`
 * rather than a library error a workflow would retry.
 */
export function hashProofTypedData(typedData: Parameters<typeof hashTypedData>[0]): Hex {
  try {
    return hashTypedData(typedData);
  } catch (cause) {
    throw new ProofError('PROOF.MALFORMED', 'the typed data does not encode', { cause });
  }
}

import { keccak256, parseTransaction, serializeSignature, serializeTransaction, type Hex } from 'viem';
import type { Address } from '../domain/address';
import { SigningError } from '../domain/errors';
import { assertSignedBy } from '../domain/proof/assert-signed-by';
import type { AuthorizationProof } from '../domain/proof/authorization-proof';
import { unsignedTransactionFromProof } from '../domain/proof/unsigned-transaction-from-proof';

/**
 * Checks a transaction signed outside this process (by the enclave, through an untrusted host and
 * queue) before the workflow records it: its bytes must be exactly the proof's transaction with one
 * canonical (low-s) signature by `from`, and `txHash` their keccak256. Anything else is
 * SIGNER.SIGNATURE_MISMATCH, and nothing is recorded or broadcast: a host that swapped in another
 * transaction, another signer or a malleated signature gets no further than here.
 */
export async function verifySignedTransaction(input: {
  readonly proof: AuthorizationProof;
  readonly from: Address;
  readonly serializedTransaction: unknown;
  readonly txHash: unknown;
}): Promise<{ readonly serializedTransaction: Hex; readonly txHash: Hex }> {
  const { serializedTransaction, txHash } = input;
  if (typeof serializedTransaction !== 'string' || !/^0x(?:[0-9a-fA-F]{2})+$/.test(serializedTransaction))
    throw mismatch('the signed transaction is not hex bytes');
  if (typeof txHash !== 'string' || keccak256(serializedTransaction as Hex) !== txHash.toLowerCase())
    throw mismatch('the transaction hash is not the keccak256 of the signed transaction');
  let parsed: ReturnType<typeof parseTransaction>;
  try {
    parsed = parseTransaction(serializedTransaction as Hex);
  } catch (cause) {
    throw mismatch('the signed transaction does not parse', cause);
  }
  const { r, s, yParity } = parsed;
  if (parsed.type !== 'eip1559' || r === undefined || s === undefined || (yParity !== 0 && yParity !== 1))
    throw mismatch('the signed transaction is not a signed EIP-1559 transaction');
  const unsigned = unsignedTransactionFromProof(input.proof);
  const signature = { r, s, yParity };
  // Byte for byte: the proof's transaction, with this signature and nothing else.
  if (serializeTransaction(unsigned, signature).toLowerCase() !== serializedTransaction.toLowerCase())
    throw mismatch('the signed transaction is not the transaction the proof authorized');
  try {
    await assertSignedBy({
      digest: keccak256(serializeTransaction(unsigned)),
      signature: serializeSignature(signature),
      expectedSigner: input.from,
    });
  } catch (cause) {
    throw mismatch("the signature is not canonical or not by the wallet's key", cause);
  }
  return { serializedTransaction: serializedTransaction as Hex, txHash: txHash.toLowerCase() as Hex };
}

function mismatch(message: string, cause?: unknown): SigningError {
  return new SigningError('SIGNER.SIGNATURE_MISMATCH', message, { cause });
}

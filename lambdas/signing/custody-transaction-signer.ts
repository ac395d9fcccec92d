import {
  keccak256,
  recoverTransactionAddress,
  serializeSignature,
  serializeTransaction,
  type Hex,
  type TransactionSerializableEIP1559,
} from 'viem';
import { sameAddress, type Address } from '../domain/address';
import { ProofError, SigningError } from '../domain/errors';
import type { PreparedTransaction } from '../domain/lifecycle/transfer-events';
import { assertSignedBy } from '../domain/proof/assert-signed-by';
import type { AuthorizationProof } from '../domain/proof/authorization-proof';
import type { ProofDomain } from '../domain/proof/proof-domain';
import { unsignedTransactionFromProof } from '../domain/proof/unsigned-transaction-from-proof';
import { verifyAuthorizationProof } from '../domain/proof/verify-authorization-proof';
import type { DigestSignature, KeyVault } from '../ports/key-vault';

/** What the signer trusts: its own configuration, never anything its caller sends. */
export interface CustodySignerDeps {
  readonly keyVault: KeyVault;
  readonly proofDomain: ProofDomain;
  /** The approval key's address, from the signer's own configuration (ARCHITECTURE.md §6). */
  readonly approvalKeyAddress: Address;
  readonly clock: () => Date;
}

/** What the workflow asks to sign. Nothing in it is trusted until the proof verifies against it. */
export interface CustodySigningRequest {
  readonly transferId: string;
  readonly walletId: string;
  readonly keyId: string;
  readonly transaction: PreparedTransaction;
  readonly proof: AuthorizationProof | undefined;
  readonly proofSignature: unknown;
}

export interface SignedCustodyTransaction {
  /** The signed EIP-1559 transaction, ready for eth_sendRawTransaction. */
  readonly serializedTransaction: Hex;
  /** keccak256 of the serialized bytes: how broadcast and tracking recognise this attempt. */
  readonly txHash: Hex;
  readonly from: Address;
  readonly nonce: number;
}

/**
 * The only way a custody key signs anything (ARCHITECTURE.md §1, invariants 1 and 2): an EIP-1559
 * transaction rebuilt from an authorization proof that the approval key signed for exactly this
 * transfer, wallet and transaction, and that has not expired. There is deliberately no message,
 * typed-data, permit, EIP-7702 or raw-digest path.
 *
 * Every refusal happens before the key vault is asked to sign, and the vault itself refuses a key
 * that is not a custody key (KEY.WRONG_PURPOSE). After signing, the signature is checked to be
 * canonical (low-s) and the serialized transaction to recover to `from`, so a faulty vault can never
 * hand the broadcaster a transaction from someone else or one nodes would refuse.
 */
export async function signCustodyTransaction(
  deps: CustodySignerDeps,
  request: CustodySigningRequest,
): Promise<SignedCustodyTransaction> {
  const { proof, proofSignature } = request;
  if (proof === undefined || proof === null || proofSignature === undefined || proofSignature === null) {
    throw new ProofError('PROOF.INVALID', 'no authorization proof');
  }
  const verified = await verifyAuthorizationProof({
    domain: deps.proofDomain,
    proof,
    signature: proofSignature,
    expectedSigner: deps.approvalKeyAddress,
    transaction: request.transaction,
    transferId: request.transferId,
    walletId: request.walletId,
    now: deps.clock(),
  });
  const { from, nonce } = verified.transaction;
  const unsigned = plainEip1559(unsignedTransactionFromProof(verified));

  const keyAddress = await deps.keyVault.addressOf(request.keyId);
  if (!sameAddress(keyAddress, from)) {
    throw new SigningError(
      'SIGNER.ADDRESS_MISMATCH',
      `key ${request.keyId} is ${keyAddress}, not the transaction's from ${from}`,
      {
        details: { keyId: request.keyId, keyAddress, from },
      },
    );
  }

  const digest = keccak256(serializeTransaction(unsigned));
  // 'custody': the vault refuses the approval or audit key even when its address is the proof's from.
  const signature = await deps.keyVault.signDigest(request.keyId, digest, 'custody');
  await assertCanonicalSignatureBy(digest, signature, from);
  const serializedTransaction = serializeTransaction(unsigned, signature);
  const txHash = keccak256(serializedTransaction);
  const recovered = await recoverTransactionAddress({ serializedTransaction });
  if (!sameAddress(recovered, from)) throw badSignature(`the signed transaction recovers to ${recovered}, not ${from}`);
  return { serializedTransaction, txHash, from, nonce };
}

/** A guard against the proof module ever producing another kind of transaction: only plain EIP-1559. */
function plainEip1559(tx: TransactionSerializableEIP1559): TransactionSerializableEIP1559 {
  const accessListEmpty = Array.isArray(tx.accessList) && tx.accessList.length === 0;
  if (tx.type !== 'eip1559' || !accessListEmpty || 'authorizationList' in tx) {
    throw new SigningError(
      'SIGNER.FORBIDDEN_PAYLOAD',
      'custody keys sign only EIP-1559 transactions with an empty access list',
    );
  }
  return tx;
}

/** Low-s, r and s in range, and recovering to `from`: what nodes accept (EIP-2) and what we signed for. */
async function assertCanonicalSignatureBy(digest: Hex, signature: DigestSignature, from: Address): Promise<void> {
  try {
    await assertSignedBy({ digest, signature: serializeSignature(signature), expectedSigner: from });
  } catch (cause) {
    throw badSignature('the key vault returned a signature that is not canonical or not by the key', cause);
  }
}

function badSignature(message: string, cause?: unknown): SigningError {
  return new SigningError('KEY.BAD_SIGNATURE', message, { cause });
}

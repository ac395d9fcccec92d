import {
  keccak256,
  parseTransaction,
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
import { knownKeyOf } from './known-key';

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
 * canonical (low-s) and by `from`'s key, and the serialized transaction to carry exactly that
 * signature over exactly the signed digest (so it recovers to `from`), so a faulty vault can never
 * hand the broadcaster a transaction from someone else or one nodes would refuse.
 *
 * The signature is checked against the key's public key when the vault gives it (`publicKeyOf`,
 * whose address must be the key's), and by recovery otherwise: the same acceptance, at a lower cost.
 * The authorization proof's signature is still checked by recovery: the signer knows the approval
 * key by its address only.
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

  // Custody keys are one per wallet and sign a few times each: no multiplication tables for them.
  const key = await knownKeyOf(deps.keyVault, request.keyId, keyAddress);

  const digest = keccak256(serializeTransaction(unsigned));
  // 'custody': the vault refuses the approval or audit key even when its address is the proof's from.
  const signature = await deps.keyVault.signDigest(request.keyId, digest, 'custody');
  if (key === undefined) await assertCanonicalSignatureBy(digest, signature, from);
  else if (!key.verifies(digest, signature)) throw badSignature(NOT_BY_THE_KEY);
  const serializedTransaction = serializeTransaction(unsigned, signature);
  assertCarriesSignature(serializedTransaction, digest, signature);
  const txHash = keccak256(serializedTransaction);
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

const NOT_BY_THE_KEY = 'the key vault returned a signature that is not canonical or not by the key';

/**
 * Low-s, r and s in range, and recovering to `from`: what nodes accept (EIP-2) and what we signed for.
 * By recovery: for a vault that gives no public key.
 */
async function assertCanonicalSignatureBy(digest: Hex, signature: DigestSignature, from: Address): Promise<void> {
  try {
    await assertSignedBy({ digest, signature: serializeSignature(signature), expectedSigner: from });
  } catch (cause) {
    throw badSignature(NOT_BY_THE_KEY, cause);
  }
}

/**
 * What recovering the signed transaction's sender establishes, without a second EC operation: its
 * bytes parse back to a plain EIP-1559 transaction carrying exactly the signature that was checked,
 * and its unsigned part hashes to exactly the digest that was signed. Recovery computes its key from
 * these two, so the transaction recovers to the key that signature was checked against.
 */
function assertCarriesSignature(serializedTransaction: Hex, digest: Hex, signature: DigestSignature): void {
  let parsed: ReturnType<typeof parseTransaction>;
  try {
    parsed = parseTransaction(serializedTransaction);
  } catch (cause) {
    throw badSignature('the signed transaction does not parse', cause);
  }
  const { r, s, yParity } = parsed;
  if (
    parsed.type !== 'eip1559' ||
    r === undefined ||
    s === undefined ||
    BigInt(r) !== BigInt(signature.r) ||
    BigInt(s) !== BigInt(signature.s) ||
    yParity !== signature.yParity
  ) {
    throw badSignature('the signed transaction does not carry the signature the key vault returned');
  }
  const unsigned = { ...parsed, r: undefined, s: undefined, v: undefined, yParity: undefined };
  if (keccak256(serializeTransaction(unsigned)) !== digest) {
    throw badSignature('the signed transaction is not the transaction whose digest was signed');
  }
}

function badSignature(message: string, cause?: unknown): SigningError {
  return new SigningError('KEY.BAD_SIGNATURE', message, { cause });
}

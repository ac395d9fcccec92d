import { recoverAddress, type Hex } from 'viem';
import { sameAddress, type Address } from '../address';
import { ProofError } from '../errors';

// The order of the secp256k1 group: r and s live in [1, n-1], and a canonical s in [1, n/2] (EIP-2).
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

/**
 * Requires `signature` to be `expectedSigner`'s over the EIP-712 `digest`, or throws `PROOF.INVALID`.
 *
 * Only the canonical encoding is accepted: 65 bytes r ‖ s ‖ v, v 27 or 28, s in the lower half of
 * the curve order. That is what our signers produce (viem, and the KMS adapter normalises to low-s),
 * and refusing the malleable twins (high-s, v 0/1, 64-byte EIP-2098) gives every signed statement
 * exactly one signature encoding, so a signature can safely serve as an identifier.
 */
export async function assertSignedBy(params: {
  readonly digest: Hex;
  readonly signature: unknown;
  readonly expectedSigner: Address;
}): Promise<void> {
  const signature = canonicalSignature(params.signature);
  let signer: Address;
  try {
    signer = await recoverAddress({ hash: params.digest, signature });
  } catch (cause) {
    throw invalid('the signature does not recover to any key', cause);
  }
  if (!sameAddress(signer, params.expectedSigner)) throw invalid('the signature is not by the expected key');
}

function canonicalSignature(value: unknown): Hex {
  if (typeof value !== 'string' || !SIGNATURE.test(value)) {
    throw invalid('a signature is 65 bytes of 0x-prefixed hex (r, s, v)');
  }
  const r = BigInt(value.slice(0, 66));
  const s = BigInt(`0x${value.slice(66, 130)}`);
  const v = Number.parseInt(value.slice(130), 16);
  if (r === 0n || r >= SECP256K1_N) throw invalid('r is out of range');
  if (s === 0n || s > HALF_N) throw invalid('s must be in the lower half of the curve order (EIP-2)');
  if (v !== 27 && v !== 28) throw invalid('v must be 27 or 28');
  return value as Hex;
}

function invalid(message: string, cause?: unknown): ProofError {
  return new ProofError('PROOF.INVALID', message, { cause });
}

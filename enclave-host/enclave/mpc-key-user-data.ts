import { encodeAbiParameters, hexToBytes, keccak256, sha256, type Hex } from 'viem';
import { MPC_KEY_ATTESTATION_TAG } from '../contract';

/**
 * The user data of a new mpc key's attestation document (enclave-host/contract.ts `CreatedMpcKey`):
 * keccak256(abi.encode(string "strongroom.mpc-key.v1", string deployment, string walletId, address
 * address, string epoch, bytes32 sha256(share 2's KMS ciphertext), bytes32 sha256(share 3's HPKE
 * ciphertext))), 32 bytes.
 *
 * The digests are over the ciphertext bytes (base64 / base64url decoded), not over their text: the
 * bytes are what KMS and HPKE open. Callers decode canonically (the co-signer's `decodeCanonical`), so
 * each text has one byte string and each byte string one text. Here, beside the enclave that attests
 * it, and imported by the co-signer that checks it: one function, so the two cannot drift. ABI
 * encoding, as for agent keys, so no two tuples encode alike.
 */
export function mpcKeyUserData(params: {
  readonly deployment: string;
  readonly walletId: string;
  readonly address: Hex;
  readonly epoch: string;
  readonly coSignerCiphertext: Uint8Array;
  readonly recoveryCiphertext: Uint8Array;
}): Uint8Array {
  const encoded = encodeAbiParameters(
    [
      { type: 'string' },
      { type: 'string' },
      { type: 'string' },
      { type: 'address' },
      { type: 'string' },
      { type: 'bytes32' },
      { type: 'bytes32' },
    ],
    [
      MPC_KEY_ATTESTATION_TAG,
      params.deployment,
      params.walletId,
      params.address,
      params.epoch,
      sha256(params.coSignerCiphertext),
      sha256(params.recoveryCiphertext),
    ],
  );
  return hexToBytes(keccak256(encoded));
}

import { encodeAbiParameters, hexToBytes, keccak256 } from 'viem';
import { MPC_SESSION_ATTESTATION_TAG } from '../contract';

/**
 * The user data of a signing session's attestation: keccak256(abi.encode(string
 * "strongroom.mpc-session.v1", string deployment, string walletId, string jobId)), 32 bytes. The
 * document's public_key is the session's X25519 key, to which the co-signer encrypts share 2: a
 * session attested for another job, wallet or deployment does not receive it.
 */
export function mpcSessionUserData(deployment: string, walletId: string, jobId: string): Uint8Array {
  const encoded = encodeAbiParameters(
    [{ type: 'string' }, { type: 'string' }, { type: 'string' }, { type: 'string' }],
    [MPC_SESSION_ATTESTATION_TAG, deployment, walletId, jobId],
  );
  return hexToBytes(keccak256(encoded));
}

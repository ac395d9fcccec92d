import { encodeAbiParameters, hexToBytes, keccak256, type Hex } from 'viem';
import { AGENT_KEY_ATTESTATION_TAG } from '../contract';

/**
 * The user data of a new agent key's attestation document: keccak256(abi.encode(string
 * "strongroom.agent-key.v1", string deployment, string walletId, address address)), 32 bytes.
 *
 * The enclave attests it when it makes a key; the registrar recomputes it from what it is about to
 * register and gives it to the verifier as the expected user data, so an address the host swapped in
 * (or a key made for another wallet or deployment) does not register. ABI encoding, not
 * concatenation: each string is length-prefixed, so no two triples encode alike.
 */
export function agentKeyUserData(deployment: string, walletId: string, address: Hex): Uint8Array {
  const encoded = encodeAbiParameters(
    [{ type: 'string' }, { type: 'string' }, { type: 'string' }, { type: 'address' }],
    [AGENT_KEY_ATTESTATION_TAG, deployment, walletId, address],
  );
  return hexToBytes(keccak256(encoded));
}

import type { Hex } from 'viem';
import type { CreatedMpcKey, RecoveryPublicKey } from '../../enclave-host/contract';
import type { Address } from '../domain/address';
import type { SealedAgentKey } from '../domain/wallets/sealed-agent-key';

/** What the enclave answers to `createAgentKey`: the new key's address, the key sealed, and the attestation vouching for it. */
export interface CreatedAgentKey {
  readonly address: Address;
  readonly sealedKey: SealedAgentKey;
  /** The attestation document, base64: its user data commits to (deployment, walletId, address). */
  readonly attestation: string;
}

/**
 * The enclave, as the functions that register enclave wallets see it (ARCHITECTURE.md §6): it makes a
 * key inside and seals it, and the deployment's verifier checks the attestation document it sends
 * back (its chain to the pinned root, freshness, the deployment's PCRs, the user data) before any
 * wallet is registered with that address. The host and everything between it and the enclave are
 * untrusted: nothing the enclave says counts until `verifyAttestation` accepts it.
 */
export interface AgentKeys {
  createAgentKey(walletId: string): Promise<CreatedAgentKey>;
  /**
   * Issue 16: a key made inside the enclave and split 2-of-3 (enclave-host/contract.ts "Key shares"):
   * share 1 sealed to the enclave, share 2 under the co-signer's KMS key, share 3 encrypted to
   * `recoveryPublicKey`. Nothing in the answer counts until its attestation verifies (user data
   * `mpcKeyUserData`). Named after the wallet like `createAgentKey`: a retry gets the same key.
   */
  createMpcKey(walletId: string, recoveryPublicKey: RecoveryPublicKey): Promise<CreatedMpcKey>;
  /** Throws (ENCLAVE.ATTESTATION_INVALID) unless the document verifies and carries exactly `userData`. */
  verifyAttestation(document: Uint8Array, userData: Hex): Promise<void>;
}

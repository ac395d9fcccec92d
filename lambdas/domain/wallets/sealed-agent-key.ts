import type { Hex } from 'viem';

/**
 * An enclave wallet's key as the enclave sealed it (enclave-host/contract.ts `SealedKey`, restated
 * so the domain imports nothing outside it; a test checks the two stay assignable): the data key as
 * KMS encrypted it and the key under AES-256-GCM, bound to {deployment, walletId, purpose, version}.
 * Not a secret: only the enclave's measured image can open it, and only for this wallet.
 */
export interface SealedAgentKey {
  readonly format: 'strongroom.sealed.v1';
  readonly context: {
    readonly deployment: string;
    readonly walletId: string;
    readonly purpose: 'agent-key';
    readonly version: string;
  };
  readonly address: Hex;
  readonly encryptedDataKey: string;
  readonly iv: string;
  readonly ciphertext: string;
}

/** The key id an enclave wallet's key is known by in events and audit: its wallet and version. */
export const agentKeyId = (sealed: SealedAgentKey): string =>
  `enclave:${sealed.context.walletId}:v${sealed.context.version}`;

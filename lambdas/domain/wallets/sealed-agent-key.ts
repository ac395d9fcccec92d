import type { Hex } from 'viem';

/** What a record sealed by the enclave holds: an enclave wallet's whole key, or share 1 of an mpc wallet's key. */
export type SealedPurpose = 'agent-key' | 'key-share';

/**
 * A record as the enclave sealed it (enclave-host/contract.ts `SealedKey`, restated so the domain
 * imports nothing outside it; test/unit/domain/wallets/sealed-agent-key.test.ts checks the two stay
 * assignable): the data key as KMS encrypted it and the secret under AES-256-GCM, bound to
 * {deployment, walletId, purpose, version}. Not a secret: only the enclave's measured image can open
 * it, and only for this wallet and purpose.
 */
export interface SealedRecord<P extends SealedPurpose> {
  readonly format: 'strongroom.sealed.v1';
  readonly context: {
    readonly deployment: string;
    readonly walletId: string;
    readonly purpose: P;
    /** The key's version (enclave) or the shares' epoch (mpc): 1 at creation. */
    readonly version: string;
  };
  /** The address of the key inside (of the whole key, for a share). */
  readonly address: Hex;
  readonly encryptedDataKey: string;
  readonly iv: string;
  readonly ciphertext: string;
}

/** An enclave wallet's key, sealed whole. */
export type SealedAgentKey = SealedRecord<'agent-key'>;

/** Share 1 of an mpc wallet's key (issue 16), sealed with its own purpose: it never opens as an agent key. */
export type SealedKeyShare = SealedRecord<'key-share'>;

/**
 * What a wallet hands the enclave to sign: an enclave wallet's agent key, an mpc wallet's share 1.
 * The wallet lifecycle keeps each to its scheme (an enclave wallet never carries a share, an mpc wallet
 * never a whole key).
 */
export type WalletSealedKey = SealedAgentKey | SealedKeyShare;

/** The key id an enclave wallet's key is known by in events and audit: its wallet and version. */
export const agentKeyId = (sealed: SealedAgentKey): string =>
  `enclave:${sealed.context.walletId}:v${sealed.context.version}`;

/** The key id an mpc wallet's key is known by in events and audit: its wallet and the shares' epoch. */
export const keyShareId = (sealed: SealedKeyShare): string =>
  `mpc:${sealed.context.walletId}:e${sealed.context.version}`;

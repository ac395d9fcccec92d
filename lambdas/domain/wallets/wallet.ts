import type { Address } from '../address';
import type { Policy } from '../policy/policy';
import type { WalletSealedKey } from './sealed-agent-key';

/** Where a wallet's custody key lives: KMS, a key sealed to the enclave, or 2-of-3 key shares. */
export const KEY_SCHEMES = ['kms', 'enclave', 'mpc'] as const;

export type KeyScheme = (typeof KEY_SCHEMES)[number];

/** ACTIVE spends; FROZEN spends nothing until unfrozen; LOCKED_DOWN spends nothing, ever again. */
export const WALLET_STATUSES = ['ACTIVE', 'FROZEN', 'LOCKED_DOWN'] as const;

export type WalletStatus = (typeof WALLET_STATUSES)[number];

/**
 * An X25519 public key (32 bytes) in canonical base64url without padding: 43 characters, the last of
 * which carries 4 bits of the key and 2 zero bits (so one of 16 characters). enclave-host/contract.ts
 * `RecoveryPublicKey`; checked here with a pattern because the domain imports only viem. That the key is
 * not a low-order point is the use case's check (`createWallet`).
 */
export const RECOVERY_PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * An mpc wallet's 2-of-3 key shares (issue 16), as far as they are public: the epoch (the key's
 * generation, 1 at creation, the version of its sealed share 1) and the customer's X25519 recovery
 * public key (base64url, 32 bytes), which share 3 was encrypted to and a successor's share 3 is
 * encrypted to at rotation.
 */
export interface KeyShares {
  readonly epoch: string;
  readonly recoveryPublicKey: string;
}

/** Who stopped the wallet, why and when. */
export interface StatusChange {
  readonly by: string;
  readonly reason: string;
  readonly at: Date;
}

/** A wallet as the fold of its event stream. */
export interface Wallet {
  readonly id: string;
  readonly name: string;
  readonly chainId: number;
  readonly keyScheme: KeyScheme;
  /** The key vault's id of the custody key (a KMS key ARN, a sealed enclave key id, an mpc key's id). Not a secret. */
  readonly keyId: string;
  readonly address: Address;
  /**
   * Sent to the enclave with each signing job: an enclave wallet's sealed key, an mpc wallet's sealed
   * share 1. Absent for kms wallets.
   */
  readonly sealedKey?: WalletSealedKey;
  /** An mpc wallet's shares' epoch and recovery public key. Absent for other schemes. */
  readonly keyShares?: KeyShares;
  readonly status: WalletStatus;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly updatedAt: Date;
  /** The current policy, whose `version` counts the POLICY_SET events; none until one is set. */
  readonly policy?: Policy;
  /** Present exactly while the wallet is FROZEN. */
  readonly frozen?: StatusChange;
  /** Present once the wallet is LOCKED_DOWN, which is final. */
  readonly lockedDown?: StatusChange;
  /** Set once its key is rotated: the successor it sends its funds to, and nowhere else. */
  readonly rotatedTo?: StatusChange & { readonly walletId: string; readonly address: Address };
  /** Set once its key is revoked, which is final: it signs nothing more. */
  readonly keyRevoked?: StatusChange;
  /** The governance changes applied to it, oldest first: how a retried application knows it is done. */
  readonly appliedChangeIds?: readonly string[];
  /** The seq of the last event folded: the version an append builds on. */
  readonly version: number;
}

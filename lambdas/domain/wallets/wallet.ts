import type { Address } from '../address';
import type { Policy } from '../policy/policy';
import type { SealedAgentKey } from './sealed-agent-key';

/** Where a wallet's custody key lives: KMS, a key sealed to the enclave, or 2-of-3 key shares. */
export const KEY_SCHEMES = ['kms', 'enclave', 'mpc'] as const;

export type KeyScheme = (typeof KEY_SCHEMES)[number];

/** ACTIVE spends; FROZEN spends nothing until unfrozen; LOCKED_DOWN spends nothing, ever again. */
export const WALLET_STATUSES = ['ACTIVE', 'FROZEN', 'LOCKED_DOWN'] as const;

export type WalletStatus = (typeof WALLET_STATUSES)[number];

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
  /** The key vault's id of the custody key (a KMS key ARN, a sealed enclave key id). Not a secret. */
  readonly keyId: string;
  readonly address: Address;
  /** An enclave wallet's sealed key: sent to the enclave with each signing job. Absent for other schemes. */
  readonly sealedKey?: SealedAgentKey;
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
